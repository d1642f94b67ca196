import { setTimeout as sleep } from 'node:timers/promises';
import type { Database } from '../shared/database.js';
import type { Logger } from '../shared/log.js';
import type { EmbeddingStore } from './embedding-store.js';
import { MemoryStateStore } from './state-store.js';

/** Rows visited per transaction. */
const BATCH = 200;
/** Pause between batches, in ms, so turns and the disk get their share. */
const PAUSE_MS = 5;

/** Options of {@link VectorConversion}. */
export interface VectorConversionOptions {
  /** The open, migrated database. */
  database: Database;
  /** Stored vectors. */
  store: EmbeddingStore;
  /** Logger. */
  log: Logger;
  /** Stops the conversion between two batches (steward is closing); the next start goes on from there. */
  signal: AbortSignal;
}

/**
 * The background conversion of a database written before int8 vectors:
 * every float32 vector is rewritten as int8 with a scale (a quarter of the
 * bytes), in id order, a batch per `BEGIN IMMEDIATE` transaction that also
 * records how far it got in `memory_state`, so two processes share the work
 * and a restart goes on where the last one stopped. Vectors of both formats
 * are read meanwhile, and the row ids (the index labels) do not change, so
 * recall answers throughout. The database file keeps its size (the freed
 * pages are reused by new rows; `VACUUM` gives them back).
 */
export class VectorConversion {
  readonly #options: VectorConversionOptions;
  readonly #state: MemoryStateStore;
  #running: Promise<void> | undefined;

  /**
   * @param options - database, stored vectors, logger, stop signal
   */
  constructor(options: VectorConversionOptions) {
    this.#options = options;
    this.#state = new MemoryStateStore(options.database);
  }

  /**
   * Where the conversion stands.
   * @returns done and total rows while it runs, or undefined when there is nothing (left) to convert
   */
  progress(): { done: number; total: number } | undefined {
    const state = this.#state.conversion();
    return state?.state === 'running' ? { done: state.done, total: state.total } : undefined;
  }

  /**
   * Start converting in the background, when there is anything to convert
   * (a database with no conversion state and stored vectors was written
   * before int8). Idempotent.
   * @returns resolves when it is done or stopped; never rejects (a failure is logged, and the next start tries again)
   */
  start(): Promise<void> {
    this.#running ??= this.#run()
      .catch((error: unknown) =>
        this.#options.log.warn({ err: error }, 'converting the stored vectors to int8 stopped; the next start goes on'),
      )
      .finally(() => (this.#running = undefined));
    return this.#running;
  }

  /** Resolves when no conversion runs in this process (after the stop signal, at the end of its batch). */
  async idle(): Promise<void> {
    await this.#running;
  }

  async #run(): Promise<void> {
    const { database, store, log, signal } = this.#options;
    await sleep(0); // never on the caller's turn (the daemon's start, the REPL's prompt)
    if (signal.aborted) return;
    const begun = database
      .transaction(() => {
        const state = this.#state.conversion();
        if (state !== undefined) return state.state === 'running';
        const total =
          database.prepare<[], { count: number }>('SELECT count(*) AS count FROM embeddings').get()?.count ?? 0;
        this.#state.setConversion(total === 0 ? { state: 'done' } : { state: 'running', after: 0, done: 0, total });
        return total > 0;
      })
      .immediate();
    if (!begun) return;
    log.info(this.progress() ?? {}, 'converting the stored vectors to int8 in the background');
    let converted = 0;
    while (!signal.aborted) {
      const finished = database
        .transaction(() => {
          const state = this.#state.conversion();
          if (state?.state !== 'running') return true;
          const batch = store.convertBatch(state.after, BATCH);
          converted += batch.converted;
          if (batch.lastId === undefined) this.#state.setConversion({ state: 'done' });
          else
            this.#state.setConversion({
              state: 'running',
              after: batch.lastId,
              done: Math.min(state.total, state.done + batch.visited),
              total: state.total,
            });
          return batch.lastId === undefined;
        })
        .immediate();
      if (finished) {
        log.info({ converted }, 'the stored vectors are int8');
        return;
      }
      await sleep(PAUSE_MS);
    }
  }
}
