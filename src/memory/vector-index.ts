import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
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
  /** Write the file after this many new vectors. */
  saveEvery: number;
}

/** Where an index stands. */
export type IndexState =
  /** No vector stored for this model yet. */
  | 'empty'
  /** Loaded (or built) and caught up. */
  | 'ready'
  /** Being rebuilt from the stored vectors; searches wait for it (recall uses BM25 alone meanwhile). */
  | 'rebuilding';

/** How the index was opened, for logs, `steward memory` and the benchmark. */
export interface IndexOpenReport {
  /** `loaded` from its file, `rebuilt` from SQLite (no embedding calls), or `empty`. */
  how: 'loaded' | 'rebuilt' | 'empty';
  /** Why it was rebuilt: `missing`, `corrupt (...)`, `stale (...)`. */
  reason?: string | undefined;
  /** Vectors added after loading because the file lacked them. */
  caughtUp: number;
  /** Time to open, in ms (the rebuild itself may go on in the background). */
  ms: number;
}

/** One nearest neighbour. */
export interface VectorHit {
  /** The `embeddings.id` of the vector. */
  label: number;
  /** Cosine distance, 0 (same direction) to 2. */
  distance: number;
}

const metaSchema = z.object({
  version: z.literal(1),
  model: z.string(),
  dim: z.number().int().positive(),
  caughtUpTo: z.number().int().min(0),
  count: z.number().int().min(0),
  sha256: z.string().length(64),
  m: z.number().int(),
  efConstruction: z.number().int(),
  savedAt: z.string(),
});

type IndexMeta = z.infer<typeof metaSchema>;

/** Rows added between yields to the event loop while rebuilding. */
const REBUILD_CHUNK = 2000;

/**
 * A file-safe name for an embedder id: `hashing:v1:384` → `hashing_v1_384`.
 * @param model - embedder id
 */
export function indexFileStem(model: string): string {
  return model.replace(/[^A-Za-z0-9.-]+/g, '_').slice(0, 120) + '-' + createHash('sha256').update(model).digest('hex').slice(0, 8);
}

async function loadHnswlib(): Promise<typeof import('hnswlib-node')> {
  const module = (await import('hnswlib-node')) as typeof import('hnswlib-node') & { default?: typeof import('hnswlib-node') };
  return module.default ?? module;
}

/**
 * The HNSW vector index of one embedding model (hnswlib-node, cosine
 * space; Malkov & Yashunin 2016), labelled by `embeddings.id`. It is a
 * cache of the stored vectors, never the only copy:
 *
 * - on open it reads `<stem>.hnsw` (checked against the sha256 in
 *   `<stem>.json`), sets `ef` (not saved by hnswlib), then adds the rows
 *   above the file's `caughtUpTo`;
 * - a missing, corrupt or stale file is rebuilt from SQLite in the
 *   background, with no embedding calls;
 * - before each search it catches up by id, so it sees vectors written by
 *   another process on the same database;
 * - it grows by doubling, and deletions are mark-deleted (their slots reused);
 * - it is written (atomically: a temporary file, then rename) after
 *   `saveEvery` new vectors and on close; a crash loses only what the next
 *   open catches up from SQLite.
 */
export class VectorIndex {
  readonly model: string;
  readonly #directory: string;
  readonly #store: EmbeddingStore;
  readonly #settings: IndexSettings;
  readonly #log: Logger;
  #hnsw: HierarchicalNSW | undefined;
  #lib: typeof import('hnswlib-node') | undefined;
  #dim: number | undefined;
  /** Every row id up to this one is in the index (or was deleted). */
  #caughtUpTo = 0;
  /** Labels in the index (also those added above caughtUpTo by this process). */
  readonly #labels = new Set<number>();
  #deleted = 0;
  #unsaved = 0;
  #state: IndexState = 'empty';
  #rebuild: Promise<void> | undefined;
  #rebuildProgress = { done: 0, total: 0 };

  private constructor(model: string, directory: string, store: EmbeddingStore, settings: IndexSettings, log: Logger) {
    this.model = model;
    this.#directory = directory;
    this.#store = store;
    this.#settings = settings;
    this.#log = log;
  }

  /**
   * Open the index of `model` in `directory`: load and catch up, or start a
   * rebuild from the stored vectors.
   * @param options - model, folder, the embeddings store, HNSW settings, logger
   * @returns the index and how it was opened
   */
  static async open(options: { model: string; directory: string; store: EmbeddingStore; settings: IndexSettings; log: Logger }): Promise<{ index: VectorIndex; report: IndexOpenReport }> {
    const started = performance.now();
    const index = new VectorIndex(options.model, options.directory, options.store, options.settings, options.log);
    index.#lib = await loadHnswlib();
    const stats = options.store.stats(options.model);
    const loaded = await index.#tryLoad(stats);
    if (loaded.ok) {
      const caughtUp = index.catchUp();
      return { index, report: { how: 'loaded', caughtUp, ms: performance.now() - started } };
    }
    if (stats.count === 0) {
      if (loaded.reason !== 'missing') index.#removeFiles();
      return { index, report: { how: 'empty', caughtUp: 0, ms: performance.now() - started } };
    }
    options.log.warn({ model: options.model, reason: loaded.reason, vectors: stats.count }, 'vector index rebuilt from the stored vectors (no re-embedding)');
    index.#startRebuild(stats.count);
    return { index, report: { how: 'rebuilt', reason: loaded.reason, caughtUp: 0, ms: performance.now() - started } };
  }

  get #files(): { index: string; meta: string } {
    const stem = indexFileStem(this.model);
    return { index: join(this.#directory, `${stem}.hnsw`), meta: join(this.#directory, `${stem}.json`) };
  }

  async #tryLoad(stats: { count: number; maxId: number }): Promise<{ ok: true } | { ok: false; reason: string }> {
    const files = this.#files;
    if (!existsSync(files.index) || !existsSync(files.meta)) return { ok: false, reason: 'missing' };
    let meta: IndexMeta;
    try {
      const parsed = metaSchema.safeParse(JSON.parse(readFileSync(files.meta, 'utf8')));
      if (!parsed.success) return { ok: false, reason: 'corrupt (unreadable metadata)' };
      meta = parsed.data;
    } catch {
      return { ok: false, reason: 'corrupt (metadata is not JSON)' };
    }
    if (meta.model !== this.model) return { ok: false, reason: `stale (made for ${meta.model})` };
    if (meta.caughtUpTo > stats.maxId) return { ok: false, reason: `stale (it covers rows up to ${meta.caughtUpTo}; the database has ${stats.maxId})` };
    const bytes = readFileSync(files.index);
    if (createHash('sha256').update(bytes).digest('hex') !== meta.sha256) return { ok: false, reason: 'corrupt (checksum mismatch)' };
    const lib = this.#lib as typeof import('hnswlib-node');
    const hnsw = new lib.HierarchicalNSW('cosine', meta.dim);
    try {
      await hnsw.readIndex(files.index, true);
    } catch (error) {
      return { ok: false, reason: `corrupt (${(error as Error).message})` };
    }
    hnsw.setEf(this.#settings.ef);
    this.#hnsw = hnsw;
    this.#dim = meta.dim;
    this.#caughtUpTo = meta.caughtUpTo;
    for (const label of hnsw.getIdsList()) this.#labels.add(label);
    this.#deleted = Math.max(0, hnsw.getCurrentCount() - meta.count);
    this.#state = 'ready';
    return { ok: true };
  }

  #create(dim: number, capacity: number): HierarchicalNSW {
    const lib = this.#lib as typeof import('hnswlib-node');
    const hnsw = new lib.HierarchicalNSW('cosine', dim);
    hnsw.initIndex({ maxElements: Math.max(1024, capacity), m: this.#settings.m, efConstruction: this.#settings.efConstruction, randomSeed: 100, allowReplaceDeleted: true });
    hnsw.setEf(this.#settings.ef);
    return hnsw;
  }

  #startRebuild(total: number): void {
    this.#state = 'rebuilding';
    this.#rebuildProgress = { done: 0, total };
    this.#hnsw = undefined;
    this.#labels.clear();
    this.#caughtUpTo = 0;
    this.#rebuild = (async () => {
      let batch = 0;
      for (const row of this.#store.since(this.model, 0)) {
        this.#insert(row.id, row.vector, total);
        this.#caughtUpTo = row.id;
        this.#rebuildProgress.done += 1;
        batch += 1;
        if (batch >= REBUILD_CHUNK) {
          batch = 0;
          // Let replies and the REPL run between chunks.
          await new Promise((resolve) => setImmediate(resolve));
        }
      }
      this.#state = this.#hnsw === undefined ? 'empty' : 'ready';
      this.catchUp();
      this.save();
      this.#log.info({ model: this.model, vectors: this.size }, 'vector index rebuilt');
    })().finally(() => {
      this.#rebuild = undefined;
    });
    this.#rebuild.catch((error: unknown) => this.#log.error({ err: error, model: this.model }, 'vector index rebuild failed'));
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
    if (this.#labels.has(label)) return;
    if (this.#hnsw === undefined) {
      this.#dim = vector.length;
      this.#hnsw = this.#create(vector.length, Math.max(capacityHint, 1024));
    }
    if (vector.length !== this.#dim) {
      this.#log.warn({ model: this.model, label, dim: vector.length, expected: this.#dim }, 'vector of the wrong size left out of the index');
      return;
    }
    const hnsw = this.#hnsw;
    if (this.#deleted === 0 && hnsw.getCurrentCount() >= hnsw.getMaxElements()) hnsw.resizeIndex(hnsw.getMaxElements() * 2);
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
    if (this.#state === 'empty') this.#state = 'ready';
    if (this.#unsaved >= this.#settings.saveEvery) this.save();
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
   * writes). Cheap when there is nothing new: one indexed query.
   * @returns how many vectors were added
   */
  catchUp(): number {
    const added = this.#addMissing();
    if (this.#unsaved >= this.#settings.saveEvery) this.save();
    return added;
  }

  #addMissing(): number {
    if (this.#state === 'rebuilding') return 0;
    let added = 0;
    for (const row of this.#store.since(this.model, this.#caughtUpTo)) {
      if (!this.#labels.has(row.id)) {
        this.#insert(row.id, row.vector);
        added += 1;
      }
      this.#caughtUpTo = row.id;
    }
    if (added > 0 && this.#state === 'empty') this.#state = 'ready';
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
    this.catchUp();
    const hnsw = this.#hnsw;
    if (hnsw === undefined || this.size === 0) return [];
    if (query.length !== this.#dim || !query.some((value) => value !== 0)) return undefined;
    const wanted = Math.min(k, this.size);
    const result = hnsw.searchKnn(Array.from(query), wanted);
    return result.neighbors.map((label, index) => ({ label, distance: result.distances[index] ?? 2 }));
  }

  /**
   * Write the index and its metadata (temporary files, then rename, so a
   * crash leaves the old pair or the new one). Catches up first, so the
   * file covers every stored row up to `caughtUpTo`. No-op when nothing
   * changed or while rebuilding.
   */
  save(): void {
    if (this.#state === 'rebuilding' || this.#hnsw === undefined) return;
    this.#addMissing();
    if (this.#unsaved === 0 && existsSync(this.#files.meta)) return;
    mkdirSync(this.#directory, { recursive: true });
    const files = this.#files;
    const suffix = `.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    const temporaryIndex = files.index + suffix;
    const temporaryMeta = files.meta + suffix;
    try {
      this.#hnsw.writeIndexSync(temporaryIndex);
      const meta: IndexMeta = {
        version: 1,
        model: this.model,
        dim: this.#dim as number,
        caughtUpTo: this.#caughtUpTo,
        count: this.size,
        sha256: createHash('sha256').update(readFileSync(temporaryIndex)).digest('hex'),
        m: this.#settings.m,
        efConstruction: this.#settings.efConstruction,
        savedAt: new Date().toISOString(),
      };
      writeFileSync(temporaryMeta, JSON.stringify(meta, null, 2) + '\n');
      renameSync(temporaryIndex, files.index);
      renameSync(temporaryMeta, files.meta);
      this.#unsaved = 0;
    } catch (error) {
      this.#log.warn({ err: error, model: this.model }, 'could not write the vector index; it is rebuilt or caught up at the next start');
      rmSync(temporaryIndex, { force: true });
      rmSync(temporaryMeta, { force: true });
    }
  }

  #removeFiles(): void {
    rmSync(this.#files.index, { force: true });
    rmSync(this.#files.meta, { force: true });
  }

  /** The index file's path (for `steward memory` and tests). */
  get file(): string {
    return this.#files.index;
  }

  /** Wait for a rebuild, then save. */
  async close(): Promise<void> {
    await this.#rebuild?.catch(() => undefined);
    this.save();
  }
}
