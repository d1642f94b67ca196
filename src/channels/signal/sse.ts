import { SignalReceiveError } from '../../shared/errors.js';
import { describeConnectionError, parseRetryAfter, receiveErrorForStatus } from './status.js';
import type { ListenOptions, ReceivedEvent, SignalEventSource } from './transport.js';

/** Options of {@link JsonRpcEventSource}. */
export interface JsonRpcEventSourceOptions {
  /** Base URL of `signal-cli daemon --http`, for example http://127.0.0.1:8080. */
  url: string;
  /** The assistant's own number: sent as `?account=` (needed when the daemon serves several accounts). */
  account: string | null;
  /**
   * How long to wait for the stream's response headers, in ms. More than signal-cli's 15 s
   * keep-alive: before v0.14.4 it sends no headers until the first event or keep-alive.
   */
  timeoutMs: number;
}

/**
 * Receive from the signal-cli JSON-RPC HTTP daemon: `GET /api/v1/events`,
 * a server-sent-events stream of `receive` events whose data is
 * `{account, envelope}`; signal-cli sends a `:` keep-alive comment every
 * 15 s (AsamK/signal-cli `HttpServerHandler.java`, `ServerSentEventSender.java`).
 * Its events carry no id and it keeps nothing for a client that is not
 * connected, so there is no resume: a message must wait on the Signal server
 * while steward is away, which `--receive-mode on-connection` does (see
 * docs/servers.md). Before v0.14.4 signal-cli held the response headers
 * until its first write, up to 15 s, so the wait for them is longer than
 * that. Parsing is eventsource-parser's.
 */
export class JsonRpcEventSource implements SignalEventSource {
  /** Which back end this is: `jsonrpc`, the signal-cli JSON-RPC HTTP daemon. */
  readonly api = 'jsonrpc' as const;
  /**
   * The SSE URL it connects to, for logs and `steward health`:
   * `<url>/api/v1/events`, with `?account=<number>` when an account is set.
   */
  readonly endpoint: string;
  readonly #timeoutMs: number;

  /** @param options - URL, account and the wait for the response headers */
  constructor(options: JsonRpcEventSourceOptions) {
    const base = options.url.replace(/\/+$/, '');
    this.endpoint = `${base}/api/v1/events${options.account === null ? '' : `?account=${encodeURIComponent(options.account)}`}`;
    this.#timeoutMs = options.timeoutMs;
  }

  /** {@inheritDoc SignalEventSource.listen} */
  async listen(options: ListenOptions): Promise<void> {
    const what = `GET ${this.endpoint}`;
    const connection = new AbortController();
    const forward = (): void => connection.abort(options.signal.reason);
    if (options.signal.aborted) return;
    options.signal.addEventListener('abort', forward, { once: true });
    const connectTimer = setTimeout(
      () =>
        connection.abort(
          new SignalReceiveError(`${what} did not answer within ${this.#timeoutMs} ms`, { kind: 'transient' }),
        ),
      this.#timeoutMs,
    );
    try {
      let response: Response;
      try {
        response = await fetch(this.endpoint, { headers: { accept: 'text/event-stream' }, signal: connection.signal });
      } catch (error) {
        this.#throwIfAborted(connection.signal, options.signal);
        throw new SignalReceiveError(
          `${what} failed: ${describeConnectionError(error)}`,
          { kind: 'transient' },
          { cause: error },
        );
      } finally {
        clearTimeout(connectTimer);
      }
      if (response.status !== 200) {
        await response.body?.cancel();
        throw receiveErrorForStatus(
          response.status,
          what,
          'is signal-cli (0.11 or newer) running as "signal-cli -a <number> daemon --http", and is STEWARD_SIGNAL_ACCOUNT one of its accounts?',
          parseRetryAfter(response.headers.get('retry-after'), Date.now()),
        );
      }
      if (response.body === null)
        throw new SignalReceiveError(`${what} answered without a body`, { kind: 'transient' });
      await this.#read(response.body, what, connection.signal, options);
    } finally {
      clearTimeout(connectTimer);
      options.signal.removeEventListener('abort', forward);
    }
  }

  async #read(
    body: ReadableStream<Uint8Array>,
    what: string,
    connection: AbortSignal,
    options: ListenOptions,
  ): Promise<void> {
    const { createParser } = await import('eventsource-parser');
    const queue: ReceivedEvent[] = [];
    const parser = createParser({
      onEvent: (event) => {
        if (event.event === undefined || event.event === 'receive') queue.push({ id: event.id, data: event.data });
      },
    });
    const decoder = new TextDecoder();
    options.onOpen();
    try {
      for await (const chunk of body) {
        options.onAlive();
        parser.feed(decoder.decode(chunk, { stream: true }));
        for (let event = queue.shift(); event !== undefined; event = queue.shift()) await options.onEvent(event);
      }
    } catch (error) {
      this.#throwIfAborted(connection, options.signal);
      throw new SignalReceiveError(
        `the event stream ${what} broke: ${describeConnectionError(error)}`,
        { kind: 'transient' },
        { cause: error },
      );
    }
  }

  /**
   * After an abort, throw its reason when it is a SignalReceiveError (the
   * idle watchdog, the connect timer), else a transient "receive stopped"
   * (a stop: the loop that asked for it does not retry).
   */
  #throwIfAborted(connection: AbortSignal, outer: AbortSignal): void {
    if (!connection.aborted) return;
    const reason: unknown = outer.aborted ? outer.reason : connection.reason;
    if (reason instanceof SignalReceiveError) throw reason;
    throw new SignalReceiveError('receive stopped', { kind: 'transient' }, { cause: reason });
  }
}
