import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { HierarchicalNSW } from 'hnswlib-node';
import { z } from 'zod';
import type { Logger } from '../shared/log.js';
import type { EmbeddingStore } from './embedding-store.js';

/** HNSW parameters (config `memory.index`). */
export interface IndexSettings {
  /** Links per node (hnswlib M). */
  m: number;
  /** Build-time candidate list size. */
  efConstruction: number;
  /** Search-time candidate list size; hnswlib does not save it, so it is set after every load. */
  ef: number;
  /** Write the file after this many new vectors (at most once a minute, and always when closing). */
  saveEvery: number;
}

/** Where an index stands. */
export type IndexState =
  /** No vector stored for this model yet. */
  | 'empty'
  /** Loaded (or built) and caught up. */
  | 'ready'
  /** Being rebuilt from the stored vectors; searches return undefined (recall uses BM25 alone meanwhile). */
  | 'rebuilding';

/** How the index was opened, for logs, `steward memory` and the benchmark. */
export interface IndexOpenReport {
  /** `loaded` from its file, `rebuilt` from SQLite (no embedding calls), or `empty`. */
  how: 'loaded' | 'rebuilt' | 'empty';
  /** Why it was rebuilt: `missing`, `corrupt (...)`, `stale (...)`. */
  reason?: string | undefined;
  /** Vectors added after loading because the file lacked them. */
  caughtUp: number;
  /** Time to open, in ms (a rebuild itself goes on in the background). */
  ms: number;
  /** Where that time went, in ms: reading and checking the file, hnswlib's load, catching up. */
  phases?: { verify: number; load: number; labels: number; catchUp: number } | undefined;
}

/** One nearest neighbour. */
export interface VectorHit {
  /** The `embeddings.id` of the vector. */
  label: number;
  /** Cosine distance, 0 (same direction) to 2. */
  distance: number;
}

/** Options of {@link VectorIndex.open}. */
export interface VectorIndexOptions {
  /** Embedder id. */
  model: string;
  /** Folder of the index files (`STEWARD_DATA_DIR/vectors`). */
  directory: string;
  /** Stored vectors. */
  store: EmbeddingStore;
  /** HNSW settings. */
  settings: IndexSettings;
  /** Logger. */
  log: Logger;
  /** The database's id (`memory_state.database_id`): a file made for another database is never loaded. */
  databaseId: string;
}

const metaSchema = z.object({
  version: z.literal(2),
  model: z.string(),
  databaseId: z.string(),
  file: z.string().regex(/^[A-Za-z0-9._-]+\.hnsw$/),
  dim: z.number().int().positive(),
  caughtUpTo: z.number().int().min(0),
  count: z.number().int().min(0),
  sha256: z.string().length(64),
  m: z.number().int(),
  efConstruction: z.number().int(),
  savedAt: z.string(),
});

type IndexMeta = z.infer<typeof metaSchema>;

/** Rows read (and added) between yields to the event loop while rebuilding. */
const REBUILD_PAGE = 2000;
/** Rows read per page when catching up. */
const CATCH_UP_PAGE = 5000;
/** Least time between two automatic writes of the file, in ms. */
const MIN_SAVE_INTERVAL_MS = 60_000;

/**
 * A file-safe name for an embedder id: `hashing:v1:384` → `hashing_v1_384-<hash>`.
 * @param model - embedder id
 */
export function indexFileStem(model: string): string {
  return (
    model.replace(/[^A-Za-z0-9.-]+/g, '_').slice(0, 120) +
    '-' +
    createHash('sha256').update(model).digest('hex').slice(0, 8)
  );
}

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
 *   its sha256, its database id and its model), sets `ef` (hnswlib does not
 *   save it), then adds the rows above the file's `caughtUpTo`;
 * - a missing, corrupt or stale file is rebuilt from SQLite in the
 *   background, a page at a time, with no embedding calls;
 * - before each search it catches up by id, so it sees vectors written by
 *   another process on the same database;
 * - it grows by doubling, and deletions are mark-deleted (their slots
 *   reused); all-zero vectors (texts with no words to compare) are stored
 *   but never indexed;
 * - it is written to a new file named by its checksum, and the metadata
 *   file, renamed over the old one, is the single switch: a crash, or two
 *   processes saving at once, leaves one complete pair.
 */
export class VectorIndex {
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
   * the stored vectors.
   * @param options - model, folder, the embeddings store, HNSW settings, logger, database id
   * @returns the index and how it was opened
   * @throws Error when hnswlib-node cannot be loaded (a broken native build)
   */
  static async open(options: VectorIndexOptions): Promise<{ index: VectorIndex; report: IndexOpenReport }> {
    const started = performance.now();
    const index = new VectorIndex(options);
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
    return { index, report: { how: 'rebuilt', reason: loaded.reason, caughtUp: 0, ms: performance.now() - started } };
  }

  get #metaFile(): string {
    return join(this.#options.directory, `${indexFileStem(this.model)}.json`);
  }

  #readMeta(): IndexMeta | string {
    if (!existsSync(this.#metaFile)) return 'missing';
    try {
      const parsed = metaSchema.safeParse(JSON.parse(readFileSync(this.#metaFile, 'utf8')));
      return parsed.success ? parsed.data : 'corrupt (unreadable metadata)';
    } catch {
      return 'corrupt (metadata is not JSON)';
    }
  }

  async #tryLoad(): Promise<
    { ok: true; phases: { verify: number; load: number; labels: number } } | { ok: false; reason: string }
  > {
    const started = performance.now();
    const meta = this.#readMeta();
    if (typeof meta === 'string') return { ok: false, reason: meta };
    if (meta.model !== this.model) return { ok: false, reason: `stale (made for ${meta.model})` };
    if (meta.databaseId !== this.#options.databaseId) return { ok: false, reason: 'stale (made for another database)' };
    const sequence = this.#options.store.sequence();
    if (meta.caughtUpTo > sequence)
      return {
        ok: false,
        reason: `stale (it covers rows up to ${meta.caughtUpTo}; the database has given ids up to ${sequence})`,
      };
    const file = join(this.#options.directory, meta.file);
    if (!existsSync(file)) return { ok: false, reason: 'missing' };
    const bytes = readFileSync(file);
    if (createHash('sha256').update(bytes).digest('hex') !== meta.sha256)
      return { ok: false, reason: 'corrupt (checksum mismatch)' };
    const verified = performance.now();
    const lib = this.#lib as typeof import('hnswlib-node');
    const hnsw = new lib.HierarchicalNSW('cosine', meta.dim);
    try {
      await hnsw.readIndex(file, true);
    } catch (error) {
      return { ok: false, reason: `corrupt (${(error as Error).message})` };
    }
    const read = performance.now();
    hnsw.setEf(this.#options.settings.ef);
    this.#hnsw = hnsw;
    this.#dim = meta.dim;
    this.#caughtUpTo = meta.caughtUpTo;
    for (const label of hnsw.getIdsList()) this.#labels.add(label);
    this.#deleted = Math.max(0, hnsw.getCurrentCount() - meta.count);
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

  /** `empty`, `ready` or `rebuilding`. */
  get state(): IndexState {
    return this.#state;
  }

  /** Rebuild progress (done and total vectors); equal when not rebuilding. */
  get progress(): { done: number; total: number } {
    return this.#state === 'rebuilding' ? { ...this.#rebuildProgress } : { done: this.size, total: this.size };
  }

  /** Resolves when a rebuild in progress has finished (at once otherwise). */
  async ready(): Promise<void> {
    await this.#rebuild;
  }

  /** Vectors in the index, not counting deleted ones. */
  get size(): number {
    return this.#hnsw === undefined ? 0 : this.#hnsw.getCurrentCount() - this.#deleted;
  }

  /** Vector dimension, once known. */
  get dimension(): number | undefined {
    return this.#dim;
  }

  /** Every row id up to this one is in the index. */
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

  /**
   * The `k` nearest stored vectors to `query`, after catching up.
   * @param query - the query vector (same dimension)
   * @param k - how many at most
   * @returns hits by increasing cosine distance, or undefined while the index is rebuilding or the query cannot be compared
   */
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
   * Write the index and its metadata now (a new index file named by its
   * checksum, then the metadata renamed over the old one), after catching
   * up, so the file covers every stored row up to `caughtUpTo`. No-op when
   * nothing changed, or while rebuilding. A failure is logged: the next
   * start catches up or rebuilds.
   */
  save(): void {
    if (this.#state === 'rebuilding' || this.#hnsw === undefined) return;
    this.#addMissing();
    if (this.#unsaved === 0 && existsSync(this.#metaFile)) return;
    const directory = this.#options.directory;
    mkdirSync(directory, { recursive: true });
    const stem = indexFileStem(this.model);
    const temporary = join(directory, `${stem}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
    const temporaryMeta = `${temporary}.json`;
    try {
      this.#hnsw.writeIndexSync(temporary);
      const sha256 = createHash('sha256').update(readFileSync(temporary)).digest('hex');
      const file = `${stem}.${sha256.slice(0, 16)}.hnsw`;
      renameSync(temporary, join(directory, file));
      const previous = this.#readMeta();
      const meta: IndexMeta = {
        version: 2,
        model: this.model,
        databaseId: this.#options.databaseId,
        file,
        dim: this.#dim as number,
        caughtUpTo: this.#caughtUpTo,
        count: this.size,
        sha256,
        m: this.#options.settings.m,
        efConstruction: this.#options.settings.efConstruction,
        savedAt: new Date().toISOString(),
      };
      writeFileSync(temporaryMeta, JSON.stringify(meta, null, 2) + '\n');
      renameSync(temporaryMeta, this.#metaFile);
      this.#unsaved = 0;
      this.#lastSaveAt = Date.now();
      // Keep the file the old metadata named (another process may be reading it); drop older ones.
      const keep = new Set([file, typeof previous === 'string' ? '' : previous.file]);
      for (const name of readdirSync(directory)) {
        if (name.startsWith(`${stem}.`) && name.endsWith('.hnsw') && !keep.has(name))
          rmSync(join(directory, name), { force: true });
      }
    } catch (error) {
      this.#options.log.warn(
        { err: error, model: this.model },
        'could not write the vector index; it is caught up or rebuilt at the next start',
      );
      rmSync(temporary, { force: true });
      rmSync(temporaryMeta, { force: true });
    }
  }

  /** The index file in use, or where it will be written. */
  get file(): string {
    const meta = this.#readMeta();
    return join(this.#options.directory, typeof meta === 'string' ? `${indexFileStem(this.model)}.hnsw` : meta.file);
  }

  /** Wait for a rebuild, then save. */
  async close(): Promise<void> {
    await this.#rebuild?.catch(() => undefined);
    this.save();
  }
}
