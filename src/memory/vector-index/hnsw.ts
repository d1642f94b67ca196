import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { HierarchicalNSW } from 'hnswlib-node';
import { checkIndexFile, hasIndexFile, indexFilePath, writeIndexFiles } from './file.js';
import type { IndexOpenReport, IndexState, OpenedIndex, VectorHit, VectorIndex, VectorIndexOptions } from './types.js';

/** Rows read (and added) between yields to the event loop while rebuilding. */
const REBUILD_PAGE = 2000;
/** Rows read per page when catching up. */
const CATCH_UP_PAGE = 5000;
/** Least time between two automatic writes of the file, in ms. */
const MIN_SAVE_INTERVAL_MS = 60_000;

function isZero(vector: Float32Array): boolean {
  for (const value of vector) if (value !== 0) return false;
  return true;
}

async function loadHnswlib(): Promise<typeof import('hnswlib-node')> {
  const module = (await import('hnswlib-node')) as typeof import('hnswlib-node') & {
    default?: typeof import('hnswlib-node');
  };
  return module.default ?? module;
}

/**
 * The HNSW vector index of one embedding model (hnswlib-node, cosine
 * space; Malkov & Yashunin 2016), labelled by `embeddings.id`. It is a
 * cache of the stored vectors, never the only copy:
 *
 * - on open it reads the index file named by `<stem>.json` (after checking
 *   its sha256, its database id and its model: see `file.ts`), sets `ef`
 *   (hnswlib does not save it), then adds the rows above the file's `caughtUpTo`;
 * - a missing, corrupt or stale file is rebuilt from SQLite in the
 *   background, a page at a time, with no embedding calls;
 * - before each search it catches up by id, so it sees vectors written by
 *   another process on the same database;
 * - it grows by doubling, and deletions are mark-deleted (their slots
 *   reused); all-zero vectors (texts with no words to compare) are stored
 *   but never indexed;
 * - it is written to a new file named by its checksum, and the metadata
 *   file, renamed over the old one, is the single switch.
 */
export class HnswIndex implements VectorIndex {
  /** @inheritdoc */
  readonly model: string;
  readonly #options: VectorIndexOptions;
  #hnsw: HierarchicalNSW | undefined;
  #lib: typeof import('hnswlib-node') | undefined;
  #dim: number | undefined;
  /** Every row id up to this one is in the index (or was deleted, or is a zero vector). */
  #caughtUpTo = 0;
  /** Labels in the index (also those added above caughtUpTo by this process). */
  readonly #labels = new Set<number>();
  #deleted = 0;
  #unsaved = 0;
  #lastSaveAt = 0;
  #state: IndexState = 'empty';
  #rebuild: Promise<void> | undefined;
  #rebuildProgress = { done: 0, total: 0 };

  private constructor(options: VectorIndexOptions) {
    this.model = options.model;
    this.#options = options;
  }

  /**
   * Open the index of a model: load and catch up, or start a rebuild from
   * the stored vectors (an {@link OpenVectorIndex}).
   * @param options - model, folder, the stored vectors, HNSW settings, logger, database id
   * @returns the index and how it was opened
   * @throws Error when hnswlib-node cannot be loaded (a broken native build)
   */
  static async open(options: VectorIndexOptions): Promise<OpenedIndex> {
    const started = performance.now();
    const index = new HnswIndex(options);
    index.#lib = await loadHnswlib();
    const loaded = await index.#tryLoad();
    if (loaded.ok) {
      const catchUpStarted = performance.now();
      const caughtUp = index.catchUp();
      index.#lastSaveAt = Date.now();
      const phases = { ...loaded.phases, catchUp: performance.now() - catchUpStarted };
      return { index, report: { how: 'loaded', caughtUp, ms: performance.now() - started, phases } };
    }
    const stats = options.store.stats(options.model);
    if (stats.count === 0) return { index, report: { how: 'empty', caughtUp: 0, ms: performance.now() - started } };
    options.log.warn(
      { model: options.model, reason: loaded.reason, vectors: stats.count },
      'vector index rebuilt from the stored vectors (no re-embedding)',
    );
    index.#startRebuild(stats.count);
    const report: IndexOpenReport = {
      how: 'rebuilt',
      reason: loaded.reason,
      caughtUp: 0,
      ms: performance.now() - started,
    };
    return { index, report };
  }

  async #tryLoad(): Promise<
    { ok: true; phases: { verify: number; load: number; labels: number } } | { ok: false; reason: string }
  > {
    const started = performance.now();
    const { directory, databaseId, store, settings } = this.#options;
    const checked = checkIndexFile({ directory, model: this.model, databaseId, sequence: () => store.sequence() });
    if (!checked.ok) return checked;
    const verified = performance.now();
    const lib = this.#lib as typeof import('hnswlib-node');
    const hnsw = new lib.HierarchicalNSW('cosine', checked.meta.dim);
    try {
      await hnsw.readIndex(checked.path, true);
    } catch (error) {
      return { ok: false, reason: `corrupt (${(error as Error).message})` };
    }
    const read = performance.now();
    hnsw.setEf(settings.ef);
    this.#hnsw = hnsw;
    this.#dim = checked.meta.dim;
    this.#caughtUpTo = checked.meta.caughtUpTo;
    for (const label of hnsw.getIdsList()) this.#labels.add(label);
    this.#deleted = Math.max(0, hnsw.getCurrentCount() - checked.meta.count);
    this.#state = 'ready';
    return {
      ok: true,
      phases: { verify: verified - started, load: read - verified, labels: performance.now() - read },
    };
  }

  #create(dim: number, capacity: number): HierarchicalNSW {
    const lib = this.#lib as typeof import('hnswlib-node');
    const hnsw = new lib.HierarchicalNSW('cosine', dim);
    const { m, efConstruction, ef } = this.#options.settings;
    hnsw.initIndex({
      maxElements: Math.max(1024, capacity),
      m,
      efConstruction,
      randomSeed: 100,
      allowReplaceDeleted: true,
    });
    hnsw.setEf(ef);
    return hnsw;
  }

  #startRebuild(total: number): void {
    this.#state = 'rebuilding';
    this.#rebuildProgress = { done: 0, total };
    this.#hnsw = undefined;
    this.#labels.clear();
    this.#deleted = 0;
    this.#caughtUpTo = 0;
    this.#rebuild = (async () => {
      for (;;) {
        // One page, read whole: no statement stays open while turns use the database in between.
        const page = this.#options.store.page(this.model, this.#caughtUpTo, REBUILD_PAGE);
        if (page.length === 0) break;
        for (const row of page) {
          this.#insert(row.id, row.vector, total);
          this.#caughtUpTo = row.id;
        }
        this.#rebuildProgress.done += page.length;
        await yieldToEventLoop();
      }
      this.#state = this.#hnsw === undefined ? 'empty' : 'ready';
      this.#addMissing();
      this.save();
      this.#options.log.info({ model: this.model, vectors: this.size }, 'vector index rebuilt');
    })().finally(() => {
      this.#rebuild = undefined;
    });
    this.#rebuild.catch((error: unknown) =>
      this.#options.log.error({ err: error, model: this.model }, 'vector index rebuild failed'),
    );
  }

  /** @inheritdoc */
  get state(): IndexState {
    return this.#state;
  }

  /** @inheritdoc */
  get progress(): { done: number; total: number } {
    return this.#state === 'rebuilding' ? { ...this.#rebuildProgress } : { done: this.size, total: this.size };
  }

  /** @inheritdoc */
  async ready(): Promise<void> {
    await this.#rebuild;
  }

  /** @inheritdoc */
  get size(): number {
    return this.#hnsw === undefined ? 0 : this.#hnsw.getCurrentCount() - this.#deleted;
  }

  /** @inheritdoc */
  get dimension(): number | undefined {
    return this.#dim;
  }

  /** @inheritdoc */
  get caughtUpTo(): number {
    return this.#caughtUpTo;
  }

  #insert(label: number, vector: Float32Array, capacityHint = 0): void {
    if (this.#labels.has(label) || isZero(vector)) return;
    if (this.#hnsw === undefined) {
      this.#dim = vector.length;
      this.#hnsw = this.#create(vector.length, Math.max(capacityHint, 1024));
    }
    if (vector.length !== this.#dim) {
      this.#options.log.warn(
        { model: this.model, label, dim: vector.length, expected: this.#dim },
        'vector of the wrong size left out of the index',
      );
      return;
    }
    const hnsw = this.#hnsw;
    if (this.#deleted === 0 && hnsw.getCurrentCount() >= hnsw.getMaxElements())
      hnsw.resizeIndex(hnsw.getMaxElements() * 2);
    const reuse = this.#deleted > 0;
    hnsw.addPoint(Array.from(vector), label, reuse);
    if (reuse) this.#deleted -= 1;
    this.#labels.add(label);
    this.#unsaved += 1;
  }

  /**
   * Add a vector just stored by this process (its row id is the label).
   * Ignored while a rebuild runs: the rebuild or the next catch-up adds it.
   * @param label - the `embeddings.id`
   * @param vector - the vector
   */
  add(label: number, vector: Float32Array): void {
    if (this.#state === 'rebuilding') return;
    this.#insert(label, vector);
    if (this.#hnsw !== undefined && this.#state === 'empty') this.#state = 'ready';
  }

  /**
   * Mark a vector deleted (its row is gone); its slot is reused by the next add.
   * @param label - the `embeddings.id`
   */
  remove(label: number): void {
    if (this.#hnsw === undefined || !this.#labels.has(label)) return;
    try {
      this.#hnsw.markDelete(label);
      this.#deleted += 1;
      this.#unsaved += 1;
    } catch {
      // Already marked deleted (by an earlier search that found its row gone).
    }
    this.#labels.delete(label);
  }

  /**
   * Add the stored vectors this index lacks: rows with ids above
   * `caughtUpTo` (ids only grow, so this also picks up another process's
   * writes). Cheap when there is nothing new: one indexed query. It never
   * writes the file (that would put a 100 MB write on a reply's path).
   * @returns how many vectors were added
   */
  catchUp(): number {
    return this.#addMissing();
  }

  #addMissing(): number {
    if (this.#state === 'rebuilding') return 0;
    let added = 0;
    for (;;) {
      const page = this.#options.store.page(this.model, this.#caughtUpTo, CATCH_UP_PAGE);
      if (page.length === 0) break;
      for (const row of page) {
        if (!this.#labels.has(row.id) && !isZero(row.vector)) {
          this.#insert(row.id, row.vector);
          added += 1;
        }
        this.#caughtUpTo = row.id;
      }
    }
    if (this.#hnsw !== undefined && this.#state === 'empty') this.#state = 'ready';
    return added;
  }

  /** @inheritdoc */
  search(query: Float32Array, k: number): VectorHit[] | undefined {
    if (this.#state === 'rebuilding') return undefined;
    this.#addMissing();
    const hnsw = this.#hnsw;
    if (hnsw === undefined || this.size === 0) return [];
    if (query.length !== this.#dim || isZero(query)) return undefined;
    const result = hnsw.searchKnn(Array.from(query), Math.min(k, this.size));
    return result.neighbors.map((label, index) => ({ label, distance: result.distances[index] ?? 2 }));
  }

  /**
   * Write the file when enough has changed: at least `saveEvery` vectors,
   * and a minute since the last write (or as many new vectors as the index
   * held), so a long re-embedding does not rewrite a large file every few
   * hundred vectors. Called after each embedding drain, off the reply path.
   */
  maybeSave(): void {
    if (this.#unsaved < this.#options.settings.saveEvery) return;
    if (
      Date.now() - this.#lastSaveAt < MIN_SAVE_INTERVAL_MS &&
      this.#unsaved < Math.max(this.#options.settings.saveEvery, this.size / 2)
    )
      return;
    this.save();
  }

  /**
   * Write the index and its metadata now (see `writeIndexFiles`), after
   * catching up, so the file covers every stored row up to `caughtUpTo`.
   * No-op when nothing changed, or while rebuilding. A failure is logged:
   * the next start catches up or rebuilds.
   */
  save(): void {
    if (this.#state === 'rebuilding' || this.#hnsw === undefined) return;
    this.#addMissing();
    const { directory, databaseId, settings } = this.#options;
    if (this.#unsaved === 0 && hasIndexFile(directory, this.model)) return;
    const hnsw = this.#hnsw;
    try {
      writeIndexFiles(
        directory,
        {
          model: this.model,
          databaseId,
          dim: this.#dim as number,
          caughtUpTo: this.#caughtUpTo,
          count: this.size,
          m: settings.m,
          efConstruction: settings.efConstruction,
        },
        (path) => hnsw.writeIndexSync(path),
      );
      this.#unsaved = 0;
      this.#lastSaveAt = Date.now();
    } catch (error) {
      this.#options.log.warn(
        { err: error, model: this.model },
        'could not write the vector index; it is caught up or rebuilt at the next start',
      );
    }
  }

  /** @inheritdoc */
  get file(): string {
    return indexFilePath(this.#options.directory, this.model);
  }

  /** @inheritdoc */
  async close(): Promise<void> {
    await this.#rebuild?.catch(() => undefined);
    this.save();
  }
}
