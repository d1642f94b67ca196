import { join } from 'node:path';
import type { StewardConfig } from '../config/schema.js';
import { describeError } from '../shared/errors.js';
import type { Logger } from '../shared/log.js';
import { isReadOnlyDatabase, type Database } from '../shared/database.js';
import { EmbeddingQueue, MAX_JOB_ATTEMPTS, type DrainResult } from './embed-queue.js';
import {
  cloudRefusal,
  embedderFromSpec,
  embedderSpec,
  GloveEmbedder,
  offlineUnavailable,
  type Embedder,
  type EmbedderSpec,
  type WordSimilarity,
} from './embedders/index.js';
import { EmbeddingJobStore } from './embedding-jobs.js';
import type { EmbeddingStore, MemoryRef } from './embedding-store.js';
import { IndexCache } from './index-cache.js';
import { MemoryStateStore } from './state-store.js';
import type { OpenedIndex, OpenVectorIndex, VectorIndex } from './vector-index/index.js';

/** Options of {@link EmbedderLifecycle}. */
export interface EmbedderLifecycleOptions {
  /** The open, migrated database. */
  database: Database;
  /** The configuration (`embeddings.*`, `memory.index`, `memory.recall.queryTimeoutMs`, `dataDir`). */
  config: StewardConfig;
  /** Logger. */
  log: Logger;
  /** Stored vectors. */
  vectors: EmbeddingStore;
  /** Ids of messages whose turn is still running: the queue leaves them for the next drain. */
  busy: () => ReadonlySet<number>;
  /** Fires when steward is closing: no new embedding pass starts. */
  signal: AbortSignal;
  /** Opens one model's vector index (default `StagedIndex.open`). */
  openIndex?: OpenVectorIndex | undefined;
}

/** Recall query vectors kept for reuse (a turn's message is embedded as its query first). */
const QUERY_CACHE_SIZE = 64;

/**
 * The embedders' life: which embedder embeds new texts (the configured
 * one), which serves recall (the configured one, or the previous one while
 * a re-embedding for a new model runs), the vector index of each (opened
 * once per process), and the embedding queue of the configured model.
 *
 * When the configured model is not the one serving recall, every memory is
 * queued for it in the background; once it has every vector, it serves
 * recall and the old model's jobs are dropped. The state lives in
 * `memory_state`, so every process on the database agrees.
 */
export class EmbedderLifecycle {
  /** The configured embedder (new texts are embedded with it). */
  readonly embedder: Embedder;
  readonly #spec: EmbedderSpec;
  readonly #database: Database;
  readonly #config: StewardConfig;
  readonly #log: Logger;
  readonly #options: EmbedderLifecycleOptions;
  readonly #state: MemoryStateStore;
  readonly #jobs: EmbeddingJobStore;
  readonly #indexes: IndexCache;
  readonly #queryCache = new Map<string, Float32Array>();
  #servingEmbedder: Embedder | undefined;
  #queue: EmbeddingQueue | undefined;
  #registered = false;
  /** Kicks still opening the index before their drain starts. */
  readonly #kicks = new Set<Promise<void>>();

  /**
   * @param options - database, configuration, stored vectors, the busy messages, the closing signal
   * @throws ConfigError when the embeddings settings are unusable (see `embedderFromSpec`)
   */
  constructor(options: EmbedderLifecycleOptions) {
    this.#options = options;
    this.#database = options.database;
    this.#config = options.config;
    this.#log = options.log;
    this.#spec = embedderSpec(options.config);
    this.embedder = embedderFromSpec(this.#spec, options.config);
    this.#state = new MemoryStateStore(options.database);
    this.#jobs = new EmbeddingJobStore(options.database);
    this.#indexes = new IndexCache({
      directory: join(options.config.dataDir, 'vectors'),
      store: options.vectors,
      settings: options.config.memory.index,
      log: options.log,
      databaseId: () => this.#state.databaseId(),
      open: options.openIndex,
    });
  }

  /** The embedder that serves recall: the configured one, or the previous one while re-embedding for a new model. */
  serving(): EmbedderSpec {
    const stored = this.#state.serving();
    if (typeof stored !== 'string') return stored;
    if (stored === 'unreadable')
      this.#log.warn('memory_state.serving is unreadable; the configured embedder serves recall');
    try {
      this.#state.setServing(this.#spec);
    } catch (error) {
      // A read-only database (a read-only command on a write-protected file): serve without storing it.
      if (!isReadOnlyDatabase(error)) throw error;
    }
    return this.#spec;
  }

  /**
   * The embedder that embeds recall queries for a spec (no retries: a query has a time budget).
   * @returns the embedder, or why there is none (the cloud is off)
   */
  #embedderFor(spec: EmbedderSpec): Embedder | string {
    if (spec.id === this.embedder.id) return this.embedder;
    if (this.#servingEmbedder?.id === spec.id) return this.#servingEmbedder;
    // The old model serves recall while a new one is filled; its queries must obey allowCloud too.
    const refusal = spec.provider === 'openai' ? cloudRefusal(this.#config) : undefined;
    if (refusal !== undefined)
      return `${spec.id} serves recall until re-embedding is done, and ${refusal === 'cloud off' ? 'models.allowCloud is false' : 'OPENAI_API_KEY is not set'}: recall uses BM25 alone meanwhile`;
    const missing = offlineUnavailable(spec);
    if (missing !== undefined)
      return `${spec.id} serves recall until re-embedding is done, and ${missing}: recall uses BM25 alone meanwhile`;
    this.#servingEmbedder = embedderFromSpec(spec, this.#config, { retries: 0 });
    return this.#servingEmbedder;
  }

  /**
   * Word-to-word similarity from the embedder that serves recall, for the
   * prompt's relevance gate: the word vectors of the offline word-vector
   * embedder once loaded (a recall query loads them); undefined for the
   * hashing and HTTP embedders (the gate then matches words by stem).
   * @returns the similarity, or undefined
   */
  wordSimilarity(): WordSimilarity | undefined {
    const embedder = this.#embedderFor(this.serving());
    return embedder instanceof GloveEmbedder ? embedder.wordSimilarity() : undefined;
  }

  /**
   * The index of an embedding model, opened once per process (a failed open is tried again next time).
   * @param model - embedder id
   * @returns the index (it may still be rebuilding: see `VectorIndex.state`)
   * @throws Error when the index library cannot be loaded
   */
  index(model: string): Promise<VectorIndex> {
    return this.#indexes.get(model);
  }

  /**
   * A model's index and how it was opened, when this process has opened it.
   * @param model - embedder id
   */
  opened(model: string): OpenedIndex | undefined {
    return this.#indexes.opened(model);
  }

  /**
   * The index that serves recall, or why there is none.
   * @param spec - the serving embedder
   */
  async servingIndex(spec: EmbedderSpec): Promise<VectorIndex | string> {
    try {
      return await this.index(spec.id);
    } catch (error) {
      return `vector index unavailable: ${describeError(error)}`;
    }
  }

  /**
   * Embed a recall query with the serving embedder, within `memory.recall.queryTimeoutMs`.
   * @param text - the query
   * @param signal - cancels it
   * @returns the vector, or why there is none (recall then uses BM25 alone)
   */
  async embedQuery(text: string, signal?: AbortSignal): Promise<Float32Array | string> {
    const spec = this.serving();
    const embedder = this.#embedderFor(spec);
    if (typeof embedder === 'string') return embedder;
    const cached = this.#queryCache.get(`${spec.id}\n${text}`);
    if (cached !== undefined) return cached;
    const timeoutMs = this.#config.memory.recall.queryTimeoutMs;
    const budget = AbortSignal.timeout(timeoutMs);
    try {
      const [vector] = await embedder.embed([text], {
        signal: signal === undefined ? budget : AbortSignal.any([signal, budget]),
      });
      if (vector === undefined) return 'the embedder returned nothing';
      if (this.#queryCache.size >= QUERY_CACHE_SIZE)
        this.#queryCache.delete(this.#queryCache.keys().next().value as string);
      this.#queryCache.set(`${spec.id}\n${text}`, vector);
      return vector;
    } catch (error) {
      const reason = budget.aborted
        ? `query embedding took over ${timeoutMs} ms`
        : `query embedding failed: ${describeError(error)}`;
      this.#log.warn({ embedder: spec.id }, `recall without vectors: ${reason}`);
      return reason;
    }
  }

  async #queueReady(): Promise<EmbeddingQueue> {
    if (this.#queue === undefined) {
      const index = await this.index(this.embedder.id);
      this.#queue ??= new EmbeddingQueue({
        database: this.#database,
        store: this.#options.vectors,
        embedder: this.embedder,
        index,
        log: this.#log,
        recent: (text) => this.#queryCache.get(`${this.embedder.id}\n${text}`),
        busy: this.#options.busy,
        otherModels: () => this.#state.activeModels(),
        onDrained: () => this.#afterDrain(),
      });
    }
    if (!this.#registered) {
      this.#registered = true;
      this.#register();
    }
    return this.#queue;
  }

  /**
   * Make this process's embedder one of the models in use (jobs are then
   * queued for it), and when it is not the one serving recall, queue every
   * memory it has no vector for: a re-embedding, in the background.
   */
  #register(): void {
    const serving = this.serving();
    const model = this.embedder.id;
    let queued: number | undefined;
    try {
      queued = this.#registerIn(serving.id, model);
    } catch (error) {
      // A read-only database (a read-only command on a read-only file) can queue nothing: the status is read as it is.
      if (!isReadOnlyDatabase(error)) throw error;
      return;
    }
    if (queued !== undefined)
      this.#log.warn(
        { from: serving.id, to: model, texts: queued },
        `embedding model changed: re-embedding ${queued} texts in the background; ${serving.id} serves recall until it is done`,
      );
  }

  /** {@link #register}'s transaction: the models in use, and the re-embedding it queues (undefined when none). */
  #registerIn(serving: string, model: string): number | undefined {
    return this.#database
      .transaction((): number | undefined => {
        const active = this.#state.activeModels();
        if (!active.includes(serving)) active.push(serving);
        if (!active.includes(model)) active.push(model);
        this.#state.setActiveModels(active);
        if (serving === model || this.#state.reembed()?.target === model) return undefined;
        const count = this.#jobs.enqueueMissing(model);
        this.#state.setReembed({ target: model, total: count + this.#options.vectors.stats(model).count });
        return count;
      })
      .immediate();
  }

  /** After a drain: save the index when enough changed, and switch recall to a re-embedded model once it has every vector. */
  #afterDrain(): void {
    this.opened(this.embedder.id)?.index.maybeSave();
    const queue = this.#queue;
    if (queue === undefined || this.#state.reembed()?.target !== this.embedder.id || queue.pending() > 0) return;
    if (this.#jobs.missing(this.embedder.id) > 0) return;
    const previous = this.serving().id;
    this.#database
      .transaction(() => {
        this.#state.setServing(this.#spec);
        this.#state.setActiveModels([this.embedder.id]);
        this.#state.setReembed(undefined);
        this.#jobs.removeModel(previous);
      })
      .immediate();
    this.#servingEmbedder = undefined;
    this.#log.info(
      { from: previous, to: this.embedder.id },
      're-embedding done: the new embedding model serves recall',
    );
  }

  /**
   * Embed what is queued now, in the foreground (`steward memory embed`).
   * @param options - progress callback (done, total), retry failed jobs, cancellation
   * @returns what was done
   * @throws Error when the index cannot be opened; SqliteError if the database fails
   */
  async embedPending(
    options: { onProgress?: (done: number, total: number) => void; retry?: boolean; signal?: AbortSignal } = {},
  ): Promise<DrainResult> {
    const queue = await this.#queueReady();
    if (options.retry === true) queue.resetFailures();
    const result = await queue.drain({ onProgress: options.onProgress, signal: options.signal });
    (await this.index(this.embedder.id)).save();
    return result;
  }

  /** Start an embedding pass after the current turn (opening the index first when needed); failures are logged. */
  kick(): void {
    if (this.#options.signal.aborted) return;
    const kicked = this.#queueReady()
      .then((queue) => queue.kick())
      .catch((error: unknown) => this.#log.error({ err: error }, `embedding pass failed: ${describeError(error)}`));
    this.#kicks.add(kicked);
    void kicked.finally(() => this.#kicks.delete(kicked));
  }

  /**
   * Delete every vector and queued job of a memory (it was forgotten), and leave it out of the open indexes.
   * @param ref - the memory
   */
  removeVectors(ref: MemoryRef): void {
    const removed = this.#database
      .transaction(() => {
        this.#jobs.removeOwner(ref);
        return this.#options.vectors.remove(ref);
      })
      .immediate();
    this.#indexes.remove(removed);
  }

  /**
   * Make this process's embedder a model in use (after a change of model,
   * that queues every memory it has no vector for), then count its queue.
   * @returns texts waiting for the configured embedder
   * @throws Error when the index cannot be opened; SqliteError if the database fails
   */
  async backlog(): Promise<number> {
    await this.#queueReady();
    return this.#jobs.count(this.embedder.id);
  }

  /** The configured model's queue: texts waiting, and those that failed too often. */
  queueCounts(): { pending: number; stuck: number } {
    return { pending: this.#jobs.count(this.embedder.id), stuck: this.#jobs.count(this.embedder.id, MAX_JOB_ATTEMPTS) };
  }

  /**
   * Re-embedding for the configured model, while another serves recall.
   * @returns done and total texts, or undefined when none is in progress
   */
  reembedProgress(): { done: number; total: number } | undefined {
    const reembed = this.#state.reembed();
    if (reembed?.target !== this.embedder.id || this.serving().id === this.embedder.id) return undefined;
    return { done: Math.max(0, reembed.total - this.#jobs.count(this.embedder.id)), total: reembed.total };
  }

  /** Resolves when no embedding drain is running or about to start. */
  async idle(): Promise<void> {
    // A kick may still be opening the index: its drain counts too.
    await Promise.all([...this.#kicks]);
    await this.#queue?.idle();
  }

  /** Stop the queue (a drain in progress is cancelled; its jobs stay queued), then write the index files. */
  async close(): Promise<void> {
    await this.#queue?.stop(0);
    await this.#indexes.close();
  }
}
