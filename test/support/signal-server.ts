import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { listen, readBody, sendJson } from './http.js';

/**
 * A local HTTP server that speaks the signal-cli JSON-RPC HTTP daemon
 * protocol (`POST /api/v1/rpc`, `GET /api/v1/events` SSE, `GET
 * /api/v1/check`) and the signal-cli-rest-api send and health endpoints
 * (`POST /v2/send`, `GET /v1/health`). A fake at the network boundary.
 */

/** One message the server accepted for sending. */
export interface SentMessage {
  /** `jsonrpc` or `rest`. */
  api: 'jsonrpc' | 'rest';
  /** The sending account (`params.account` or REST `number`), if given. */
  account: string | undefined;
  /** Recipients. */
  recipients: string[];
  /** Text. */
  message: string;
}

/** How the server answers sends. */
export type SignalMode =
  | 'ok'
  /** HTTP 500 to every send. */
  | 'http-error'
  /** A JSON-RPC error object. */
  | 'rpc-error'
  /** A result whose per-recipient type is UNREGISTERED_FAILURE. */
  | 'recipient-failure'
  /** Never answer. */
  | 'hang';

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
  /** Current behaviour. */
  mode: SignalMode;
  /** Push a `receive` event to every connected SSE client. */
  pushEnvelope(envelope: Record<string, unknown>, account?: string): void;
  /** Connected SSE clients. */
  readonly eventClients: number;
  /** Stop the server. */
  close(): Promise<void>;
}

/**
 * Start the fake signal-cli on 127.0.0.1 and a free port.
 */
export async function startSignalServer(): Promise<SignalServer> {
  let closeServer: () => Promise<void> = async () => undefined;
  const eventStreams = new Set<ServerResponse>();
  let timestamp = 1_700_000_000_000;

  const state: SignalServer = {
    url: '',
    sent: [],
    rpcRequests: [],
    attempts: 0,
    mode: 'ok',
    pushEnvelope(envelope, account) {
      const payload = JSON.stringify({ jsonrpc: '2.0', method: 'receive', params: { envelope, account } });
      for (const stream of eventStreams) stream.write(`event: receive\ndata: ${payload}\n\n`);
    },
    get eventClients() {
      return eventStreams.size;
    },
    close: async () => {
      for (const stream of eventStreams) stream.end();
      await closeServer();
    },
  };

  const server = createServer((request, response) => {
    void handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) sendJson(response, 500, { error: String(error) });
    });
  });

  function recipientResults(recipients: string[], type: string): unknown[] {
    return recipients.map((recipient) => ({ recipientAddress: { number: recipient, uuid: null }, type }));
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = (request.url ?? '').replace(/\?.*$/, '');
    const body = await readBody(request);
    if (request.method === 'GET' && (path === '/api/v1/check')) return sendJson(response, 200, {});
    if (request.method === 'GET' && path === '/v1/health') {
      response.writeHead(204);
      response.end();
      return;
    }
    if (request.method === 'GET' && path === '/api/v1/events') {
      response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      response.write(':\n\n');
      eventStreams.add(response);
      request.on('close', () => eventStreams.delete(response));
      return;
    }
    if (request.method === 'POST' && path === '/api/v1/rpc') {
      const rpc = JSON.parse(body) as { method: string; params: Record<string, unknown>; id: unknown };
      state.rpcRequests.push(rpc);
      if (rpc.method !== 'send') return sendJson(response, 200, { jsonrpc: '2.0', id: rpc.id, error: { code: -32601, message: 'Method not implemented' } });
      state.attempts += 1;
      if (state.mode === 'hang') return;
      if (state.mode === 'http-error') return sendJson(response, 500, { error: 'internal' });
      const recipients = (rpc.params.recipient as string[] | undefined) ?? [];
      if (state.mode === 'rpc-error') return sendJson(response, 200, { jsonrpc: '2.0', id: rpc.id, error: { code: -1, message: 'Failed to send message' } });
      timestamp += 1;
      if (state.mode === 'recipient-failure') {
        return sendJson(response, 200, { jsonrpc: '2.0', id: rpc.id, result: { timestamp, results: recipientResults(recipients, 'UNREGISTERED_FAILURE') } });
      }
      state.sent.push({ api: 'jsonrpc', account: rpc.params.account as string | undefined, recipients, message: String(rpc.params.message) });
      return sendJson(response, 200, { jsonrpc: '2.0', id: rpc.id, result: { timestamp, results: recipientResults(recipients, 'SUCCESS') } });
    }
    if (request.method === 'POST' && path === '/v2/send') {
      const parsed = JSON.parse(body) as { message: string; number: string; recipients: string[] };
      state.attempts += 1;
      if (state.mode === 'hang') return;
      if (state.mode !== 'ok') return sendJson(response, 400, { error: 'Failed to send message' });
      state.sent.push({ api: 'rest', account: parsed.number, recipients: parsed.recipients, message: parsed.message });
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
