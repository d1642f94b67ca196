import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { listen, readBody, sendJson } from './http.js';
import { restAbout, restSendAnswer, type RecipientOutcome, type RestMode, type RestVersion } from './signal-rest.js';

/**
 * A local HTTP server that behaves like one of the two Signal back ends
 * steward talks to, at the network boundary:
 *
 * **signal-cli's HTTP daemon** (`signal-cli -a +NUM daemon --http`), as read in
 * AsamK/signal-cli @ c26e0632 (v0.14.6 plus "Prepare next release"),
 * `src/main/java/org/asamk/signal/http/HttpServerHandler.java`,
 * `ServerSentEventSender.java`, `commands/DaemonCommand.java`,
 * `lib/.../manager/internal/ManagerImpl.java`:
 * - `GET /api/v1/events` is SSE with `event:receive` and one `data:` line of
 *   `{envelope, account}`, **no `id:` line** (`sendEvent(null, …)`) and **no
 *   replay**: nothing is kept for a client that is not connected (there is no
 *   `SseEventBuffer` and no `Last-Event-ID` in its history);
 * - a keep-alive `:` comment line every 15 s, and one to every stream when any
 *   client leaves (the shared monitor's `notifyAll`);
 * - since v0.14.4 (commit dc43e440) the response headers are flushed at once;
 *   before, nothing arrived until the first event or keep-alive (`flushHeaders: false`);
 * - `--receive-mode` (`commands/ReceiveMode.java`): `on-start` (the default)
 *   receives from the Signal server at all times and hands each message to the
 *   streams connected at that moment, so what arrives while none is connected
 *   is acknowledged and lost; `on-connection` (and `manual`, over HTTP) receives
 *   only while a stream is connected, so the Signal server keeps the rest and
 *   signal-cli fetches it when one connects;
 * - since v0.14.4 (commit f34b5520) `/api/v1/rpc` and `/api/v1/events` answer
 *   421 with no body to a `Host` header other than the bind host, `localhost`,
 *   `127.0.0.1` or `::1`, or with another port (`isHostAllowed`); since v0.14.5
 *   (commit 9f0676d5) not when bound to `0.0.0.0` or `::`; `/api/v1/check` never checks;
 * - `/api/v1/check` is 200 with no body; `/api/v1/rpc` needs a JSON content type (else 415),
 *   answers 200 with the JSON-RPC response (errors too) and 201 to a notification;
 *   method `version` answers `{version}` (`commands/VersionCommand.java`).
 *
 * **bbernhard/signal-cli-rest-api** (tag 0.100 and HEAD a08db23a), `src/api/api.go`,
 * `src/client/*.go`: `POST /v2/send` (see `signal-rest.ts`), `GET /v1/health` 204,
 * `GET /v1/about`, and receiving by `MODE`:
 * - `normal` (the default): `GET /v1/receive/{number}` runs `signal-cli receive` and answers
 *   200 with what it fetched, which is then gone from the Signal server; a websocket
 *   handshake to that path does the same and answers 200, not 101 (the handler only
 *   upgrades in json-rpc mode), so a websocket client that throws that body away loses it;
 * - `json-rpc`: the path is a websocket only (plain GET: 400); the daemon behind it runs in
 *   on-start mode under supervisor, so what arrives while no websocket is attached is dropped.
 */

/** One message the server accepted for sending. */
export interface SentMessage {
  /** `jsonrpc` or `rest`. */
  api: 'jsonrpc' | 'rest';
  /** The sending account (`params.account` or REST `number`), if given. */
  account: string | undefined;
  /** Recipients (people) who got it. */
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
 * message (`SendMessageResultUtils.outputResult`); the REST API's by mode and
 * version (`signal-rest.ts`).
 */
export type SignalMode =
  | 'ok'
  /** HTTP 500 to every send (a proxy in front, or a crash). */
  | 'http-error'
  /** A network failure for every recipient: -1 "Failed to send message" with NETWORK_FAILURE results. */
  | 'rpc-error'
  /** -1 "The user … is not registered." without results (`UnregisteredRecipientException`). */
  | 'rpc-unregistered'
  /** -4 untrusted identities, every recipient an IDENTITY_FAILURE. */
  | 'rpc-untrusted'
  /** -5 rate limiting, every recipient a RATE_LIMIT_FAILURE with a challenge token (REST json-rpc: 429). */
  | 'rpc-rate-limit'
  /** -32602 "Specified account does not exist" (REST: 400 "please provide a valid number"). */
  | 'rpc-invalid-params'
  /** -32603 for an I/O failure while sending (REST: 400 with the IOException's message). */
  | 'rpc-internal'
  /** Every recipient an UNREGISTERED_FAILURE: -1 "Failed to send message" with those results. */
  | 'recipient-failure'
  /** The first recipient a SUCCESS, every other a NETWORK_FAILURE: a success response (REST: see `signal-rest.ts`). */
  | 'partial-network'
  /** Not signal-cli: a result with a timestamp and no `results` (REST: 200 instead of 201). */
  | 'no-results'
  /** Not signal-cli: a result with a SUCCESS for the first recipient only, none for the others. */
  | 'partial-results'
  /** Never answer. */
  | 'hang'
  /** Answer successfully, but only when the test calls `releaseHeld()`. */
  | 'hold';

/** Options of {@link startSignalServer}. */
export interface SignalServerOptions {
  /** Which back end to be (default `signal-cli`); each answers only its own routes. */
  backend?: 'signal-cli' | 'rest-api';
  /** signal-cli's `--receive-mode` (default `on-start`, signal-cli's own default). */
  receiveMode?: 'on-start' | 'on-connection' | 'manual';
  /** signal-cli's keep-alive interval, in ms (15 000). */
  keepAliveMs?: number;
  /** signal-cli's version (default `0.14.6`): before 0.14.4 no Host check; 0.14.4.x checks it on 0.0.0.0 too. */
  version?: string;
  /** Whether the SSE headers go out at once (true: v0.14.4 and later; false: v0.14.3 and earlier). */
  flushHeaders?: boolean;
  /**
   * signal-cli's `--http` address, for its Host check (default `127.0.0.1:<the port it listens on>`);
   * a port other than the real one is a port mapped by Docker.
   */
  bind?: string;
  /** The REST API's `MODE` (default `normal`, its own default). */
  restMode?: RestMode;
  /** The REST API's release (default `0.100`). */
  restVersion?: RestVersion;
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

/** A running fake Signal back end. */
export interface SignalServer {
  /** Base URL, for example http://127.0.0.1:41234. */
  url: string;
  /** Messages accepted (only sends that reached at least one recipient). */
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
  /** While true the streams are dead without knowing it: nothing reaches them (what is received is lost) and pings get no pong. */
  stalled: boolean;
  /** Every events request (SSE, websocket, REST receive), with the `Last-Event-ID` and Host it sent. */
  eventRequests: Array<{
    api: 'jsonrpc' | 'rest';
    lastEventId: string | undefined;
    account: string | undefined;
    host: string | undefined;
  }>;
  /** Messages the Signal server still holds for the account (signal-cli has not received them). */
  readonly pending: number;
  /** Messages signal-cli received and handed to no client: gone. */
  readonly lost: number;
  /** A realistic envelope of a text message from `from` (not pushed yet). */
  incoming(from: string, text: string, options?: IncomingOptions): Record<string, unknown>;
  /** A message arrives at the Signal server for the account; what happens to it depends on the receive mode. */
  pushEnvelope(envelope: Record<string, unknown>, account?: string): void;
  /** Cut every SSE stream and websocket. */
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

/** The members every group has, as signal-cli reports them after a group send. */
const GROUP_MEMBERS = ['+15559990001', '+15559990002'];

function versionAtLeast(version: string, wanted: string): boolean {
  const parts = (text: string): number[] => text.split('.').map((part) => Number(part) || 0);
  const [have, want] = [parts(version), parts(wanted)];
  for (let index = 0; index < Math.max(have.length, want.length); index += 1) {
    const difference = (have[index] ?? 0) - (want[index] ?? 0);
    if (difference !== 0) return difference > 0;
  }
  return true;
}

/** signal-cli's `isHostAllowed`: the Host header against the `--http` bind address. */
function hostAllowed(host: string | undefined, bind: { host: string; port: number }, version: string): boolean {
  if (!versionAtLeast(version, '0.14.4')) return true;
  const wildcard = bind.host === '0.0.0.0' || bind.host === '::';
  if (wildcard && versionAtLeast(version, '0.14.5')) return true;
  if (host === undefined || host === '') return false;
  const match = /^\[([^\]]+)\](?::(\d+))?$|^([^:]+)(?::(\d+))?$/.exec(host);
  if (match === null) return false;
  const name = (match[1] ?? match[3] ?? '').toLowerCase();
  const port = match[2] ?? match[4];
  if (![bind.host.toLowerCase(), 'localhost', '127.0.0.1', '::1'].includes(name)) return false;
  return port === undefined || Number(port) === bind.port;
}

/**
 * Start the fake on 127.0.0.1 and a free port.
 * @param options - back end, receive mode, keep-alive, version, headers, bind, REST mode and release
 */
export async function startSignalServer(options: SignalServerOptions = {}): Promise<SignalServer> {
  const backend = options.backend ?? 'signal-cli';
  const receiveMode = options.receiveMode ?? 'on-start';
  const version = options.version ?? '0.14.6';
  const flushHeaders = options.flushHeaders ?? true;
  const restMode = options.restMode ?? 'normal';
  const restVersion = options.restVersion ?? '0.100';
  let closeServer: () => Promise<void> = () => Promise.resolve();
  const eventStreams = new Map<ServerResponse, string | undefined>();
  const sockets = new Map<WebSocket, string>();
  /** What the Signal server holds: messages signal-cli has not received yet. */
  const pending: Array<{ account: string | undefined; data: string }> = [];
  let lost = 0;
  const held: Array<() => void> = [];
  const sentWaiters: Array<(message: SentMessage) => void> = [];
  let bind = { host: '127.0.0.1', port: 0 };
  function accept(message: SentMessage): void {
    state.sent.push(message);
    for (const waiter of sentWaiters.splice(0)) waiter(message);
  }
  let timestamp = 1_700_000_000_000;
  let messageTimestamp = 1_700_000_100_000;

  function writeEvent(stream: ServerResponse, data: string): void {
    // ServerSentEventSender.sendEvent(null, "receive", …): no id line, no space after the colons.
    stream.write(`event:receive\ndata:${data}\n\n`);
  }

  /** Whether signal-cli is receiving from the Signal server now. */
  function receiving(): boolean {
    if (backend === 'rest-api') return restMode === 'json-rpc'; // its daemon runs on-start; normal mode receives per call
    return receiveMode === 'on-start' || eventStreams.size > 0;
  }

  /** signal-cli hands one received message to the clients connected now; with none (or dead ones) it is gone. */
  function hand(entry: { account: string | undefined; data: string }): void {
    let reached = false;
    if (!state.stalled) {
      for (const [stream, wanted] of eventStreams)
        if (wanted === undefined || wanted === entry.account) {
          writeEvent(stream, entry.data);
          reached = true;
        }
      for (const [socket, number] of sockets)
        if (entry.account === undefined || entry.account === number) {
          socket.send(entry.data);
          reached = true;
        }
    }
    if (!reached) lost += 1;
  }

  /** What the Signal server holds for an account, taken out (signal-cli received and acknowledged it). */
  function takePending(account: string | undefined): string[] {
    const taken: string[] = [];
    for (let index = 0; index < pending.length;) {
      const entry = pending[index] as { account: string | undefined; data: string };
      if (account === undefined || entry.account === undefined || entry.account === account) {
        taken.push(entry.data);
        pending.splice(index, 1);
      } else index += 1;
    }
    return taken;
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
    get pending() {
      return pending.length;
    },
    get lost() {
      return lost;
    },
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
      const entry = { account, data: JSON.stringify({ envelope, account: account ?? null }) };
      if (receiving()) hand(entry);
      else pending.push(entry);
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

  // ServerSentEventSender.sendKeepAlive: the bytes ":\n", every 15 s (wait(15_000) in handleEventsEndpoint).
  const keepAlive = setInterval(() => {
    if (state.stalled) return;
    for (const stream of eventStreams.keys()) stream.write(':\n');
  }, options.keepAliveMs ?? 15_000);

  const webSockets = new WebSocketServer({ noServer: true, autoPong: false });
  const server = createServer((request, response) => {
    void handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) sendJson(response, 500, { error: String(error) });
    });
  });
  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const match = /^\/v1\/receive\/([^/?]+)/.exec(request.url ?? '');
    if (backend !== 'rest-api' || match === null) {
      socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    const number = decodeURIComponent(match[1] ?? '');
    state.eventRequests.push({ api: 'rest', lastEventId: undefined, account: number, host: request.headers.host });
    if (state.eventsStatus !== undefined) {
      const body = '{"error":"refused"}';
      socket.end(
        `HTTP/1.1 ${state.eventsStatus} Refused\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
      );
      return;
    }
    if (restMode === 'normal') {
      // api.go Receive: no upgrade outside json-rpc mode; it runs `signal-cli receive` and answers 200 with the messages.
      const body = `[${takePending(number).join(',')}]`;
      socket.end(
        `HTTP/1.1 200 OK\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
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

  /** The per-recipient outcomes of a send in a mode, or undefined when the mode is not about recipients. */
  function outcomesOf(mode: SignalMode, recipients: string[]): RecipientOutcome[] | undefined {
    const all = (type: string): RecipientOutcome[] => recipients.map((number) => ({ number, type }));
    switch (mode) {
      case 'ok':
        return all('SUCCESS');
      case 'rpc-error':
        return all('NETWORK_FAILURE');
      case 'recipient-failure':
        return all('UNREGISTERED_FAILURE');
      case 'partial-network':
        return recipients.map((number, index) => ({ number, type: index === 0 ? 'SUCCESS' : 'NETWORK_FAILURE' }));
      default:
        return undefined;
    }
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
      case 'recipient-failure':
        return { code: -1, message: 'Failed to send message', data: response('UNREGISTERED_FAILURE') };
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

  /** The REST API's answer in a failing mode that is not about recipients (signal-cli-rest-api `SendV2`), or undefined. */
  function restFailure(
    mode: SignalMode,
    people: string[],
  ): { status: number; body: Record<string, unknown> } | undefined {
    const normal = restMode === 'normal';
    switch (mode) {
      case 'http-error':
        return { status: 500, body: { error: 'internal' } };
      case 'rpc-unregistered':
        return { status: 400, body: { error: `The user ${people[0] ?? '?'} is not registered.${normal ? '\n' : ''}` } };
      case 'rpc-untrusted':
        return normal
          ? {
              status: 400,
              body: {
                error: `Failed to send (some) messages:\nUntrusted Identity for "${people[0] ?? '?'}"\n${timestamp}\nFailed to send message due to untrusted identities\n`,
              },
            }
          : { status: 400, body: { error: 'Unable to complete request due to untrusted recipient keys' } };
      case 'rpc-rate-limit':
        return normal
          ? {
              status: 400,
              body: {
                error: `Failed to send (some) messages:\nRate limit failure for "${people[0] ?? '?'}"\n${timestamp}\nFailed to send message due to rate limiting\n`,
              },
            }
          : {
              status: 429,
              body: {
                error:
                  "Failed to send message due to rate limiting. Use the attached challenge tokens to lift the rate limit restrictions via the '/v1/accounts/{number}/rate-limit-challenge' endpoint.",
                challenge_tokens: ['challenge-token'],
                account: '+15550000000',
              },
            };
      case 'rpc-invalid-params':
        return { status: 400, body: { error: "Couldn't process request - please provide a valid number" } };
      case 'rpc-internal':
        return {
          status: 400,
          body: { error: `Failed to send message: Connection reset (SocketException)${normal ? '\n' : ''}` },
        };
      default:
        return undefined;
    }
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const path = url.pathname;
    const body = await readBody(request);
    if (backend === 'signal-cli' && path.startsWith('/api/v1/')) return signalCli(request, response, url, body);
    if (backend === 'rest-api' && (path.startsWith('/v1/') || path.startsWith('/v2/')))
      return restApi(request, response, url, body);
    response.writeHead(404);
    response.end();
  }

  async function signalCli(request: IncomingMessage, response: ServerResponse, url: URL, body: string): Promise<void> {
    const path = url.pathname;
    const noBody = (status: number): void => {
      response.writeHead(status);
      response.end();
    };
    if (path === '/api/v1/check') return request.method === 'GET' ? noBody(200) : noBody(405);
    if (!hostAllowed(request.headers.host, bind, version)) return noBody(421);
    if (path === '/api/v1/events') {
      if (request.method !== 'GET') return noBody(405);
      const lastEventId = request.headers['last-event-id'];
      const account = url.searchParams.get('account') ?? undefined;
      state.eventRequests.push({
        api: 'jsonrpc',
        lastEventId: typeof lastEventId === 'string' ? lastEventId : undefined,
        account,
        host: request.headers.host,
      });
      if (state.eventsStatus !== undefined) {
        response.writeHead(state.eventsStatus, state.eventsStatus === 429 ? { 'retry-after': '1' } : {});
        response.end();
        return;
      }
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      if (flushHeaders) response.flushHeaders();
      // A client that connects starts the receive thread (on-connection): what the Signal server kept comes first.
      const wasReceiving = receiving();
      eventStreams.set(response, account);
      if (!wasReceiving) for (const data of takePending(account)) hand({ account, data });
      response.on('close', () => {
        eventStreams.delete(response);
        // The handler monitor's notifyAll: every other stream sends a keep-alive early.
        if (!state.stalled) for (const stream of eventStreams.keys()) stream.write(':\n');
      });
      return;
    }
    if (path === '/api/v1/rpc') {
      if (request.method !== 'POST') return noBody(405);
      if (!(request.headers['content-type'] ?? '').startsWith('application/json')) return noBody(415);
      const rpc = JSON.parse(body) as { method: string; params?: Record<string, unknown>; id?: unknown };
      const params = rpc.params ?? {};
      state.rpcRequests.push({ method: rpc.method, params, id: rpc.id });
      if (rpc.id === undefined) return noBody(201);
      if (rpc.method === 'version') return sendJson(response, 200, { jsonrpc: '2.0', result: { version }, id: rpc.id });
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
      const recipients = (params.recipient as string[] | undefined) ?? [];
      const groupIds = params.groupId === undefined ? [] : ([] as string[]).concat(params.groupId as string | string[]);
      timestamp += 1;
      const failure = rpcFailure(mode, recipients);
      if (failure !== undefined) return sendJson(response, 200, { jsonrpc: '2.0', id: rpc.id, error: failure });
      if (mode === 'no-results') return sendJson(response, 200, { jsonrpc: '2.0', id: rpc.id, result: { timestamp } });
      if (mode === 'partial-results') {
        return sendJson(response, 200, {
          jsonrpc: '2.0',
          id: rpc.id,
          result: { timestamp, results: recipientResults(recipients.slice(0, 1), 'SUCCESS') },
        });
      }
      const outcomes = outcomesOf(mode, recipients) ?? [];
      const reached = outcomes.filter((outcome) => outcome.type === 'SUCCESS').map((outcome) => outcome.number);
      const sent: SentMessage = {
        api: 'jsonrpc',
        account: params.account as string | undefined,
        recipients: reached,
        message: String(params.message),
      };
      if (groupIds.length > 0) sent.groupIds = groupIds;
      accept(sent);
      // A group send reports each member, with the group's id (signal-cli JsonSendMessageResult.groupId).
      const members = groupIds.flatMap((groupId) =>
        recipientResults(GROUP_MEMBERS, 'SUCCESS').map((result) => ({ ...(result as object), groupId })),
      );
      const results = [
        ...outcomes.map((outcome) => ({
          recipientAddress: { number: outcome.number, uuid: null },
          type: outcome.type,
        })),
        ...members,
      ];
      return sendJson(response, 200, { jsonrpc: '2.0', id: rpc.id, result: { timestamp, results } });
    }
    noBody(404);
  }

  async function restApi(request: IncomingMessage, response: ServerResponse, url: URL, body: string): Promise<void> {
    const path = url.pathname;
    if (request.method === 'GET' && path === '/v1/health') {
      response.writeHead(204);
      response.end();
      return;
    }
    if (request.method === 'GET' && path === '/v1/about') return sendJson(response, 200, restAbout(restMode));
    const receive = /^\/v1\/receive\/([^/?]+)$/.exec(path);
    if (request.method === 'GET' && receive !== null) {
      const number = decodeURIComponent(receive[1] ?? '');
      state.eventRequests.push({ api: 'rest', lastEventId: undefined, account: number, host: request.headers.host });
      if (restMode === 'json-rpc') return sendJson(response, 400, { error: 'Not implemented' });
      response.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
      response.end(`[${takePending(number).join(',')}]`);
      return;
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
      timestamp += 1;
      const refusal = restFailure(mode, people);
      if (refusal !== undefined) return sendJson(response, refusal.status, refusal.body);
      if (mode === 'no-results') return sendJson(response, 200, { timestamp: String(timestamp) });
      const groupIds = parsed.recipients
        .filter((recipient) => recipient.startsWith('group.'))
        .map((recipient) => Buffer.from(recipient.slice('group.'.length), 'base64').toString('utf8'));
      const outcomes = outcomesOf(mode === 'partial-results' ? 'ok' : mode, people) ?? [];
      const answer = restSendAnswer(restMode, restVersion, outcomes, timestamp);
      const reached = outcomes.filter((outcome) => outcome.type === 'SUCCESS').map((outcome) => outcome.number);
      if (reached.length > 0 || (people.length === 0 && groupIds.length > 0)) {
        const sent: SentMessage = { api: 'rest', account: parsed.number, recipients: reached, message: parsed.message };
        if (groupIds.length > 0) sent.groupIds = groupIds;
        accept(sent);
      }
      return sendJson(response, answer.status, answer.body);
    }
    sendJson(response, 404, { error: `no route ${request.method ?? ''} ${path}` });
  }

  const listening = await listen(server);
  closeServer = listening.close;
  state.url = `http://127.0.0.1:${listening.port}`;
  const declared = options.bind ?? `127.0.0.1:${listening.port}`;
  const separator = declared.lastIndexOf(':');
  bind = { host: declared.slice(0, separator).replace(/^\[|\]$/g, ''), port: Number(declared.slice(separator + 1)) };
  return state;
}
