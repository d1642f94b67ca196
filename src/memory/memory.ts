import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { z } from 'zod';
import { renderPrompt } from '../shared/prompts.js';
import type { StewardConfig } from '../config/schema.js';
import type { ModelRouter } from '../models/router.js';
import { completeStructured } from '../models/structured.js';
import { describeError, ModelOutputError, NoModelAvailableError } from '../shared/errors.js';
import type { Logger } from '../shared/log.js';
import type { Clock } from '../shared/time.js';
import type { ConversationStore, StoredMessage } from './conversations.js';
import { toTimestamp, type Database } from '../shared/database.js';
import { EmbeddingQueue, MAX_JOB_ATTEMPTS, type DrainResult } from './embed-queue.js';
import {
  createEmbedder,
  HashingEmbedder,
  HttpEmbedder,
  OPENAI_EMBEDDING_MODEL,
  type Embedder,
} from './embedders/index.js';
import { EmbeddingStore } from './embedding-store.js';
import {
  EpisodeStore,
  episodeSummarySchema,
  heuristicSummary,
  type Episode,
  type EpisodeSummary,
  type FinishedSession,
} from './episodes.js';
import { FACT_CATEGORIES, factText, FactStore, type Fact, type FactCategory, type ReconcileOutcome } from './facts.js';
import { HybridRecall, type RecallOptions, type RecallResult } from './recall.js';
import { truncate } from './text.js';
import { VectorIndex, type IndexOpenReport } from './vector-index.js';

/** Options of {@link Memory.create}. */
export interface MemoryOptions {
  /** The open, migrated database. */
  database: Database;
  /** The configuration (`memory.*`, `embeddings.*`). */
  config: StewardConfig;
  /** Clock. */
  clock: Clock;
  /** Logger. */
  log: Logger;
  /** The model router (fact extraction and episode summaries use the fast tier). */
  router: ModelRouter;
  /** Sessions and messages. */
  conversations: ConversationStore;
}

/** What one turn gets from memory (see {@link Memory.contextFor}). */
export interface MemoryContext {
  /** High-confidence profile facts, one line each (`preference · coffee order: oat flat white`). */
  profile: string[];
  /** "Where we left off": the latest other session's summary and open follow-ups, or undefined. */
  leftOff: string | undefined;
  /** Recalled memories for this message, best first. */
  recall: RecallResult;
}

/** The embedder that serves recall, as stored in `memory_state` (no secrets). */
interface EmbedderSpec {
  id: string;
  provider: 'offline' | 'http' | 'openai';
  url: string | null;
  model: string | null;
  dimensions: number;
}

/** What `/status`, `steward doctor` and `steward memory` show. */
export interface MemoryStatus {
  /** The configured embedder's id and kind. */
  embedder: { id: string; kind: Embedder['kind'] };
  /** The embedder whose index serves recall (differs from `embedder` while re-embedding). */
  serving: string;
  /** Texts waiting to be embedded, and how many of them failed too often. */
  queue: { pending: number; stuck: number };
  /** Re-embedding for a new model: done and total texts, when in progress. */
  reembed: { done: number; total: number } | undefined;
  /** The serving index, once opened this process. */
  index: { state: string; vectors: number; file: string; opened: IndexOpenReport | undefined } | undefined;
  /** Stored vectors per model. */
  vectors: Array<{ model: string; count: number }>;
  /** Row counts. */
  counts: {
    messages: number;
    episodes: { model: number; heuristic: number };
    facts: number;
    pendingExtraction: number;
    unsummarizedSessions: number;
  };
}

const extractedFactsSchema = z.object({
  facts: z
    .array(
      z.object({
        category: z.string().describe(`One of ${FACT_CATEGORIES.join(', ')}.`),
        key: z.string().trim().min(1).max(80),
        value: z.string().trim().min(1).max(300),
        confidence: z.number().min(0).max(1),
      }),
    )
    .max(12),
});

/** Model attempts at one message's facts, or at upgrading one episode, before giving up. */
const MAX_MODEL_ATTEMPTS = 3;
/** How long a process holds a message it is extracting facts from, in ms (longer than a model request). */
const EXTRACTION_LEASE_MS = 5 * 60_000;
/** Characters of a session's transcript given to the summarizer (the end is kept). */
const TRANSCRIPT_CHARS = 8000;
/** Structured memory work is near-deterministic. */
const STRUCTURED_TEMPERATURE = 0;

function specOf(config: StewardConfig, embedder: Embedder): EmbedderSpec {
  const settings = config.embeddings;
  const provider = embedder.kind === 'offline' ? 'offline' : embedder.kind === 'cloud' ? 'openai' : 'http';
  return {
    id: embedder.id,
    provider,
    url: provider === 'http' ? settings.url : null,
    model: provider === 'offline' ? null : (settings.model ?? (provider === 'openai' ? OPENAI_EMBEDDING_MODEL : null)),
    dimensions: settings.offlineDimensions,
  };
}

/**
 * The memory engine: episodic memory (one episode per finished session),
 * the semantic profile (facts reconciled as mem0 does), stored embeddings
 * with an HNSW index per embedding model, and hybrid recall. Everything is
 * in the one SQLite database; the index files are caches.
 *
 * Work off the reply's path: embedding (a durable queue), fact extraction
 * (messages marked `facts_state = pending`) and episode summaries (ended
 * sessions without `summarized_at`) are all kept as rows, so a crash or a
 * model outage delays them and loses none. {@link background} does them,
 * one pass at a time.
 */
export class Memory {
  /** The semantic profile. */
  readonly facts: FactStore;
  /** Episodes. */
  readonly episodes: EpisodeStore;
  /** Stored vectors. */
  readonly vectors: EmbeddingStore;
  /** The configured embedder (new texts are embedded with it). */
  readonly embedder: Embedder;
  readonly #database: Database;
  readonly #config: StewardConfig;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #router: ModelRouter;
  readonly #conversations: ConversationStore;
  readonly #directory: string;
  readonly #indexes = new Map<string, Promise<{ index: VectorIndex; report: IndexOpenReport }>>();
  readonly #opened = new Map<string, { index: VectorIndex; report: IndexOpenReport }>();
  readonly #queryCache = new Map<string, Float32Array>();
  /** Inbound messages whose turn is running. */
  readonly #turns = new Set<number>();
  #servingEmbedder: Embedder | undefined;
  #queue: EmbeddingQueue | undefined;
  #reembedChecked = false;
  #background: Promise<void> | undefined;
  #backgroundAgain = false;
  #stop = new AbortController();
  #closed = false;

  private constructor(options: MemoryOptions, embedder: Embedder) {
    this.#database = options.database;
    this.#config = options.config;
    this.#clock = options.clock;
    this.#log = options.log.child({ component: 'memory' });
    this.#router = options.router;
    this.#conversations = options.conversations;
    this.#directory = join(options.config.dataDir, 'vectors');
    this.embedder = embedder;
    this.facts = new FactStore(options.database, options.clock);
    this.episodes = new EpisodeStore(options.database, options.clock);
    this.vectors = new EmbeddingStore(options.database, options.clock);
  }

  /**
   * Set up the memory engine. Cheap: no index file is read until the first
   * recall or embedding pass, so a command-only `steward run` pays nothing.
   * @param options - database, configuration, router
   * @returns the engine
   * @throws ConfigError when the embeddings settings are unusable (see `createEmbedder`)
   */
  static create(options: MemoryOptions): Memory {
    return new Memory(options, createEmbedder(options.config));
  }

  #state(key: string): string | undefined {
    return this.#database.prepare<[string], { value: string }>('SELECT value FROM memory_state WHERE key = ?').get(key)
      ?.value;
  }

  #setState(key: string, value: string | undefined): void {
    if (value === undefined) this.#database.prepare('DELETE FROM memory_state WHERE key = ?').run(key);
    else
      this.#database
        .prepare(
          'INSERT INTO memory_state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
        )
        .run(key, value);
  }

  /** The embedder that serves recall: the configured one, or the previous one while re-embedding for a new model. */
  #serving(): EmbedderSpec {
    const stored = this.#state('serving');
    if (stored !== undefined) {
      try {
        return JSON.parse(stored) as EmbedderSpec;
      } catch {
        this.#log.warn('memory_state.serving is unreadable; the configured embedder serves recall');
      }
    }
    const spec = specOf(this.#config, this.embedder);
    this.#setState('serving', JSON.stringify(spec));
    return spec;
  }

  /**
   * The embedder that embeds recall queries for `spec`.
   * @returns the embedder, or why there is none (the cloud is off)
   */
  #embedderFor(spec: EmbedderSpec): Embedder | string {
    if (spec.id === this.embedder.id) return this.embedder;
    if (this.#servingEmbedder?.id === spec.id) return this.#servingEmbedder;
    const settings = this.#config.embeddings;
    const common = { batchSize: settings.batchSize, timeoutMs: settings.timeoutMs, retries: 0 };
    let embedder: Embedder;
    if (spec.provider === 'offline') embedder = new HashingEmbedder(spec.dimensions);
    else if (spec.provider === 'openai') {
      // The old model serves recall while a new one is filled; its queries must obey allowCloud too.
      if (!this.#config.models.allowCloud)
        return `${spec.id} serves recall until re-embedding is done, and models.allowCloud is false: recall uses BM25 alone meanwhile`;
      if (this.#config.models.openai.apiKey === null)
        return `${spec.id} serves recall until re-embedding is done, and OPENAI_API_KEY is not set: recall uses BM25 alone meanwhile`;
      embedder = new HttpEmbedder({
        ...common,
        id: spec.id,
        kind: 'cloud',
        baseUrl: this.#config.models.openai.baseUrl,
        model: spec.model ?? OPENAI_EMBEDDING_MODEL,
        apiKey: this.#config.models.openai.apiKey,
      });
    } else
      embedder = new HttpEmbedder({
        ...common,
        id: spec.id,
        kind: 'local',
        baseUrl: spec.url ?? '',
        model: spec.model ?? 'default',
        apiKey: settings.apiKey,
      });
    this.#servingEmbedder = embedder;
    return embedder;
  }

  /** This database's id (the index files name it). */
  get #databaseId(): string {
    let id = this.#state('database_id');
    if (id === undefined) {
      id = randomUUID();
      this.#setState('database_id', id);
    }
    return id;
  }

  /**
   * The index of an embedding model, opened once per process (a failed open is tried again next time).
   * @param model - embedder id
   * @returns the index (it may still be rebuilding: see `VectorIndex.state`)
   * @throws Error when hnswlib-node cannot be loaded
   */
  async index(model: string): Promise<VectorIndex> {
    let opening = this.#indexes.get(model);
    if (opening === undefined) {
      opening = VectorIndex.open({
        model,
        directory: this.#directory,
        store: this.vectors,
        settings: this.#config.memory.index,
        log: this.#log,
        databaseId: this.#databaseId,
      }).then(
        (opened) => {
          this.#opened.set(model, opened);
          this.#log.info(
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
          this.#indexes.delete(model);
          throw error;
        },
      );
      this.#indexes.set(model, opening);
    }
    return (await opening).index;
  }

  /** The embedding models in use: jobs are queued for each (`memory_state.active_models`). */
  #activeModels(): string[] {
    const stored = this.#state('active_models');
    if (stored === undefined) return [];
    try {
      const parsed: unknown = JSON.parse(stored);
      return Array.isArray(parsed) ? parsed.filter((item): item is string => typeof item === 'string') : [];
    } catch {
      return [];
    }
  }

  async #queueReady(): Promise<EmbeddingQueue> {
    if (this.#queue === undefined) {
      const index = await this.index(this.embedder.id);
      this.#queue ??= new EmbeddingQueue({
        database: this.#database,
        store: this.vectors,
        embedder: this.embedder,
        index,
        log: this.#log,
        recent: (text) => this.#queryCache.get(`${this.embedder.id}\n${text}`),
        busy: () => this.#turns,
        otherModels: () => this.#activeModels(),
        onDrained: () => this.#afterDrain(),
      });
    }
    if (!this.#reembedChecked) {
      this.#reembedChecked = true;
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
    const serving = this.#serving();
    const model = this.embedder.id;
    const queued = this.#database
      .transaction((): number | undefined => {
        const active = this.#activeModels();
        if (!active.includes(serving.id)) active.push(serving.id);
        if (!active.includes(model)) active.push(model);
        this.#setState('active_models', JSON.stringify(active));
        if (serving.id === model || this.#state('reembed_target') === model) return undefined;
        const insert = (sql: string): number => this.#database.prepare(sql).run(model, model).changes;
        let count = 0;
        count +=
          insert(`INSERT OR IGNORE INTO embedding_jobs (owner_type, owner_id, model) SELECT 'message', m.id, ? FROM messages m
           WHERE ((m.role = 'user' AND json_extract(m.meta, '$.command') IS NULL) OR json_extract(m.meta, '$.kind') = 'agent')
             AND NOT EXISTS (SELECT 1 FROM embeddings e WHERE e.owner_type = 'message' AND e.owner_id = m.id AND e.model = ?)`);
        count +=
          insert(`INSERT OR IGNORE INTO embedding_jobs (owner_type, owner_id, model) SELECT 'episode', p.id, ? FROM episodes p
           WHERE NOT EXISTS (SELECT 1 FROM embeddings e WHERE e.owner_type = 'episode' AND e.owner_id = p.id AND e.model = ?)`);
        count +=
          insert(`INSERT OR IGNORE INTO embedding_jobs (owner_type, owner_id, model) SELECT 'fact', f.id, ? FROM facts f
           WHERE f.valid_to IS NULL AND NOT EXISTS (SELECT 1 FROM embeddings e WHERE e.owner_type = 'fact' AND e.owner_id = f.id AND e.model = ?)`);
        this.#setState('reembed_target', model);
        this.#setState('reembed_total', String(count + this.vectors.stats(model).count));
        return count;
      })
      .immediate();
    if (queued !== undefined)
      this.#log.warn(
        { from: serving.id, to: model, texts: queued },
        `embedding model changed: re-embedding ${queued} texts in the background; ${serving.id} serves recall until it is done`,
      );
  }

  /** Memories with no vector yet for `model` (what a re-embedding still has to do). */
  #uncovered(model: string): number {
    const count = (sql: string): number => this.#database.prepare<[string], { n: number }>(sql).get(model)?.n ?? 0;
    return (
      count(`SELECT count(*) AS n FROM messages m WHERE ((m.role = 'user' AND json_extract(m.meta, '$.command') IS NULL) OR json_extract(m.meta, '$.kind') = 'agent')
               AND NOT EXISTS (SELECT 1 FROM embeddings e WHERE e.owner_type = 'message' AND e.owner_id = m.id AND e.model = ?)`) +
      count(
        `SELECT count(*) AS n FROM episodes p WHERE NOT EXISTS (SELECT 1 FROM embeddings e WHERE e.owner_type = 'episode' AND e.owner_id = p.id AND e.model = ?)`,
      ) +
      count(
        `SELECT count(*) AS n FROM facts f WHERE f.valid_to IS NULL AND NOT EXISTS (SELECT 1 FROM embeddings e WHERE e.owner_type = 'fact' AND e.owner_id = f.id AND e.model = ?)`,
      )
    );
  }

  /** After a drain: save the index when enough changed, and switch recall to a re-embedded model once it has every vector. */
  #afterDrain(): void {
    this.#opened.get(this.embedder.id)?.index.maybeSave();
    const queue = this.#queue;
    if (queue === undefined || this.#state('reembed_target') !== this.embedder.id || queue.pending() > 0) return;
    if (this.#uncovered(this.embedder.id) > 0) return;
    const previous = this.#serving().id;
    this.#database
      .transaction(() => {
        this.#setState('serving', JSON.stringify(specOf(this.#config, this.embedder)));
        this.#setState('active_models', JSON.stringify([this.embedder.id]));
        this.#setState('reembed_target', undefined);
        this.#setState('reembed_total', undefined);
        this.#database.prepare('DELETE FROM embedding_jobs WHERE model = ?').run(previous);
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

  #kickEmbeddings(): void {
    if (this.#closed) return;
    void this.#queueReady()
      .then((queue) => queue.kick())
      .catch((error: unknown) => this.#log.error({ err: error }, `embedding pass failed: ${describeError(error)}`));
  }

  async #embedQuery(text: string, signal?: AbortSignal): Promise<Float32Array | string> {
    const spec = this.#serving();
    const embedder = this.#embedderFor(spec);
    if (typeof embedder === 'string') return embedder;
    const cached = this.#queryCache.get(`${spec.id}\n${text}`);
    if (cached !== undefined) return cached;
    const budget = AbortSignal.timeout(this.#config.memory.recall.queryTimeoutMs);
    try {
      const [vector] = await embedder.embed([text], {
        signal: signal === undefined ? budget : AbortSignal.any([signal, budget]),
      });
      if (vector === undefined) return 'the embedder returned nothing';
      if (this.#queryCache.size >= 64) this.#queryCache.delete(this.#queryCache.keys().next().value as string);
      this.#queryCache.set(`${spec.id}\n${text}`, vector);
      return vector;
    } catch (error) {
      const reason = budget.aborted
        ? `query embedding took over ${this.#config.memory.recall.queryTimeoutMs} ms`
        : `query embedding failed: ${describeError(error)}`;
      this.#log.warn({ embedder: spec.id }, `recall without vectors: ${reason}`);
      return reason;
    }
  }

  /**
   * Hybrid recall (BM25 + HNSW, fused by reciprocal rank) over messages,
   * episodes and current facts, catching up on other processes' writes first.
   * @param text - the query
   * @param options - limit, the session to leave out, cancellation
   * @returns hits with their reasons, and whether vectors took part (and if not, why)
   * @throws SqliteError if the database fails (an embedder or index failure only turns vectors off)
   */
  async recall(text: string, options: RecallOptions = {}): Promise<RecallResult> {
    const serving = this.#serving();
    const recall = new HybridRecall({
      database: this.#database,
      store: this.vectors,
      index: async () => {
        try {
          return await this.index(serving.id);
        } catch (error) {
          return `vector index unavailable: ${describeError(error)}`;
        }
      },
      embedQuery: (query, signal) => this.#embedQuery(query, signal),
      settings: this.#config.memory.recall,
      clock: this.#clock,
    });
    return recall.search(text, options);
  }

  /**
   * What a model turn gets from memory: the profile, where we left off, and recall for the message.
   * @param turn - the session and the owner's message
   * @returns the memory context (the agent fits it into the token budget)
   * @throws SqliteError if the database fails
   */
  async contextFor(turn: {
    sessionId: number;
    text: string;
    signal?: AbortSignal | undefined;
  }): Promise<MemoryContext> {
    const profileFacts = this.facts.current(this.#config.memory.profileMinConfidence);
    const profile = profileFacts
      .sort(
        (left, right) =>
          right.confidence - left.confidence ||
          left.category.localeCompare(right.category) ||
          left.key.localeCompare(right.key),
      )
      .map((fact) => `${fact.category} · ${factText(fact)}`);
    const last = this.episodes.latest(1, { exceptSession: turn.sessionId })[0];
    const leftOff = last === undefined ? undefined : describeLeftOff(last);
    // What the turn has already (the profile, where we left off) is left out before the limit, so recall fills its slots with the rest.
    const exclude = new Set([
      ...profileFacts.map((fact) => `fact:${fact.id}`),
      ...(last === undefined ? [] : [`episode:${last.id}`]),
    ]);
    const recall = await this.recall(turn.text, { excludeSessionId: turn.sessionId, exclude, signal: turn.signal });
    return { profile, leftOff, recall };
  }

  /**
   * Called when a turn starts, after its message is stored: the embedding
   * queue leaves that message alone until {@link afterTurn}.
   * @param inboundId - the stored message
   */
  beginTurn(inboundId: number): void {
    this.#turns.add(inboundId);
  }

  /**
   * Called after every turn: the message of a model turn (answered, or
   * not answered because no model was up) is marked for fact extraction;
   * then embeddings and the other background work run, after the reply
   * has gone out.
   * @param turn - the stored inbound message, the reply's kind, and whether it went to the model (not a command)
   */
  afterTurn(turn: { inboundId: number; kind: 'agent' | 'command' | 'error' | 'cancelled'; modelTurn: boolean }): void {
    this.#turns.delete(turn.inboundId);
    if (this.#closed) return;
    if (turn.modelTurn && turn.kind !== 'cancelled' && this.#config.memory.extraction.enabled) {
      this.#database
        .prepare("UPDATE messages SET facts_state = 'pending' WHERE id = ? AND facts_state IS NULL")
        .run(turn.inboundId);
      void this.background();
      return;
    }
    // A command needs no model: embed only when the index is open anyway (a long-lived REPL or daemon).
    if (turn.modelTurn || this.#opened.has(this.embedder.id)) this.#kickEmbeddings();
  }

  /**
   * End a session now and write its episode: by the model within
   * `memory.closeTimeoutMs`, else the heuristic one (upgraded later).
   * @param sessionId - the session
   * @returns the episode, or undefined when the owner said nothing in it
   * @throws SqliteError if the database fails (a model failure gives the heuristic episode)
   */
  async endSession(sessionId: number): Promise<Episode | undefined> {
    this.#conversations.endSession(sessionId);
    const row = this.#database
      .prepare<[number], FinishedSession & { summarized_at: string | null }>(
        'SELECT id, channel, summarized_at FROM sessions WHERE id = ?',
      )
      .get(sessionId);
    if (row === undefined) return undefined;
    if (row.summarized_at !== null) return this.episodes.bySession(sessionId);
    const episode = await this.#summarize(
      { id: row.id, channel: row.channel },
      { tryModel: true, timeoutMs: this.#config.memory.closeTimeoutMs },
    );
    this.#kickEmbeddings();
    return episode;
  }

  /**
   * The daemon's minute: end sessions idle for `memory.sessionIdleMinutes`, then run the background work.
   * @returns how many sessions were ended
   */
  async sweep(): Promise<number> {
    const ended = this.episodes.endIdleSessions(this.#config.memory.sessionIdleMinutes * 60_000);
    if (ended > 0) this.#log.info({ ended }, 'idle sessions ended');
    await this.background();
    return ended;
  }

  /**
   * Start the background work at once in a long-lived process (the REPL
   * after its prompt, the daemon at start): open the index, embed what is
   * queued, and catch up on summaries and extraction left by earlier processes.
   */
  warm(): void {
    this.#kickEmbeddings();
    void this.background();
  }

  /**
   * One pass of the background work, serialized (a call during a pass runs
   * one more pass after it): episodes for ended sessions, fact extraction
   * for marked messages, model upgrades of heuristic episodes, then
   * embeddings. A model outage ends the model steps of the pass; their rows
   * wait for the next one.
   * @returns resolves when the pass (and any pass asked for meanwhile) is done; never rejects
   */
  background(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    if (this.#background !== undefined) {
      this.#backgroundAgain = true;
      return this.#background;
    }
    this.#background = (async () => {
      do {
        this.#backgroundAgain = false;
        try {
          await this.#pass();
        } catch (error) {
          this.#log.error({ err: error }, `memory background pass failed: ${describeError(error)}`);
        }
      } while (this.#backgroundAgain && !this.#closed);
    })().finally(() => {
      this.#background = undefined;
    });
    return this.#background;
  }

  async #pass(): Promise<void> {
    let modelUp = true;
    for (const session of this.episodes.unsummarized(5)) {
      if (this.#stop.signal.aborted) return;
      const episode = await this.#summarize(session, { tryModel: modelUp });
      if (episode?.method === 'heuristic' && this.#config.memory.episodes.summarizeWithModel) modelUp = false;
    }
    if (modelUp && this.#config.memory.extraction.enabled) modelUp = await this.#extractPending(10);
    if (modelUp && this.#config.memory.episodes.summarizeWithModel) {
      for (const episode of this.episodes.heuristic(2, MAX_MODEL_ATTEMPTS)) {
        if (this.#stop.signal.aborted) return;
        const upgraded = await this.#summarize(
          { id: episode.sessionId, channel: episode.channel },
          { tryModel: true, upgrade: true },
        );
        if (upgraded?.method !== 'model') break;
      }
    }
    this.#kickEmbeddings();
  }

  async #summarize(
    session: FinishedSession,
    options: { tryModel: boolean; upgrade?: boolean; timeoutMs?: number },
  ): Promise<Episode | undefined> {
    const messages = this.#conversations.history(session.id, 2000);
    if (!messages.some((message) => message.role === 'user')) {
      this.episodes.skip(session.id);
      return undefined;
    }
    if (this.#config.memory.episodes.summarizeWithModel && options.tryModel) {
      try {
        const signal =
          options.timeoutMs === undefined
            ? this.#stop.signal
            : AbortSignal.any([this.#stop.signal, AbortSignal.timeout(options.timeoutMs)]);
        const { summary, provider } = await this.#modelSummary(messages, signal);
        const episode = this.episodes.save(session, messages, summary, { method: 'model', provider });
        this.#log.info(
          { sessionId: session.id, episode: episode.id, provider },
          options.upgrade === true ? 'heuristic episode upgraded by the model' : 'episode written',
        );
        return episode;
      } catch (error) {
        const timedOut =
          options.timeoutMs !== undefined && !this.#stop.signal.aborted && (error as Error).name === 'TimeoutError';
        if (!(error instanceof NoModelAvailableError) && !(error instanceof ModelOutputError) && !timedOut) throw error;
        this.#log.warn(
          { sessionId: session.id },
          `episode summary by model failed (${timedOut ? `no answer within ${options.timeoutMs} ms` : (error as Error).message.split('. ')[0]}); ${options.upgrade === true ? 'the heuristic one stays' : 'a heuristic one is stored and upgraded later'}`,
        );
        if (options.upgrade === true) {
          // Only junk counts against the upgrade; an outage just waits for the next pass.
          if (error instanceof ModelOutputError) this.episodes.failedAttempt(session.id);
          return this.episodes.bySession(session.id);
        }
        const episode = this.episodes.save(session, messages, heuristicSummary(messages), { method: 'heuristic' });
        if (error instanceof ModelOutputError) this.episodes.failedAttempt(session.id);
        return episode;
      }
    }
    if (options.upgrade === true) return this.episodes.bySession(session.id);
    return this.episodes.save(session, messages, heuristicSummary(messages), { method: 'heuristic' });
  }

  async #modelSummary(
    messages: readonly StoredMessage[],
    signal: AbortSignal,
  ): Promise<{ summary: EpisodeSummary; provider: string }> {
    let transcript = messages
      .filter((message) => message.meta.kind !== 'error' && message.meta.kind !== 'cancelled')
      .map(
        (message) =>
          `${message.role === 'user' ? 'owner' : 'steward'} (${message.createdAt.slice(0, 16).replace('T', ' ')}): ${message.text}`,
      )
      .join('\n');
    if (transcript.length > TRANSCRIPT_CHARS) transcript = '…' + transcript.slice(-TRANSCRIPT_CHARS);
    const result = await completeStructured(
      this.#router,
      'fast',
      [
        { role: 'system', content: renderPrompt('summarize-episode') },
        { role: 'user', content: transcript },
      ],
      episodeSummarySchema,
      {
        name: 'episode_summary',
        temperature: STRUCTURED_TEMPERATURE,
        localOnly: this.#config.memory.backgroundLocalOnly,
        signal,
        log: this.#log,
      },
    );
    return { summary: result.parsed, provider: result.provider.id };
  }

  /** @returns false when no model answered (the rest waits for the next pass) */
  async #extractPending(limit: number): Promise<boolean> {
    const now = (): string => toTimestamp(this.#clock.now());
    const pending = this.#database
      .prepare<[string, number], { id: number; text: string; facts_attempts: number }>(
        "SELECT id, text, facts_attempts FROM messages WHERE facts_state = 'pending' OR (facts_state = 'running' AND facts_lease_until < ?) ORDER BY id LIMIT ?",
      )
      .all(now(), limit);
    // A message is claimed before its model call, so that a REPL and a daemon never extract it twice.
    const claim = this.#database.prepare(
      "UPDATE messages SET facts_state = 'running', facts_lease_until = ? WHERE id = ? AND (facts_state = 'pending' OR (facts_state = 'running' AND facts_lease_until < ?))",
    );
    for (const message of pending) {
      if (this.#stop.signal.aborted) return true;
      const leaseUntil = toTimestamp(new Date(this.#clock.now().getTime() + EXTRACTION_LEASE_MS));
      if (claim.run(leaseUntil, message.id, now()).changes === 0) continue;
      try {
        const outcomes = await this.extractFacts(message.id, message.text);
        this.#database
          .prepare("UPDATE messages SET facts_state = 'done', facts_lease_until = NULL WHERE id = ?")
          .run(message.id);
        if (outcomes.length > 0)
          this.#log.info(
            { messageId: message.id, facts: outcomes.map((outcome) => outcome.action) },
            'facts extracted',
          );
      } catch (error) {
        if (error instanceof NoModelAvailableError || this.#stop.signal.aborted) {
          this.#database
            .prepare("UPDATE messages SET facts_state = 'pending', facts_lease_until = NULL WHERE id = ?")
            .run(message.id);
          if (error instanceof NoModelAvailableError)
            this.#log.info({ pending: pending.length }, 'fact extraction waits: no local model answered');
          return false;
        }
        if (!(error instanceof ModelOutputError)) {
          this.#database
            .prepare("UPDATE messages SET facts_state = 'pending', facts_lease_until = NULL WHERE id = ?")
            .run(message.id);
          throw error;
        }
        const attempts = message.facts_attempts + 1;
        this.#database
          .prepare('UPDATE messages SET facts_attempts = ?, facts_state = ?, facts_lease_until = NULL WHERE id = ?')
          .run(attempts, attempts >= MAX_MODEL_ATTEMPTS ? 'failed' : 'pending', message.id);
        this.#log.warn(
          { messageId: message.id, attempts, excerpt: error.excerpt },
          `fact extraction: ${error.message}`,
        );
      }
    }
    return true;
  }

  /**
   * Ask the fast tier for facts in one of the owner's messages
   * (prompts/extract-facts.md, structured output) and reconcile each with
   * the profile as an inferred fact.
   * @param messageId - the stored message
   * @param text - its text
   * @returns what was done with each fact
   * @throws NoModelAvailableError when no (local, by default) model answered
   * @throws ModelOutputError when the model answered with junk
   */
  async extractFacts(messageId: number, text: string): Promise<ReconcileOutcome[]> {
    const known = this.facts
      .current()
      .slice(0, 60)
      .map((fact) => `- ${fact.key}: ${fact.value}`);
    const result = await completeStructured(
      this.#router,
      'fast',
      [
        {
          role: 'system',
          content: renderPrompt('extract-facts', { known: known.length === 0 ? '(none yet)' : known.join('\n') }),
        },
        { role: 'user', content: text },
      ],
      extractedFactsSchema,
      {
        name: 'extracted_facts',
        temperature: STRUCTURED_TEMPERATURE,
        localOnly: this.#config.memory.backgroundLocalOnly,
        signal: this.#stop.signal,
        log: this.#log,
      },
    );
    const outcomes: ReconcileOutcome[] = [];
    for (const candidate of result.parsed.facts) {
      if (candidate.confidence < this.#config.memory.extraction.minConfidence) continue;
      const category = (FACT_CATEGORIES as readonly string[]).includes(candidate.category.toLowerCase())
        ? (candidate.category.toLowerCase() as FactCategory)
        : 'other';
      outcomes.push(
        this.facts.reconcile({
          category,
          key: candidate.key,
          value: candidate.value,
          confidence: candidate.confidence,
          source: 'inferred',
          messageId,
        }),
      );
    }
    return outcomes;
  }

  /**
   * Retire a fact ("forget"): no longer current, never recalled; its
   * vectors are deleted and mark-deleted in the open indexes.
   * @param fact - the fact
   * @param messageId - the message that asked
   * @returns the retired fact
   * @throws Error when the fact does not exist; SqliteError if the database fails
   */
  forget(fact: Fact, messageId: number | null): Fact {
    const retired = this.facts.forget(fact.id, 'the owner asked to forget it', messageId);
    const removed = this.#database.transaction(() => {
      this.#database.prepare("DELETE FROM embedding_jobs WHERE owner_type = 'fact' AND owner_id = ?").run(fact.id);
      return this.vectors.remove({ type: 'fact', id: fact.id });
    })();
    for (const row of removed) this.#opened.get(row.model)?.index.remove(row.id);
    return retired;
  }

  /** What `/status`, doctor and `steward memory` show. */
  status(): MemoryStatus {
    const serving = this.#serving();
    const opened = this.#opened.get(serving.id);
    const target = this.#state('reembed_target');
    const count = (sql: string): number => this.#database.prepare<[], { count: number }>(sql).get()?.count ?? 0;
    const jobs = (minimumAttempts: number): number =>
      this.#database
        .prepare<[string, number], { count: number }>(
          "SELECT count(*) AS count FROM embedding_jobs WHERE model IN (?, '*') AND attempts >= ?",
        )
        .get(this.embedder.id, minimumAttempts)?.count ?? 0;
    const pending = jobs(0);
    const total = Number(this.#state('reembed_total') ?? 0);
    return {
      embedder: { id: this.embedder.id, kind: this.embedder.kind },
      serving: serving.id,
      queue: { pending, stuck: jobs(MAX_JOB_ATTEMPTS) },
      reembed:
        target === this.embedder.id && serving.id !== this.embedder.id
          ? { done: Math.max(0, total - pending), total }
          : undefined,
      index:
        opened === undefined
          ? undefined
          : { state: opened.index.state, vectors: opened.index.size, file: opened.index.file, opened: opened.report },
      vectors: this.vectors.models(),
      counts: {
        messages: count('SELECT count(*) AS count FROM messages'),
        episodes: this.episodes.counts(),
        facts: count('SELECT count(*) AS count FROM facts WHERE valid_to IS NULL'),
        pendingExtraction: count("SELECT count(*) AS count FROM messages WHERE facts_state = 'pending'"),
        unsummarizedSessions: count(
          'SELECT count(*) AS count FROM sessions WHERE ended_at IS NOT NULL AND summarized_at IS NULL',
        ),
      },
    };
  }

  /** Resolves when the background work and the embedding queue are idle (tests, shutdown). */
  async idle(): Promise<void> {
    for (let round = 0; round < 10; round += 1) {
      await this.#background;
      const queue = this.#queue;
      if (queue !== undefined) await queue.idle();
      if (this.#background === undefined) return;
    }
  }

  /**
   * Finish or leave background work (waiting up to `memory.closeTimeoutMs`;
   * what is left waits in its rows for the next start), then write the index files.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    const timeoutMs = this.#config.memory.closeTimeoutMs;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
    await Promise.race([this.idle(), deadline]);
    clearTimeout(timer);
    this.#closed = true;
    this.#stop.abort(new Error('steward is closing'));
    await this.#background?.catch(() => undefined);
    await this.#queue?.stop(0);
    for (const { index } of this.#opened.values()) await index.close();
  }
}

/**
 * The "where we left off" line of a turn's context.
 * @param episode - the latest other episode
 * @returns one line: date, channel, summary (at most 400 characters) and the open follow-ups
 */
export function describeLeftOff(episode: Episode): string {
  const parts = [
    `Where we left off (${episode.ended.slice(0, 10)}, ${episode.channel}): ${truncate(episode.summary, 400)}`,
  ];
  if (episode.followups.length > 0)
    parts.push(
      `Open follow-ups: ${episode.followups
        .map((item) => truncate(item, 120))
        .join('; ')
        .replace(/[.!?]?$/, (end) => end || '.')}`,
    );
  return parts.join(' ');
}
