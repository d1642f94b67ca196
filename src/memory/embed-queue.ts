import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { describeError, ProviderError } from '../shared/errors.js';
import type { Logger } from '../shared/log.js';
import type { Database } from '../shared/database.js';
import type { Embedder } from './embedders/types.js';
import { ANY_MODEL, EmbeddingJobStore } from './embedding-jobs.js';
import type { EmbeddingStore, MemoryRef } from './embedding-store.js';
import { loadMemoryTexts, refKey } from './sources.js';
import { textHash } from './text.js';
import type { VectorIndex } from './vector-index/index.js';

/** What one {@link EmbeddingQueue.drain} did. */
export interface DrainResult {
  /** Texts sent to the embedder. */
  embedded: number;
  /** Texts whose vector was already stored for another owner, or made for a recall query (no embedding call). */
  reused: number;
  /** Jobs finished with nothing to embed: unchanged text, owner gone. */
  skipped: number;
  /** Texts the embedder refused (each counted against its own job). */
  refused: number;
  /** Set when the embedder failed as a whole: the jobs stay queued and are retried later. */
  error?: string | undefined;
}

/** Jobs that failed this many times are left for `steward memory embed --retry` (they stay queued). */
export const MAX_JOB_ATTEMPTS = 5;

/** Texts longer than this are cut before embedding (embedding models have small contexts), in characters. */
const MAX_EMBED_CHARS = 8000;

/** Backoff after an embedder failure before the next automatic drain, in ms (doubles to the last). */
const FAILURE_BACKOFF_MS = [30_000, 60_000, 300_000, 600_000];

/** Options of {@link EmbeddingQueue}. */
export interface EmbeddingQueueOptions {
  /** The database (its `embedding_jobs` table is the queue: see {@link EmbeddingJobStore}). */
  database: Database;
  /** Stored vectors. */
  store: EmbeddingStore;
  /** The embedder this queue embeds with; it takes only its model's jobs. */
  embedder: Embedder;
  /** The embedder's index. */
  index: VectorIndex;
  /** Logger. */
  log: Logger;
  /**
   * Vectors this embedder made moments ago for recall queries: a turn's
   * message is embedded as its query first, so its stored vector costs no
   * second request.
   */
  recent?: (text: string) => Float32Array | undefined;
  /** Ids of messages whose turn is still running: left for the next drain, so they reuse that vector. */
  busy?: () => ReadonlySet<number>;
  /** The other embedding models in use (a job taken from {@link ANY_MODEL} is queued for them too). */
  otherModels?: () => readonly string[];
  /** Called after each drain (to switch recall to a re-embedded model, to save the index). */
  onDrained?: () => void;
}

/**
 * The batched embedding queue of one embedding model. The queue itself is
 * the `embedding_jobs` table, filled by triggers in the same transaction as
 * each message, episode and fact (one row per model in use), so a crash
 * never loses a job. A drain takes this model's jobs in batches of the
 * embedder's `batchSize`, reuses any vector already stored for the same
 * (model, text hash), embeds the rest in one request per batch, and stores
 * vectors and removes jobs in one transaction; then it adds the vectors to
 * the HNSW index. It yields to the event loop between batches, and it runs
 * after a reply has been sent, never on the reply's path.
 */
export class EmbeddingQueue {
  readonly #options: EmbeddingQueueOptions;
  readonly #jobs: EmbeddingJobStore;
  #running: Promise<DrainResult> | undefined;
  #kickTimer: NodeJS.Immediate | undefined;
  #failures = 0;
  #retryAt = 0;
  #stopped = false;
  readonly #stop = new AbortController();

  /**
   * @param options - database, stored vectors, embedder, its index, and hooks
   */
  constructor(options: EmbeddingQueueOptions) {
    this.#options = options;
    this.#jobs = new EmbeddingJobStore(options.database);
  }

  get #model(): string {
    return this.#options.embedder.id;
  }

  /** This model's jobs waiting (including ones that failed {@link MAX_JOB_ATTEMPTS} times, and unclaimed `*` jobs). */
  pending(): number {
    return this.#jobs.count(this.#model);
  }

  /** This model's jobs that failed {@link MAX_JOB_ATTEMPTS} times and wait for a manual retry. */
  stuck(): number {
    return this.#jobs.failed(this.#model, MAX_JOB_ATTEMPTS);
  }

  /**
   * Give every failed job of this model a fresh start (`steward memory embed --retry`).
   * @returns how many jobs were reset
   */
  resetFailures(): number {
    this.#failures = 0;
    this.#retryAt = 0;
    return this.#jobs.resetFailures(this.#model);
  }

  /**
   * Start a drain after the current turn (on the next turn of the event
   * loop), unless one runs or the embedder failed recently (then the backoff decides).
   */
  kick(): void {
    if (this.#stopped || this.#kickTimer !== undefined || this.#running !== undefined) return;
    if (Date.now() < this.#retryAt) return;
    this.#kickTimer = setImmediate(() => {
      this.#kickTimer = undefined;
      this.drain().catch((error: unknown) =>
        this.#options.log.error({ err: error }, `embedding queue failed: ${describeError(error)}`),
      );
    });
  }

  /**
   * Embed this model's queued texts until none is left, the embedder fails or `signal` fires.
   * @param options - cancellation, and a progress callback (done, total) for long runs
   * @returns what was done
   * @throws SqliteError if the database fails; any error of the embedder that is not a ProviderError (a ProviderError ends the drain with `error` set)
   */
  drain(
    options: { signal?: AbortSignal | undefined; onProgress?: (done: number, total: number) => void } = {},
  ): Promise<DrainResult> {
    if (this.#running !== undefined) return this.#running;
    this.#running = this.#drain(options).finally(() => {
      this.#running = undefined;
      try {
        this.#options.onDrained?.();
      } catch (error) {
        this.#options.log.error({ err: error }, `after the embedding drain: ${describeError(error)}`);
      }
    });
    return this.#running;
  }

  #aborted(signal: AbortSignal | undefined): boolean {
    return signal?.aborted === true || this.#stop.signal.aborted;
  }

  async #drain(options: {
    signal?: AbortSignal | undefined;
    onProgress?: (done: number, total: number) => void;
  }): Promise<DrainResult> {
    const result: DrainResult = { embedded: 0, reused: 0, skipped: 0, refused: 0 };
    const total = options.onProgress === undefined ? 0 : this.pending();
    let done = 0;
    const { embedder } = this.#options;
    for (;;) {
      if (this.#aborted(options.signal)) break;
      const busy = this.#options.busy?.() ?? new Set<number>();
      const jobs = this.#jobs
        .take(this.#model, MAX_JOB_ATTEMPTS, embedder.batchSize + busy.size)
        .filter((job) => !(job.ref.type === 'message' && busy.has(job.ref.id)))
        .slice(0, embedder.batchSize);
      if (jobs.length === 0) break;
      try {
        const counts = await this.#processBatch(jobs, options.signal);
        result.embedded += counts.embedded;
        result.reused += counts.reused;
        result.skipped += counts.skipped;
        result.refused += counts.refused;
        this.#failures = 0;
        this.#retryAt = 0;
      } catch (error) {
        if (this.#aborted(options.signal)) break; // a shutdown or Ctrl-C is not the embedder's failure
        if (!(error instanceof ProviderError)) throw error;
        this.#failures += 1;
        this.#retryAt =
          Date.now() + (FAILURE_BACKOFF_MS[Math.min(this.#failures, FAILURE_BACKOFF_MS.length) - 1] ?? 600_000);
        this.#jobs.bump(
          jobs.map((job) => job.ref),
          this.#model,
        );
        result.error = error.message;
        this.#options.log.warn(
          { embedder: embedder.id, jobs: jobs.length, err: error },
          `embedding failed; ${this.pending()} texts stay queued and are retried: ${error.message}`,
        );
        break;
      }
      done += jobs.length;
      options.onProgress?.(done, Math.max(total, done));
      // Let replies, the REPL and timers run between batches (the offline embedder never waits on I/O).
      await yieldToEventLoop();
    }
    return result;
  }

  /**
   * Embed texts; when the embedder refuses a batch outright (a 4xx: one text
   * too long, say), embed them one by one so that only the bad ones fail.
   * @returns vectors by position, undefined for a refused text
   */
  async #embed(texts: readonly string[], signal: AbortSignal): Promise<Array<Float32Array | undefined>> {
    try {
      return await this.#options.embedder.embed(texts, { signal });
    } catch (error) {
      if (!(error instanceof ProviderError) || error.isRetryable || texts.length === 1) throw error;
      const vectors: Array<Float32Array | undefined> = [];
      for (const text of texts) {
        try {
          vectors.push((await this.#options.embedder.embed([text], { signal }))[0]);
        } catch (single) {
          if (!(single instanceof ProviderError) || single.isRetryable) throw single;
          vectors.push(undefined);
        }
      }
      if (vectors.every((vector) => vector === undefined)) throw error;
      return vectors;
    }
  }

  async #processBatch(
    jobs: ReadonlyArray<{ ref: MemoryRef; model: string }>,
    signal: AbortSignal | undefined,
  ): Promise<{ embedded: number; reused: number; skipped: number; refused: number }> {
    const { database, store } = this.#options;
    const model = this.#model;
    const texts = loadMemoryTexts(
      database,
      jobs.map((job) => job.ref),
    );
    const finished: MemoryRef[] = [];
    const ready: Array<{ ref: MemoryRef; hash: string; vector: Float32Array }> = [];
    const toEmbed: Array<{ ref: MemoryRef; hash: string; text: string }> = [];
    const batchHashes = new Map<string, Float32Array | 'pending' | 'refused'>();
    for (const { ref } of jobs) {
      const memory = texts.get(refKey(ref));
      if (memory === undefined || memory.text.trim() === '') {
        finished.push(ref);
        continue;
      }
      const text = memory.text.length > MAX_EMBED_CHARS ? memory.text.slice(0, MAX_EMBED_CHARS) : memory.text;
      const hash = textHash(text);
      if (store.hashOf(ref, model) === hash) {
        finished.push(ref);
        continue;
      }
      const known = store.findByHash(model, hash) ?? this.#options.recent?.(text);
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
    const refused: MemoryRef[] = [];
    if (unique.length > 0) {
      const vectors = await this.#embed(
        unique.map((item) => item.text),
        signal ?? this.#stop.signal,
      );
      unique.forEach((item, index) => batchHashes.set(item.hash, vectors[index] ?? 'refused'));
      for (const item of toEmbed) {
        const vector = batchHashes.get(item.hash);
        if (vector instanceof Float32Array) ready.push({ ref: item.ref, hash: item.hash, vector });
        else refused.push(item.ref);
      }
    }
    const added: Array<{ id: number; vector: Float32Array }> = [];
    const replaced: number[] = [];
    const others = (this.#options.otherModels?.() ?? []).filter((other) => other !== model && other !== ANY_MODEL);
    database
      .transaction(() => {
        // A job queued for "any model" is this model's now; the other models in use still need theirs.
        this.#jobs.finish([...finished, ...ready.map((item) => item.ref)], model, others);
        for (const item of ready) {
          const stored = store.put(item.ref, model, item.hash, item.vector);
          added.push({ id: stored.id, vector: item.vector });
          if (stored.replaced !== undefined) replaced.push(stored.replaced);
        }
      })
      .immediate();
    if (refused.length > 0) {
      this.#jobs.bump(refused, model);
      this.#options.log.warn(
        { embedder: model, refused: refused.map(refKey) },
        `the embedder refused ${refused.length} text(s); they stay queued, and wait for "steward memory embed --retry" after ${MAX_JOB_ATTEMPTS} tries`,
      );
    }
    for (const id of replaced) this.#options.index.remove(id);
    for (const row of added) this.#options.index.add(row.id, row.vector);
    return { embedded: unique.length, reused, skipped: finished.length, refused: refused.length };
  }

  /** Resolves when no drain is running or about to start. */
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
    await Promise.race([
      running.catch(() => undefined),
      new Promise((resolve) => (timer = setTimeout(resolve, timeoutMs))),
    ]);
    clearTimeout(timer);
    this.#stop.abort(new Error('steward is closing'));
    await running.catch(() => undefined);
  }
}
