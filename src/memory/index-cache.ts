import type { Logger } from '../shared/log.js';
import {
  StagedIndex,
  type IndexSettings,
  type OpenedIndex,
  type OpenVectorIndex,
  type VectorIndex,
  type VectorSource,
} from './vector-index/index.js';

/** Options of {@link IndexCache}. */
export interface IndexCacheOptions {
  /** Folder of the index files (`STEWARD_DATA_DIR/vectors`). */
  directory: string;
  /** Stored vectors. */
  store: VectorSource;
  /** HNSW settings (config `memory.index`). */
  settings: IndexSettings;
  /** Logger. */
  log: Logger;
  /** This database's id (`memory_state.database_id`), asked when the first index is opened. */
  databaseId: () => string;
  /** Opens one model's index (default {@link StagedIndex.open}): the seam for another index implementation. */
  open?: OpenVectorIndex | undefined;
}

/**
 * The vector indexes of this process, one per embedding model, each opened
 * once (on the first recall or embedding pass, never at start-up) and kept
 * until {@link close}. A failed open is tried again on the next call.
 */
export class IndexCache {
  readonly #options: IndexCacheOptions;
  readonly #opening = new Map<string, Promise<OpenedIndex>>();
  readonly #opened = new Map<string, OpenedIndex>();

  /**
   * @param options - folder, stored vectors, settings, logger, database id, and the index implementation
   */
  constructor(options: IndexCacheOptions) {
    this.#options = options;
  }

  /**
   * The index of an embedding model, opened once per process.
   * @param model - embedder id
   * @returns the index (it may still be rebuilding: see {@link VectorIndex.state})
   * @throws Error when the index library cannot be loaded
   */
  async get(model: string): Promise<VectorIndex> {
    let opening = this.#opening.get(model);
    if (opening === undefined) {
      const { directory, store, settings, log } = this.#options;
      const open = this.#options.open ?? ((options) => StagedIndex.open(options));
      // On a later turn of the event loop: reading the first stage takes a moment at 100k vectors,
      // and whoever asked first (the daemon's start, the REPL after its prompt) must not wait on it.
      opening = new Promise<void>((resolve) => setImmediate(resolve))
        .then(() => open({ model, directory, store, settings, log, databaseId: this.#options.databaseId() }))
        .then(
          (opened) => {
            this.#opened.set(model, opened);
            log.info(
              {
                model,
                how: opened.report.how,
                reason: opened.report.reason,
                caughtUp: opened.report.caughtUp,
                ms: Math.round(opened.report.ms),
              },
              'vector index opened',
            );
            return opened;
          },
          (error: unknown) => {
            this.#opening.delete(model);
            throw error;
          },
        );
      this.#opening.set(model, opening);
    }
    return (await opening).index;
  }

  /**
   * A model's index and how it was opened, if this process has opened it (nothing is opened here).
   * @param model - embedder id
   */
  opened(model: string): OpenedIndex | undefined {
    return this.#opened.get(model);
  }

  /**
   * Leave deleted vectors out of the open indexes.
   * @param rows - the deleted `embeddings` rows with their models
   */
  remove(rows: ReadonlyArray<{ id: number; model: string }>): void {
    for (const row of rows) this.#opened.get(row.model)?.index.remove(row.id);
  }

  /** Close every open index (each waits for its rebuild, then writes its file). */
  async close(): Promise<void> {
    for (const { index } of this.#opened.values()) await index.close();
  }
}
