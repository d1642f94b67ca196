import type { IncomingMessage } from 'node:http';
import { SignalReceiveError } from '../../shared/errors.js';
import { describeConnectionError, parseRetryAfter, receiveErrorForStatus } from './status.js';
import type { ListenOptions, SignalEventSource } from './transport.js';

/** Options of {@link RestEventSource}. */
export interface RestEventSourceOptions {
  /** Base URL of signal-cli-rest-api, for example http://127.0.0.1:8080. */
  url: string;
  /** The assistant's own number: the websocket is `/v1/receive/{number}`. */
  account: string;
  /** How long the websocket handshake may take, in ms. */
  timeoutMs: number;
  /** How often to ping the server, in ms; a pong (or any data) proves the stream is alive. */
  pingIntervalMs: number;
}

/**
 * Receive from bbernhard/signal-cli-rest-api in json-rpc mode
 * (`MODE=json-rpc`): a websocket at `/v1/receive/{number}` whose text frames
 * are `{envelope, account}` (and `{error}` when signal-cli reports one).
 * The server keeps nothing for a client that is not attached, so the
 * receive loop reconnects fast; pings expose a connection that went silent.
 * The websocket client is `ws`, imported on first use.
 */
export class RestEventSource implements SignalEventSource {
  /** Which back end this is: `rest`, bbernhard/signal-cli-rest-api. */
  readonly api = 'rest' as const;
  /**
   * The websocket URL it connects to, for logs and `steward health`:
   * `ws://` or `wss://` `<host>/v1/receive/<account>`.
   */
  readonly endpoint: string;
  readonly #options: RestEventSourceOptions;

  /** @param options - URL, account, handshake timeout and ping interval */
  constructor(options: RestEventSourceOptions) {
    const base = options.url.replace(/\/+$/, '').replace(/^http/, 'ws');
    this.endpoint = `${base}/v1/receive/${encodeURIComponent(options.account)}`;
    this.#options = options;
  }

  /** {@inheritDoc SignalEventSource.listen} */
  async listen(options: ListenOptions): Promise<void> {
    if (options.signal.aborted) return;
    const { WebSocket } = await import('ws');
    const what = `websocket ${this.endpoint}`;
    await new Promise<void>((resolve, reject) => {
      const socket = new WebSocket(this.endpoint, { handshakeTimeout: this.#options.timeoutMs });
      let pinger: NodeJS.Timeout | undefined;
      let events: Promise<void> = Promise.resolve();
      let failure: SignalReceiveError | undefined;
      let settled = false;
      const finish = (error?: SignalReceiveError): void => {
        if (settled) return;
        settled = true;
        clearInterval(pinger);
        options.signal.removeEventListener('abort', onAbort);
        if (socket.readyState !== WebSocket.CLOSED) socket.terminate();
        // Events already read are handled before the connection counts as over.
        void events.then(() => {
          const final = error ?? failure;
          if (final === undefined) resolve();
          else reject(final);
        });
      };
      const onAbort = (): void => {
        const reason: unknown = options.signal.reason;
        finish(
          reason instanceof SignalReceiveError
            ? reason
            : new SignalReceiveError('receive stopped', { kind: 'transient' }, { cause: reason }),
        );
      };
      options.signal.addEventListener('abort', onAbort, { once: true });

      socket.on('open', () => {
        options.onOpen();
        pinger = setInterval(() => socket.ping(), this.#options.pingIntervalMs);
      });
      socket.on('message', (data: Buffer) => {
        options.onAlive();
        const text = data.toString('utf8');
        events = events
          .then(() => options.onEvent({ id: undefined, data: text }))
          .catch((error: unknown) => {
            failure ??= new SignalReceiveError(
              `handling an event from ${what} failed: ${describeConnectionError(error)}`,
              { kind: 'transient' },
              { cause: error },
            );
            finish(failure);
          });
      });
      socket.on('pong', () => options.onAlive());
      socket.on('ping', () => options.onAlive());
      socket.on('unexpected-response', (request, response: IncomingMessage) => {
        const status = response.statusCode ?? 0;
        const retryAfter: string | string[] | undefined = response.headers['retry-after'];
        request.destroy();
        if (status === 200) {
          finish(
            new SignalReceiveError(
              `${what} answered with plain HTTP, not a websocket: run signal-cli-rest-api with MODE=json-rpc to receive messages`,
              { kind: 'fatal', status },
            ),
          );
          return;
        }
        finish(
          receiveErrorForStatus(
            status,
            what,
            'is signal-cli-rest-api running in json-rpc mode (MODE=json-rpc) with STEWARD_SIGNAL_ACCOUNT registered?',
            parseRetryAfter(typeof retryAfter === 'string' ? retryAfter : retryAfter?.[0], Date.now()),
          ),
        );
      });
      socket.on('error', (error: Error) => {
        finish(
          new SignalReceiveError(
            `${what} failed: ${describeConnectionError(error)}`,
            { kind: 'transient' },
            { cause: error },
          ),
        );
      });
      socket.on('close', () => finish());
    });
  }
}
