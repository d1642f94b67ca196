import { describeError, EmbeddingError } from '../shared/errors.js';
import type { Logger } from '../shared/log.js';
import type { Database } from './database.js';
import type { Embedder } from './embedders/types.js';
import type { EmbeddingStore, MemoryRef, OwnerType } from './embedding-store.js';
import { loadMemoryTexts, refKey } from './sources.js';
import { textHash } from './text.js';
import type { VectorIndex } from './vector-index.js';

/** What one {@link EmbeddingQueue.drain} did. */
export interface DrainResult {
  /** Texts sent to the embedder. */
  embedded: number;
  /** Texts whose vector was already stored for another owner (no embedding call). */
  reused: number;
  /** Jobs finished with nothing to embed: unchanged text, no content, owner gone. */
  skipped: number;
  /** Set when the embedder failed: the jobs stay queued and are retried later. */
  error?: string | undefined;
}

/** Jobs that failed this many times are left for `steward memory embed --retry` (they stay queued). */
export const MAX_JOB_ATTEMPTS = 5;

/** Texts longer than this are cut before embedding (embedding models have small contexts), in characters. */
const MAX_EMBED_CHARS = 8000;

/** Backoff after an embedder failure before the next automatic drain, in ms (doubles to the last). */
const FAILURE_BACKOFF_MS = [30_000, 60_000, 300_000, 600_000];

/**
 * The batched embedding queue. The queue itself is the `embedding_jobs`
 * table, filled by triggers in the same transaction as each message,
 * episode and fact, so a crash never loses a job. A drain takes jobs in
 * batches of the embedder's `batchSize`, reuses any vector already stored
 * for the same (model, text hash), embeds the rest in one request per
 * batch, and stores vectors and removes jobs in one transaction; then it
 * adds the vectors to the HNSW index. It runs after a reply has been
 * sent, never on the reply's path.
 */
export class EmbeddingQueue {
  readonly #database: Database;
  readonly #store: EmbeddingStore;
  readonly #embedder: Embedder;
  readonly #index: VectorIndex;
  readonly #log: Logger;
  readonly #recent: ((text: string) => Float32Array | undefined) | undefined;
  readonly #busy: (() => ReadonlySet<number>) | undefined;
  #running: Promise<DrainResult> | undefined;
  #kickTimer: NodeJS.Immediate | undefined;
  #failures = 0;
  #retryAt = 0;
  #stopped = false;
  readonly #stop = new AbortController();

  /**
   * @param options - database, stored vectors, embedder, the embedder's index, logger, and
   *   `recent`: vectors this embedder made moments ago for recall queries (a turn's message is
   *   embedded as its query first, so its stored vector costs no second request), and `busy`:
   *   ids of messages whose turn is still running (left for the next drain, so they reuse that vector)
   */
  constructor(options: {
    database: Database;
    store: EmbeddingStore;
    embedder: Embedder;
    index: VectorIndex;
    log: Logger;
    recent?: (text: string) => Float32Array | undefined;
    busy?: () => ReadonlySet<number>;
  }) {
    this.#recent = options.recent;
    this.#busy = options.busy;
    this.#database = options.database;
    this.#store = options.store;
    this.#embedder = options.embedder;
    this.#index = options.index;
    this.#log = options.log;
  }

  /** Jobs waiting (including ones that failed {@link MAX_JOB_ATTEMPTS} times). */
  pending(): number {
    return this.#database.prepare<[], { count: number }>('SELECT count(*) AS count FROM embedding_jobs').get()?.count ?? 0;
  }

  /** Jobs that failed {@link MAX_JOB_ATTEMPTS} times and wait for a manual retry. */
  stuck(): number {
    return this.#database.prepare<[number], { count: number }>('SELECT count(*) AS count FROM embedding_jobs WHERE attempts >= ?').get(MAX_JOB_ATTEMPTS)?.count ?? 0;
  }

  /**
   * Give every failed job a fresh start (`steward memory embed --retry`).
   * @returns how many jobs were reset
   */
  resetFailures(): number {
    this.#failures = 0;
    this.#retryAt = 0;
    return this.#database.prepare('UPDATE embedding_jobs SET attempts = 0 WHERE attempts > 0').run().changes;
  }

  /**
   * Start a drain soon (after the current turn), unless one runs or the
   * embedder failed recently (then the backoff decides).
   */
  kick(): void {
    if (this.#stopped || this.#kickTimer !== undefined || this.#running !== undefined) return;
    if (Date.now() < this.#retryAt) return;
    this.#kickTimer = setImmediate(() => {
      this.#kickTimer = undefined;
      this.drain().catch((error: unknown) => this.#log.error({ err: error }, `embedding queue failed: ${describeError(error)}`));
    });
  }

  /**
   * Embed queued texts until the queue is empty, the embedder fails or `signal` fires.
   * @param options - cancellation, and a progress callback (done, total) for long runs
   * @returns what was done
   * @throws SqliteError if the database fails
   */
  drain(options: { signal?: AbortSignal | undefined; onProgress?: (done: number, total: number) => void } = {}): Promise<DrainResult> {
    if (this.#running !== undefined) return this.#running;
    this.#running = this.#drain(options).finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  async #drain(options: { signal?: AbortSignal | undefined; onProgress?: (done: number, total: number) => void }): Promise<DrainResult> {
    const result: DrainResult = { embedded: 0, reused: 0, skipped: 0 };
    const total = options.onProgress === undefined ? 0 : this.pending();
    let done = 0;
    const take = this.#database.prepare<[number, number], { owner_type: OwnerType; owner_id: number }>(
      'SELECT owner_type, owner_id FROM embedding_jobs WHERE attempts < ? ORDER BY attempts, enqueued_at, owner_id LIMIT ?',
    );
    for (;;) {
      if (options.signal?.aborted === true || this.#stop.signal.aborted) break;
      const busy = this.#busy?.() ?? new Set<number>();
      const jobs = take
        .all(MAX_JOB_ATTEMPTS, this.#embedder.batchSize + busy.size)
        .map((row): MemoryRef => ({ type: row.owner_type, id: row.owner_id }))
        .filter((job) => !(job.type === 'message' && busy.has(job.id)))
        .slice(0, this.#embedder.batchSize);
      if (jobs.length === 0) break;
      try {
        const counts = await this.#processBatch(jobs, options.signal);
        result.embedded += counts.embedded;
        result.reused += counts.reused;
        result.skipped += counts.skipped;
        this.#failures = 0;
        this.#retryAt = 0;
      } catch (error) {
        if (!(error instanceof EmbeddingError)) throw error;
        this.#failures += 1;
        this.#retryAt = Date.now() + (FAILURE_BACKOFF_MS[Math.min(this.#failures, FAILURE_BACKOFF_MS.length) - 1] ?? 600_000);
        const bump = this.#database.prepare('UPDATE embedding_jobs SET attempts = attempts + 1 WHERE owner_type = ? AND owner_id = ?');
        this.#database.transaction(() => jobs.forEach((job) => bump.run(job.type, job.id)))();
        result.error = error.message;
        this.#log.warn({ embedder: this.#embedder.id, jobs: jobs.length, err: error }, `embedding failed; ${this.pending()} texts stay queued and are retried: ${error.message}`);
        break;
      }
      done += jobs.length;
      options.onProgress?.(done, Math.max(total, done));
    }
    return result;
  }

  async #processBatch(jobs: readonly MemoryRef[], signal: AbortSignal | undefined): Promise<{ embedded: number; reused: number; skipped: number }> {
    const model = this.#embedder.id;
    const texts = loadMemoryTexts(this.#database, jobs);
    const finished: MemoryRef[] = [];
    const ready: Array<{ ref: MemoryRef; hash: string; vector: Float32Array }> = [];
    const toEmbed: Array<{ ref: MemoryRef; hash: string; text: string }> = [];
    const batchHashes = new Map<string, Float32Array | 'pending'>();
    for (const ref of jobs) {
      const memory = texts.get(refKey(ref));
      if (memory === undefined || memory.text.trim() === '') {
        finished.push(ref);
        continue;
      }
      const text = memory.text.length > MAX_EMBED_CHARS ? memory.text.slice(0, MAX_EMBED_CHARS) : memory.text;
      const hash = textHash(text);
      if (this.#store.hashOf(ref, model) === hash) {
        finished.push(ref);
        continue;
      }
      const known = this.#store.findByHash(model, hash) ?? this.#recent?.(text);
      if (known !== undefined) {
        ready.push({ ref, hash, vector: known });
      } else if (batchHashes.has(hash)) {
        toEmbed.push({ ref, hash, text: '' }); // same text earlier in this batch: one embedding serves both
      } else {
        batchHashes.set(hash, 'pending');
        toEmbed.push({ ref, hash, text });
      }
    }
    const reused = ready.length;
    const unique = toEmbed.filter((item) => item.text !== '');
    if (unique.length > 0) {
      const vectors = await this.#embedder.embed(unique.map((item) => item.text), { signal: signal ?? this.#stop.signal });
      unique.forEach((item, index) => batchHashes.set(item.hash, vectors[index] as Float32Array));
      for (const item of toEmbed) {
        const vector = batchHashes.get(item.hash);
        if (vector instanceof Float32Array) ready.push({ ref: item.ref, hash: item.hash, vector });
      }
    }
    const added: Array<{ id: number; vector: Float32Array }> = [];
    const replaced: number[] = [];
    let skipped = finished.length;
    const deleteJob = this.#database.prepare('DELETE FROM embedding_jobs WHERE owner_type = ? AND owner_id = ?');
    this.#database.transaction(() => {
      for (const ref of finished) deleteJob.run(ref.type, ref.id);
      for (const item of ready) {
        deleteJob.run(item.ref.type, item.ref.id);
        // A text with no content words hashes to the zero vector: nothing to find by similarity (BM25 still has it).
        if (!item.vector.some((value) => value !== 0)) {
          skipped += 1;
          continue;
        }
        const stored = this.#store.put(item.ref, model, item.hash, item.vector);
        added.push({ id: stored.id, vector: item.vector });
        if (stored.replaced !== undefined) replaced.push(stored.replaced);
      }
    })();
    for (const id of replaced) this.#index.remove(id);
    for (const row of added) this.#index.add(row.id, row.vector);
    return { embedded: unique.length, reused, skipped };
  }

  /** Resolves when no drain is running. */
  async idle(): Promise<void> {
    if (this.#kickTimer !== undefined) {
      clearImmediate(this.#kickTimer);
      this.#kickTimer = undefined;
      await this.drain().catch(() => undefined);
    }
    await this.#running?.catch(() => undefined);
  }

  /**
   * Stop: no new drains; wait for the one in progress up to `timeoutMs`,
   * then cancel it (its jobs stay queued).
   * @param timeoutMs - how long to wait, in ms
   */
  async stop(timeoutMs: number): Promise<void> {
    this.#stopped = true;
    if (this.#kickTimer !== undefined) clearImmediate(this.#kickTimer);
    this.#kickTimer = undefined;
    const running = this.#running;
    if (running === undefined) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([running.catch(() => undefined), new Promise((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
    clearTimeout(timer);
    this.#stop.abort(new Error('steward is closing'));
    await running.catch(() => undefined);
  }
}
