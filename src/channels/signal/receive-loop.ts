import { setTimeout as sleep } from 'node:timers/promises';
import { toTimestamp } from '../../shared/database.js';
import { describeError, SignalReceiveError } from '../../shared/errors.js';
import type { Logger } from '../../shared/log.js';
import type { Clock } from '../../shared/time.js';
import type { ReceivedEvent, SignalEventSource } from './transport.js';

/** Where the receive loop is. */
export type ReceiveState =
  /** Not started, or stopped. */
  | 'stopped'
  /** Opening a connection. */
  | 'connecting'
  /** Connected and reading. */
  | 'connected'
  /** Waiting to reconnect after a failure. */
  | 'waiting'
  /** Stopped by a failure that retrying cannot fix; `lastError` says what to do. */
  | 'failed';

/** A snapshot of the receive loop, for `steward health`. */
export interface ReceiveStatus {
  /** `jsonrpc` or `rest`. */
  api: 'jsonrpc' | 'rest';
  /** What it connects to. */
  endpoint: string;
  /** See {@link ReceiveState}. */
  state: ReceiveState;
  /** ISO instant the current connection opened, or null. */
  connectedSince: string | null;
  /** ISO instant of the last event, or null. */
  lastEventAt: string | null;
  /** Reconnects since start. */
  reconnects: number;
  /** The last failure, or null. */
  lastError: string | null;
}

/** Where the loop keeps the resume cursor (the last event id handled). */
export interface CursorStore {
  /**
   * The saved cursor, if any.
   * @returns the last event id handled, or undefined when none was saved
   */
  load(): string | undefined;
  /**
   * Save the cursor after its event was handled.
   * @param cursor - the event id (SSE `id:`) just handled
   */
  save(cursor: string): void;
}

/** Options of {@link SignalReceiveLoop}. */
export interface ReceiveLoopOptions {
  /** The stream to read. */
  source: SignalEventSource;
  /**
   * Handles one event; the stream waits for it.
   * @param event - the raw event, not yet parsed
   * @returns nothing, or a promise the stream waits for before reading on; a throw or rejection is logged and the
   *   event skipped (the stream reads on: a poison event must not stop receiving)
   */
  onEvent(event: ReceivedEvent): void | Promise<void>;
  /** The resume cursor's store. */
  cursor: CursorStore;
  /** Waits before each reconnect, in ms; the last one repeats; reset when a connection opens. */
  backoffMs: readonly number[];
  /** A connection with no sign of life for this long is dropped and reconnected, in ms. */
  idleTimeoutMs: number;
  /** Logger. */
  log: Logger;
  /** Clock for the status timestamps. */
  clock: Clock;
  /** Called after each change of `state` (connected, waiting, failed ...), with the new status; must not throw. */
  onStatusChange?(status: ReceiveStatus): void;
}

/**
 * Keeps one Signal receive stream open: connect, read, and when the stream
 * ends or fails, reconnect with backoff. It owns its lifecycle (grammY's
 * `bot.start()/bot.stop()` polling loop): `start()` and `stop()` through an
 * AbortController, a running flag reset in `finally`, and three classes of
 * failure: fatal (stop and say so), rate-limited (wait as told), transient
 * (back off). An idle watchdog drops a stream that went silent while the
 * server still answers sends, a known failure of long-lived receive streams.
 */
export class SignalReceiveLoop {
  readonly #options: ReceiveLoopOptions;
  #controller: AbortController | undefined;
  #done: Promise<void> | undefined;
  #running = false;
  #status: ReceiveStatus;

  /** @param options - source, event handler, cursor store, backoff and watchdog */
  constructor(options: ReceiveLoopOptions) {
    this.#options = options;
    this.#status = {
      api: options.source.api,
      endpoint: options.source.endpoint,
      state: 'stopped',
      connectedSince: null,
      lastEventAt: null,
      reconnects: 0,
      lastError: null,
    };
  }

  /** Whether the loop is running (connected, connecting or waiting). */
  get running(): boolean {
    return this.#running;
  }

  /**
   * A copy of the current status.
   * @returns the state, the connection and last-event instants, reconnects since start and the last failure
   */
  status(): ReceiveStatus {
    return { ...this.#status };
  }

  /** Set the state and tell `onStatusChange` when it changed. */
  #setState(state: ReceiveState): void {
    if (this.#status.state === state) return;
    this.#status.state = state;
    try {
      this.#options.onStatusChange?.(this.status());
    } catch (error) {
      this.#options.log.error({ err: error }, `Signal receive status hook failed: ${describeError(error)}`);
    }
  }

  /** Start receiving in the background; does nothing when already running. */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    const controller = new AbortController();
    this.#controller = controller;
    this.#done = this.#run(controller.signal).finally(() => {
      this.#running = false;
    });
  }

  /**
   * Stop: close the connection, and return once the event being handled is done.
   * @returns a promise that resolves once the loop has ended (at once when it was not running)
   */
  async stop(): Promise<void> {
    this.#controller?.abort();
    await this.#done;
  }

  async #run(signal: AbortSignal): Promise<void> {
    const { source, log, backoffMs } = this.#options;
    let cursor = this.#options.cursor.load();
    let failures = 0;
    while (!signal.aborted) {
      const connection = new AbortController();
      const stopConnection = (): void => connection.abort(signal.reason);
      signal.addEventListener('abort', stopConnection, { once: true });
      let watchdog: NodeJS.Timeout | undefined;
      const alive = (): void => {
        clearTimeout(watchdog);
        watchdog = setTimeout(() => {
          const seconds = Math.round(this.#options.idleTimeoutMs / 1000);
          connection.abort(
            new SignalReceiveError(`no data or keep-alive from ${source.endpoint} for ${seconds} s`, {
              kind: 'transient',
            }),
          );
        }, this.#options.idleTimeoutMs);
      };
      let failure: SignalReceiveError;
      this.#setState('connecting');
      try {
        await source.listen({
          signal: connection.signal,
          cursor,
          onOpen: () => {
            failures = 0;
            this.#status.connectedSince = toTimestamp(this.#options.clock.now());
            this.#status.lastError = null;
            this.#setState('connected');
            log.info({ endpoint: source.endpoint, resumeFrom: cursor ?? null }, 'Signal receive stream connected');
            alive();
          },
          onAlive: alive,
          onEvent: async (event) => {
            this.#status.lastEventAt = toTimestamp(this.#options.clock.now());
            try {
              await this.#options.onEvent(event);
            } catch (error) {
              log.error({ err: error }, `a Signal event could not be handled and is skipped: ${describeError(error)}`);
            }
            if (event.id !== undefined) {
              cursor = event.id;
              this.#options.cursor.save(event.id);
            }
          },
        });
        failure = new SignalReceiveError(`${source.endpoint} closed the stream`, { kind: 'transient' });
      } catch (error) {
        failure =
          error instanceof SignalReceiveError
            ? error
            : new SignalReceiveError(
                `receiving from ${source.endpoint} failed: ${describeError(error)}`,
                { kind: 'transient' },
                { cause: error },
              );
      } finally {
        clearTimeout(watchdog);
        signal.removeEventListener('abort', stopConnection);
      }
      this.#status.connectedSince = null;
      if (signal.aborted) break;
      this.#status.lastError = failure.message;
      if (failure.kind === 'fatal') {
        this.#setState('failed');
        log.error(
          { endpoint: source.endpoint, status: failure.status },
          `Signal receive stopped: ${failure.message}. Fix it and restart the daemon; sending still works.`,
        );
        return;
      }
      const backoff = backoffMs[Math.min(failures, backoffMs.length - 1)] ?? 1000;
      const wait = failure.kind === 'rate-limited' ? Math.max(failure.retryAfterMs ?? backoff, backoff) : backoff;
      failures += 1;
      this.#status.reconnects += 1;
      this.#setState('waiting');
      log.warn(
        { endpoint: source.endpoint, kind: failure.kind, waitMs: wait },
        `Signal receive stream lost (${failure.message}); reconnecting in ${(wait / 1000).toFixed(1)} s`,
      );
      try {
        await sleep(wait, undefined, { signal });
      } catch (error) {
        if (!signal.aborted) throw error;
      }
    }
    this.#setState('stopped');
  }
}
