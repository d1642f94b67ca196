import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { listen, readBody, sendJson } from './http.js';

/**
 * A local HTTP server that speaks the signal-cli JSON-RPC HTTP daemon
 * protocol (`POST /api/v1/rpc`, `GET /api/v1/events` SSE, `GET
 * /api/v1/check`) and the signal-cli-rest-api endpoints (`POST /v2/send`,
 * `GET /v1/health`, the `/v1/receive/{number}` websocket in json-rpc mode).
 * A fake at the network boundary, faithful where steward depends on it:
 * - SSE events are `id:<start>-<seq>` / `event:receive` / `data:{account,
 *   envelope}` with a buffer of recent events replayed after
 *   `Last-Event-ID` (signal-cli `SseEventBuffer`);
 * - the websocket gets `{envelope, account}` text frames and, like the REST
 *   API, drops what arrives while no client is attached.
 */

/** One message the server accepted for sending. */
export interface SentMessage {
  /** `jsonrpc` or `rest`. */
  api: 'jsonrpc' | 'rest';
  /** The sending account (`params.account` or REST `number`), if given. */
  account: string | undefined;
  /** Recipients (people). */
  recipients: string[];
  /** Text. */
  message: string;
  /** Group ids (signal-cli's), present only for group sends. */
  groupIds?: string[];
}

/**
 * How the server answers sends. The failures are the answers signal-cli (and,
 * through it, the REST API) really gives: signal-cli `SignalJsonRpcCommandHandler`
 * codes -1 user error, -4 untrusted key, -5 rate limit, -32603 unexpected,
 * with the per-recipient results in `error.data.response` when nobody got the
 * message; the REST API answers 400 with signal-cli's message, or 429.
 */
export type SignalMode =
  | 'ok'
  /** HTTP 500 to every send. */
  | 'http-error'
  /** A transient JSON-RPC error: -1 "Failed to send message", every recipient a NETWORK_FAILURE (REST: 400 with that message). */
  | 'rpc-error'
  /** -1 "The user … is not registered." without results (REST: 400 with that message). */
  | 'rpc-unregistered'
  /** -4 untrusted identities, every recipient an IDENTITY_FAILURE (REST: 400). */
  | 'rpc-untrusted'
  /** -5 rate limiting, every recipient a RATE_LIMIT_FAILURE with a challenge token (REST: 429). */
  | 'rpc-rate-limit'
  /** -32602 "Specified account does not exist" (REST: 400 "please provide a valid number"). */
  | 'rpc-invalid-params'
  /** -32603 for an I/O failure while sending (REST: 400 with the IOException's message). */
  | 'rpc-internal'
  /** A result whose per-recipient type is UNREGISTERED_FAILURE (REST: 400 "Failed to send message"). */
  | 'recipient-failure'
  /** A result with a timestamp and no `results` (REST: 200 instead of 201). */
  | 'no-results'
  /** A result with a SUCCESS for the first recipient only, none for the others (REST: as `ok`). */
  | 'partial-results'
  /** Never answer. */
  | 'hang'
  /** Answer successfully, but only when the test calls `releaseHeld()`. */
  | 'hold';

/** Options of {@link startSignalServer}. */
export interface SignalServerOptions {
  /** Send a `:` keep-alive comment on every SSE stream this often, in ms (signal-cli: 15 s); 0 = never. */
  keepAliveMs?: number;
}

/** A message from someone, as {@link SignalServer.incoming} builds it. */
export interface IncomingOptions {
  /** The sender's UUID (default: derived from the number). */
  uuid?: string;
  /** The sender's timestamp (default: increasing). */
  timestamp?: number;
  /** Send it in this group (signal-cli group id). */
  groupId?: string;
}

/** A running fake signal-cli. */
export interface SignalServer {
  /** Base URL, for example http://127.0.0.1:41234. */
  url: string;
  /** Messages accepted (only successful sends). */
  sent: SentMessage[];
  /** Every JSON-RPC request body, including failed ones. */
  rpcRequests: Array<{ method: string; params: Record<string, unknown>; id: unknown }>;
  /** Send attempts, successful or not. */
  attempts: number;
  /** Current behaviour of sends. */
  mode: SignalMode;
  /** Behaviours for the next send attempts, one each, before `mode` applies again. */
  script: SignalMode[];
  /** Answer `GET /api/v1/events` and the websocket upgrade with this HTTP status instead of a stream (undefined: stream). */
  eventsStatus: number | undefined;
  /** While true, new events are buffered but not written to connected clients, and pings get no pong: a stream gone silent. */
  stalled: boolean;
  /** Every `GET /api/v1/events` and websocket connection, with the `Last-Event-ID` it sent. */
  eventRequests: Array<{ api: 'jsonrpc' | 'rest'; lastEventId: string | undefined; account: string | undefined }>;
  /** A realistic envelope of a text message from `from` (not pushed yet). */
  incoming(from: string, text: string, options?: IncomingOptions): Record<string, unknown>;
  /** Deliver an envelope: buffered for SSE replay, written to the connected SSE and websocket clients. */
  pushEnvelope(envelope: Record<string, unknown>, account?: string): void;
  /** Cut every SSE stream and websocket (the server keeps its buffer). */
  dropEventStreams(): void;
  /** Resolves with the next message the server accepts. */
  nextSent(): Promise<SentMessage>;
  /** Answer every send held by mode `hold`. */
  releaseHeld(): void;
  /** Sends waiting in mode `hold`. */
  readonly held: number;
  /** Connected SSE clients. */
  readonly eventClients: number;
  /** Connected websocket clients. */
  readonly socketClients: number;
  /** Stop the server. */
  close(): Promise<void>;
}

const BUFFER_LIMIT = 1000;

/** The members every group has, as signal-cli reports them after a group send. */
const GROUP_MEMBERS = ['+15559990001', '+15559990002'];

/**
 * Start the fake signal-cli on 127.0.0.1 and a free port.
 * @param options - keep-alive interval
 */
export async function startSignalServer(options: SignalServerOptions = {}): Promise<SignalServer> {
  let closeServer: () => Promise<void> = () => Promise.resolve();
  const eventStreams = new Map<ServerResponse, string | undefined>();
  const sockets = new Map<WebSocket, string>();
  const buffer: Array<{ sequence: number; account: string | undefined; data: string }> = [];
  const held: Array<() => void> = [];
  const sentWaiters: Array<(message: SentMessage) => void> = [];
  function accept(message: SentMessage): void {
    state.sent.push(message);
    for (const waiter of sentWaiters.splice(0)) waiter(message);
  }
  const idPrefix = `${Date.now()}-`;
  let sequence = 0;
  let timestamp = 1_700_000_000_000;
  let messageTimestamp = 1_700_000_100_000;

  function writeEvent(stream: ServerResponse, event: { sequence: number; data: string }): void {
    stream.write(`id:${idPrefix}${event.sequence}\nevent:receive\ndata:${event.data}\n\n`);
  }

  const state: SignalServer = {
    url: '',
    sent: [],
    rpcRequests: [],
    attempts: 0,
    mode: 'ok',
    script: [],
    eventsStatus: undefined,
    stalled: false,
    eventRequests: [],
    incoming(from, text, incomingOptions = {}) {
      messageTimestamp += 1000;
      const sent = incomingOptions.timestamp ?? messageTimestamp;
      const uuid =
        incomingOptions.uuid ?? `00000000-0000-4000-8000-${from.replace(/\D/g, '').padStart(12, '0').slice(-12)}`;
      const dataMessage: Record<string, unknown> = {
        timestamp: sent,
        message: text,
        expiresInSeconds: 0,
        viewOnce: false,
      };
      if (incomingOptions.groupId !== undefined)
        dataMessage.groupInfo = {
          groupId: incomingOptions.groupId,
          groupName: 'a group',
          revision: 1,
          type: 'DELIVER',
        };
      return {
        source: from,
        sourceNumber: from,
        sourceUuid: uuid,
        sourceName: 'Someone',
        sourceDevice: 1,
        timestamp: sent,
        serverReceivedTimestamp: sent + 5,
        serverDeliveredTimestamp: sent + 6,
        dataMessage,
      };
    },
    pushEnvelope(envelope, account) {
      sequence += 1;
      const event = { sequence, account, data: JSON.stringify({ envelope, account: account ?? null }) };
      buffer.push(event);
      if (buffer.length > BUFFER_LIMIT) buffer.shift();
      if (state.stalled) return;
      for (const [stream, wanted] of eventStreams)
        if (wanted === undefined || wanted === account) writeEvent(stream, event);
      for (const [socket, number] of sockets) if (account === undefined || account === number) socket.send(event.data);
    },
    dropEventStreams() {
      for (const stream of eventStreams.keys()) stream.destroy();
      eventStreams.clear();
      for (const socket of sockets.keys()) socket.terminate();
      sockets.clear();
    },
    nextSent() {
      return new Promise<SentMessage>((resolve) => sentWaiters.push(resolve));
    },
    releaseHeld() {
      for (const release of held.splice(0)) release();
    },
    get held() {
      return held.length;
    },
    get eventClients() {
      return eventStreams.size;
    },
    get socketClients() {
      return sockets.size;
    },
    close: async () => {
      clearInterval(keepAlive);
      state.dropEventStreams();
      webSockets.close();
      await closeServer();
    },
  };

  const keepAlive = setInterval(
    () => {
      if (state.stalled) return;
      for (const stream of eventStreams.keys()) stream.write(':\n');
    },
    options.keepAliveMs && options.keepAliveMs > 0 ? options.keepAliveMs : 2 ** 30,
  );

  const webSockets = new WebSocketServer({ noServer: true, autoPong: false });
  const server = createServer((request, response) => {
    void handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) sendJson(response, 500, { error: String(error) });
    });
  });
  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const match = /^\/v1\/receive\/([^/?]+)/.exec(request.url ?? '');
    if (match === null) {
      socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    const number = decodeURIComponent(match[1] ?? '');
    state.eventRequests.push({ api: 'rest', lastEventId: undefined, account: number });
    if (state.eventsStatus !== undefined) {
      const body = state.eventsStatus === 200 ? '[]' : '{"error":"refused"}';
      socket.end(
        `HTTP/1.1 ${state.eventsStatus} Refused\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
      );
      return;
    }
    webSockets.handleUpgrade(request, socket, head, (client) => {
      sockets.set(client, number);
      client.on('ping', (data) => {
        if (!state.stalled) client.pong(data);
      });
      client.on('close', () => sockets.delete(client));
    });
  });

  function recipientResults(recipients: string[], type: string): unknown[] {
    return recipients.map((recipient) => ({ recipientAddress: { number: recipient, uuid: null }, type }));
  }

  /** The JSON-RPC error signal-cli answers in a failing mode, or undefined. */
  function rpcFailure(mode: SignalMode, recipients: string[]): Record<string, unknown> | undefined {
    const response = (type: string, extra: Record<string, unknown> = {}) => ({
      response: {
        timestamp,
        results: recipientResults(recipients, type).map((result) => ({ ...(result as object), ...extra })),
      },
    });
    switch (mode) {
      case 'rpc-error':
        return { code: -1, message: 'Failed to send message', data: response('NETWORK_FAILURE') };
      case 'rpc-unregistered':
        return { code: -1, message: `The user ${recipients[0] ?? '?'} is not registered.`, data: null };
      case 'rpc-untrusted':
        return {
          code: -4,
          message: 'Failed to send message due to untrusted identities',
          data: response('IDENTITY_FAILURE'),
        };
      case 'rpc-rate-limit':
        return {
          code: -5,
          message: 'Failed to send message due to rate limiting',
          data: response('RATE_LIMIT_FAILURE', { token: 'challenge-token', retryAfterSeconds: 86400 }),
        };
      case 'rpc-invalid-params':
        return { code: -32602, message: 'Specified account does not exist', data: null };
      case 'rpc-internal':
        return { code: -32603, message: 'Failed to send message: Connection reset (SocketException)', data: null };
      default:
        return undefined;
    }
  }

  /** The REST API's answer (signal-cli-rest-api `SendV2`) in a failing mode, or undefined. */
  function restFailure(
    mode: SignalMode,
    people: string[],
  ): { status: number; body: Record<string, unknown> } | undefined {
    switch (mode) {
      case 'http-error':
        return { status: 500, body: { error: 'internal' } };
      case 'rpc-error':
      case 'recipient-failure':
        return { status: 400, body: { error: 'Failed to send message' } };
      case 'rpc-unregistered':
        return { status: 400, body: { error: `The user ${people[0] ?? '?'} is not registered.` } };
      case 'rpc-untrusted':
        return { status: 400, body: { error: 'Failed to send message due to untrusted identities' } };
      case 'rpc-rate-limit':
        return {
          status: 429,
          body: {
            error:
              'Failed to send message due to rate limiting. Use the attached challenge tokens to lift the rate limit restrictions',
            challenge_tokens: ['challenge-token'],
          },
        };
      case 'rpc-invalid-params':
        return { status: 400, body: { error: "Couldn't process request - please provide a valid number" } };
      case 'rpc-internal':
        return { status: 400, body: { error: 'Failed to send message: Connection reset (SocketException)' } };
      default:
        return undefined;
    }
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const path = url.pathname;
    const body = await readBody(request);
    if (request.method === 'GET' && path === '/api/v1/check') return sendJson(response, 200, {});
    if (request.method === 'GET' && path === '/v1/health') {
      response.writeHead(204);
      response.end();
      return;
    }
    if (request.method === 'GET' && path === '/api/v1/events') {
      const lastEventId = request.headers['last-event-id'];
      const account = url.searchParams.get('account') ?? undefined;
      state.eventRequests.push({
        api: 'jsonrpc',
        lastEventId: typeof lastEventId === 'string' ? lastEventId : undefined,
        account,
      });
      if (state.eventsStatus !== undefined) {
        response.writeHead(state.eventsStatus, state.eventsStatus === 429 ? { 'retry-after': '1' } : {});
        response.end();
        return;
      }
      response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      response.write(':\n');
      // Replay what the client missed: every buffered event after the one it names; an unknown id replays all.
      if (typeof lastEventId === 'string') {
        const after = lastEventId.startsWith(idPrefix) ? Number(lastEventId.slice(idPrefix.length)) : 0;
        for (const event of buffer)
          if (event.sequence > after && (account === undefined || event.account === account))
            writeEvent(response, event);
      }
      eventStreams.set(response, account);
      response.on('close', () => eventStreams.delete(response));
      return;
    }
    if (request.method === 'POST' && path === '/api/v1/rpc') {
      const rpc = JSON.parse(body) as { method: string; params: Record<string, unknown>; id: unknown };
      state.rpcRequests.push(rpc);
      if (rpc.method !== 'send')
        return sendJson(response, 200, {
          jsonrpc: '2.0',
          id: rpc.id,
          error: { code: -32601, message: 'Method not implemented' },
        });
      state.attempts += 1;
      let mode = state.script.shift() ?? state.mode;
      if (mode === 'hang') return;
      if (mode === 'hold') {
        await new Promise<void>((resolve) => held.push(resolve));
        mode = 'ok';
      }
      if (mode === 'http-error') return sendJson(response, 500, { error: 'internal' });
      const recipients = (rpc.params.recipient as string[] | undefined) ?? [];
      const groupIds =
        rpc.params.groupId === undefined ? [] : ([] as string[]).concat(rpc.params.groupId as string | string[]);
      timestamp += 1;
      const failure = rpcFailure(mode, recipients);
      if (failure !== undefined) return sendJson(response, 200, { jsonrpc: '2.0', id: rpc.id, error: failure });
      if (mode === 'recipient-failure') {
        return sendJson(response, 200, {
          jsonrpc: '2.0',
          id: rpc.id,
          result: { timestamp, results: recipientResults(recipients, 'UNREGISTERED_FAILURE') },
        });
      }
      if (mode === 'no-results') return sendJson(response, 200, { jsonrpc: '2.0', id: rpc.id, result: { timestamp } });
      if (mode === 'partial-results') {
        return sendJson(response, 200, {
          jsonrpc: '2.0',
          id: rpc.id,
          result: { timestamp, results: recipientResults(recipients.slice(0, 1), 'SUCCESS') },
        });
      }
      const sent: SentMessage = {
        api: 'jsonrpc',
        account: rpc.params.account as string | undefined,
        recipients,
        message: String(rpc.params.message),
      };
      if (groupIds.length > 0) sent.groupIds = groupIds;
      accept(sent);
      // A group send reports each member, with the group's id (signal-cli JsonSendMessageResult.groupId).
      const members = groupIds.flatMap((groupId) =>
        recipientResults(GROUP_MEMBERS, 'SUCCESS').map((result) => ({ ...(result as object), groupId })),
      );
      const results = [...recipientResults(recipients, 'SUCCESS'), ...members];
      return sendJson(response, 200, { jsonrpc: '2.0', id: rpc.id, result: { timestamp, results } });
    }
    if (request.method === 'POST' && path === '/v2/send') {
      const parsed = JSON.parse(body) as { message: string; number: string; recipients: string[] };
      state.attempts += 1;
      let mode = state.script.shift() ?? state.mode;
      if (mode === 'hang') return;
      if (mode === 'hold') {
        await new Promise<void>((resolve) => held.push(resolve));
        mode = 'ok';
      }
      const people = parsed.recipients.filter((recipient) => !recipient.startsWith('group.'));
      const refusal = restFailure(mode, people);
      if (refusal !== undefined) return sendJson(response, refusal.status, refusal.body);
      if (mode === 'no-results') return sendJson(response, 200, { timestamp: String(timestamp) });
      const groupIds = parsed.recipients
        .filter((recipient) => recipient.startsWith('group.'))
        .map((recipient) => Buffer.from(recipient.slice('group.'.length), 'base64').toString('utf8'));
      const sent: SentMessage = { api: 'rest', account: parsed.number, recipients: people, message: parsed.message };
      if (groupIds.length > 0) sent.groupIds = groupIds;
      accept(sent);
      timestamp += 1;
      return sendJson(response, 201, { timestamp: String(timestamp) });
    }
    sendJson(response, 404, { error: `no route ${request.method} ${path}` });
  }

  const listening = await listen(server);
  closeServer = listening.close;
  state.url = `http://127.0.0.1:${listening.port}`;
  return state;
}
