import type { IncomingMessage } from 'node:http';
import type { AxiosResponse } from 'axios';
import { SignalReceiveError } from '../../shared/errors.js';
import { http } from '../../shared/http.js';
import { describeConnectionError, parseRetryAfter, receiveErrorForStatus } from './status.js';
import type { ListenOptions, SignalEventSource } from './transport.js';

/** Options of {@link RestEventSource}. */
export interface RestEventSourceOptions {
  /** Base URL of signal-cli-rest-api, for example http://127.0.0.1:8080. */
  url: string;
  /** The assistant's own number: the websocket is `/v1/receive/{number}`. */
  account: string;
  /** How long the websocket handshake (or one receive call, beyond its own wait) may take, in ms. */
  timeoutMs: number;
  /** How often to ping the server, in ms; a pong (or any data) proves the stream is alive. */
  pingIntervalMs: number;
  /** In normal and native mode, how long one receive call waits for messages, in s (the REST API's `timeout`). */
  pollSeconds: number;
}

/** The REST API's `MODE` as `GET /v1/about` reports it (`json-rpc-native` reports `json-rpc`). */
type RestMode = 'json-rpc' | 'normal' | 'native';

/**
 * Receive from bbernhard/signal-cli-rest-api, in the way its `MODE` allows
 * (`GET /v1/about` says which; `src/api/api.go`):
 * - `json-rpc`: a websocket at `/v1/receive/{number}` whose text frames are
 *   `{envelope, account}` (and `{error}` when signal-cli reports one). Its
 *   daemon receives from the start, so what arrives while no websocket is
 *   attached is dropped; the receive loop reconnects fast, and pings expose a
 *   connection that went silent. The websocket client is `ws`, imported on first use.
 * - `normal` and `native`: `GET /v1/receive/{number}?timeout=N` runs
 *   `signal-cli receive` and answers with what it fetched, which is then gone
 *   from the Signal server; so every answer is handed on, and the Signal
 *   server keeps what arrives between calls. (A websocket handshake there
 *   runs the same receive and answers 200: that body is handed on too, not
 *   thrown away.)
 */
export class RestEventSource implements SignalEventSource {
  /** Which back end this is: `rest`, bbernhard/signal-cli-rest-api. */
  readonly api = 'rest' as const;
  /**
   * The receive URL, for logs and `steward health`: `<url>/v1/receive/<account>`
   * (a websocket in json-rpc mode, polled otherwise).
   */
  readonly endpoint: string;
  readonly #options: RestEventSourceOptions;
  readonly #base: string;
  #mode: RestMode | undefined;

  /** @param options - URL, account, handshake timeout, ping interval and the wait of one receive call */
  constructor(options: RestEventSourceOptions) {
    this.#base = options.url.replace(/\/+$/, '');
    this.endpoint = `${this.#base}/v1/receive/${encodeURIComponent(options.account)}`;
    this.#options = options;
  }

  /** {@inheritDoc SignalEventSource.listen} */
  async listen(options: ListenOptions): Promise<void> {
    if (options.signal.aborted) return;
    this.#mode ??= await this.#askMode(options.signal);
    if (this.#mode === 'normal' || this.#mode === 'native') return this.#poll(options);
    return this.#socket(options);
  }

  /** `GET /v1/about`'s `mode`, or undefined when it does not say (an older REST API: the websocket decides). */
  async #askMode(signal: AbortSignal): Promise<RestMode | undefined> {
    try {
      const response = await (
        await http()
      ).get<{ mode?: unknown }>(`${this.#base}/v1/about`, {
        timeout: this.#options.timeoutMs,
        signal,
        validateStatus: () => true,
      });
      const mode = response.status === 200 ? response.data?.mode : undefined;
      return mode === 'json-rpc' || mode === 'normal' || mode === 'native' ? mode : undefined;
    } catch {
      // The receive itself reports a server that does not answer, with its own reason.
      return undefined;
    }
  }

  /** Normal and native mode: one receive call after another, each answer handed on before the next call. */
  async #poll(options: ListenOptions): Promise<void> {
    const { pollSeconds, timeoutMs } = this.#options;
    const what = `GET ${this.endpoint}`;
    let opened = false;
    while (!options.signal.aborted) {
      let response: AxiosResponse<unknown>;
      try {
        response = await (
          await http()
        ).get<unknown>(this.endpoint, {
          params: { timeout: pollSeconds },
          timeout: pollSeconds * 1000 + timeoutMs,
          signal: options.signal,
          validateStatus: () => true,
        });
      } catch (error) {
        if (options.signal.aborted) {
          const reason: unknown = options.signal.reason;
          if (reason instanceof SignalReceiveError) throw reason;
          return;
        }
        throw new SignalReceiveError(
          `${what} failed: ${describeConnectionError(error)}`,
          { kind: 'transient' },
          { cause: error },
        );
      }
      if (response.status !== 200)
        throw receiveErrorForStatus(
          response.status,
          what,
          'is signal-cli-rest-api running with STEWARD_SIGNAL_ACCOUNT registered?',
          parseRetryAfter(String(response.headers['retry-after'] ?? ''), Date.now()),
        );
      if (!Array.isArray(response.data))
        throw new SignalReceiveError(`${what} answered something other than a list of messages`, { kind: 'transient' });
      if (!opened) {
        opened = true;
        options.onOpen();
      }
      options.onAlive();
      for (const entry of response.data as unknown[])
        await options.onEvent({ id: undefined, data: JSON.stringify(entry) });
    }
  }

  /** The messages in the body of a plain HTTP answer to the websocket handshake (normal mode), as JSON texts. */
  async #bodyEntries(response: IncomingMessage): Promise<string[]> {
    let text = '';
    for await (const chunk of response) text += String(chunk);
    try {
      const parsed: unknown = JSON.parse(text);
      return Array.isArray(parsed) ? parsed.map((entry) => JSON.stringify(entry)) : [];
    } catch (error) {
      if (error instanceof SyntaxError) return [];
      throw error;
    }
  }

  /** json-rpc mode: the websocket. */
  async #socket(options: ListenOptions): Promise<void> {
    const { WebSocket } = await import('ws');
    const address = this.endpoint.replace(/^http/, 'ws');
    const what = `websocket ${address}`;
    await new Promise<void>((resolve, reject) => {
      const socket = new WebSocket(address, { handshakeTimeout: this.#options.timeoutMs });
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
        if (status === 200) {
          // Normal mode: the handshake ran a receive, and what it fetched is in this body; hand it on,
          // and poll from now on.
          this.#mode = 'normal';
          events = events.then(async () => {
            for (const data of await this.#bodyEntries(response)) await options.onEvent({ id: undefined, data });
          });
          void events.then(
            () => finish(),
            (error: unknown) =>
              finish(
                new SignalReceiveError(
                  `handling what ${what} answered failed: ${describeConnectionError(error)}`,
                  { kind: 'transient' },
                  { cause: error },
                ),
              ),
          );
          return;
        }
        request.destroy();
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
