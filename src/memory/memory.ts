import type { StewardConfig } from '../config/schema.js';
import type { ModelRouter } from '../models/router.js';
import type { Logger } from '../shared/log.js';
import type { Clock } from '../shared/time.js';
import type { Database } from '../shared/database.js';
import { Consolidation } from './consolidation.js';
import type { ConversationStore } from './conversations.js';
import type { DrainResult } from './embed-queue.js';
import { EmbedderLifecycle } from './embedder-lifecycle.js';
import type { Embedder } from './embedders/index.js';
import { EmbeddingStore } from './embedding-store.js';
import { EpisodeStore, type Episode } from './episodes.js';
import { ExtractionQueue } from './extraction-queue.js';
import { FactStore, type Fact, type ReconcileOutcome } from './facts.js';
import { importConversations, type ImportBatch, type ImportResult } from './importer.js';
import { HybridRecall, type RecallOptions, type RecallResult } from './recall.js';
import { memoryStatus, type MemoryStatus } from './status.js';
import { turnContext, type MemoryContext } from './turn-context.js';
import { VectorConversion } from './vector-conversion.js';
import type { OpenVectorIndex, VectorIndex } from './vector-index/index.js';

export type { MemoryStatus } from './status.js';
export type { ImportBatch, ImportedConversation, ImportedMessage, ImportedSession, ImportResult } from './importer.js';
export { describeLeftOff, type MemoryContext } from './turn-context.js';

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
  /** Opens one model's vector index (default `StagedIndex.open`): the seam for another index implementation. */
  openIndex?: OpenVectorIndex | undefined;
}

/**
 * The memory engine, as the rest of steward sees it: episodic memory (one
 * episode per finished session), the semantic profile (facts reconciled as
 * mem0 does), stored embeddings with a vector index per embedding model,
 * and hybrid recall. Everything is in the one SQLite database; the index
 * files are caches.
 *
 * This class is a facade over the parts that do the work, each in its own file:
 *
 * - {@link EmbedderLifecycle} (`embedder-lifecycle.ts`): the configured and
 *   the serving embedder, switching and re-embedding, the index cache and
 *   the embedding queue;
 * - {@link Consolidation} (`consolidation.ts`): episodes and fact extraction,
 *   off the reply's path, in background passes;
 * - {@link HybridRecall} (`recall.ts`) and `turn-context.ts`: what a turn gets;
 * - `status.ts`: what `steward memory` shows.
 *
 * Memories are written the way a turn writes them: the conversation log
 * (`ConversationStore.record`), then {@link afterTurn} and {@link endSession}
 * (the triggers queue their embeddings, consolidation does the rest).
 * {@link importConversations} writes past conversations through that same path.
 */
export class Memory {
  /** The semantic profile. */
  readonly facts: FactStore;
  /** Episodes. */
  readonly episodes: EpisodeStore;
  /** Stored vectors. */
  readonly vectors: EmbeddingStore;
  readonly #options: MemoryOptions;
  readonly #embeddings: EmbedderLifecycle;
  readonly #consolidation: Consolidation;
  readonly #extraction: ExtractionQueue;
  readonly #conversion: VectorConversion;
  /** Inbound messages whose turn is running. */
  readonly #turns = new Set<number>();
  readonly #stop = new AbortController();
  /** Set by {@link deferBackground}: work after a turn is left in its rows. */
  #deferred = false;

  private constructor(options: MemoryOptions) {
    const { database, config, clock, router, conversations } = options;
    const log = options.log.child({ component: 'memory' });
    this.#options = { ...options, log };
    this.facts = new FactStore(database, clock);
    this.episodes = new EpisodeStore(database, clock);
    this.vectors = new EmbeddingStore(database, clock);
    this.#extraction = new ExtractionQueue(database, clock);
    const signal = this.#stop.signal;
    this.#embeddings = new EmbedderLifecycle({
      database,
      config,
      log,
      vectors: this.vectors,
      busy: () => this.#turns,
      signal,
      openIndex: options.openIndex,
    });
    this.#conversion = new VectorConversion({ database, store: this.vectors, log, signal });
    this.#consolidation = new Consolidation({
      conversations,
      episodes: this.episodes,
      facts: this.facts,
      extraction: this.#extraction,
      router,
      config,
      log,
      signal,
      onEmbeddable: () => this.#embeddings.kick(),
    });
  }

  /**
   * Set up the memory engine. Cheap: no index file is read until the first
   * recall or embedding pass, so a command-only `steward run` pays nothing.
   * @param options - database, configuration, router
   * @returns the engine
   * @throws ConfigError when the embeddings settings are unusable (see `createEmbedder`)
   */
  static create(options: MemoryOptions): Memory {
    return new Memory(options);
  }

  /** The configured embedder (new texts are embedded with it). */
  get embedder(): Embedder {
    return this.#embeddings.embedder;
  }

  /**
   * The index of an embedding model, opened once per process (a failed open is tried again next time).
   * @param model - embedder id
   * @returns the index (it may still be rebuilding: see `VectorIndex.state`)
   * @throws Error when the index library cannot be loaded
   */
  index(model: string): Promise<VectorIndex> {
    return this.#embeddings.index(model);
  }

  /**
   * Embed what is queued now, in the foreground (`steward memory embed`).
   * @param options - progress callback (done, total), retry failed jobs, cancellation
   * @returns what was done
   * @throws Error when the index cannot be opened; SqliteError if the database fails
   */
  embedPending(
    options: { onProgress?: (done: number, total: number) => void; retry?: boolean; signal?: AbortSignal } = {},
  ): Promise<DrainResult> {
    return this.#embeddings.embedPending(options);
  }

  /**
   * The texts waiting for the configured embedder, once it is registered as
   * a model in use: after a change of embedding model this queues the
   * re-embedding first, so `steward memory` and `steward memory embed`
   * count it (and do it) before any REPL or daemon has run.
   * @returns texts to embed
   * @throws Error when the index cannot be opened; SqliteError if the database fails
   */
  embeddingBacklog(): Promise<number> {
    return this.#embeddings.backlog();
  }

  /**
   * Hybrid recall (BM25 + HNSW, fused as `memory.recall` says) over messages,
   * episodes and current facts, catching up on other processes' writes first.
   * @param text - the query
   * @param options - limit, the session to leave out, cancellation
   * @returns hits with their reasons, and whether vectors took part (and if not, why)
   * @throws SqliteError if the database fails (an embedder or index failure only turns vectors off)
   */
  recall(text: string, options: RecallOptions = {}): Promise<RecallResult> {
    const serving = this.#embeddings.serving();
    // Both at once: the index opens (its first stage is read off the event loop) while the query is embedded.
    const index = this.#embeddings.servingIndex(serving);
    const embedded = this.#embeddings.embedQuery(text, options.signal);
    const recall = new HybridRecall({
      database: this.#options.database,
      store: this.vectors,
      index: () => index,
      embedQuery: (query, signal) =>
        query === text && signal === options.signal ? embedded : this.#embeddings.embedQuery(query, signal),
      settings: this.#options.config.memory.recall,
      clock: this.#options.clock,
    });
    return recall.search(text, options);
  }

  /**
   * What a model turn gets from memory: the profile, where we left off, and recall for the message.
   * @param turn - the session and the owner's message
   * @returns the memory context (the agent fits it into the token budget)
   * @throws SqliteError if the database fails
   */
  contextFor(turn: { sessionId: number; text: string; signal?: AbortSignal | undefined }): Promise<MemoryContext> {
    return turnContext(turn, {
      facts: this.facts,
      episodes: this.episodes,
      profileMinConfidence: this.#options.config.memory.profileMinConfidence,
      recall: (text, options) => this.recall(text, options),
      relevance: this.#options.config.memory.recall.prompt,
      limit: this.#options.config.memory.recall.limit,
      words: () => this.#embeddings.wordSimilarity(),
    });
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
    if (this.#stop.signal.aborted) return;
    const run = !this.#deferred;
    if (turn.modelTurn && turn.kind !== 'cancelled' && this.#consolidation.queueExtraction(turn.inboundId, { run }))
      return;
    if (!run) return;
    // A command needs no model: embed only when the index is open anyway (a long-lived REPL or daemon).
    if (turn.modelTurn || this.#embeddings.opened(this.embedder.id) !== undefined) this.#embeddings.kick();
  }

  /**
   * For a one-shot process (`steward run`): leave the work that follows a
   * turn (fact extraction, embeddings) queued in its rows, for the next
   * long-lived process to do (the daemon's minute, a REPL's start, see
   * {@link warm}), instead of doing it before the process exits.
   */
  deferBackground(): void {
    this.#deferred = true;
  }

  /**
   * End a session now and write its episode: by the model within
   * `memory.closeTimeoutMs`, else the heuristic one (upgraded later).
   * @param sessionId - the session
   * @param options - `model: false` writes the heuristic episode at once, for the model to upgrade later
   * @returns the episode, or undefined when the owner said nothing in it
   * @throws SqliteError if the database fails (a model failure gives the heuristic episode)
   */
  endSession(sessionId: number, options: { model?: boolean } = {}): Promise<Episode | undefined> {
    return this.#consolidation.endSession(sessionId, options);
  }

  /**
   * Import past conversations (a ChatGPT export, a transcript) as ended
   * sessions whose messages keep their original times, through the same
   * path as a turn's messages, in one transaction per batch, idempotent by
   * `<source>:<externalId>` (see `importer.ts`). Then, off the caller's
   * path, the embedding queue embeds them and the background pass writes
   * their episodes (by the model, else heuristic ones upgraded later).
   * @param batch - the source and its conversations
   * @returns how many conversations were added, skipped as imported before, or empty, and the messages added
   * @throws InvalidImportError when the batch is malformed (nothing is written)
   * @throws SqliteError if the database fails (the batch is rolled back)
   */
  importConversations(batch: ImportBatch): ImportResult {
    const result = importConversations(this.#options.database, this.#options.conversations, batch);
    if (result.added > 0 && !this.#stop.signal.aborted) {
      this.#embeddings.kick();
      void this.background();
    }
    return result;
  }

  /**
   * The daemon's minute: end sessions idle for `memory.sessionIdleMinutes`, then run the background work.
   * @returns how many sessions were ended
   */
  sweep(): Promise<number> {
    return this.#consolidation.sweep();
  }

  /**
   * Start the background work at once in a long-lived process (the REPL
   * after its prompt, the daemon at start): open the index, embed what is
   * queued, catch up on summaries and extraction left by earlier processes,
   * and convert the float32 vectors of an older database to int8.
   */
  warm(): void {
    this.#embeddings.kick();
    void this.background();
    void this.#conversion.start();
  }

  /**
   * One pass of the background work (see `Consolidation.background`):
   * episodes, fact extraction, episode upgrades, then embeddings.
   * @returns resolves when the pass (and any pass asked for meanwhile) is done; never rejects
   */
  background(): Promise<void> {
    return this.#consolidation.background();
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
  extractFacts(messageId: number, text: string): Promise<ReconcileOutcome[]> {
    return this.#consolidation.extractFacts(messageId, text);
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
    this.#embeddings.removeVectors({ type: 'fact', id: fact.id });
    return retired;
  }

  /** What `/status`, doctor and `steward memory` show. */
  status(): MemoryStatus {
    return memoryStatus({
      embeddings: this.#embeddings,
      vectors: this.vectors,
      conversations: this.#options.conversations,
      episodes: this.episodes,
      facts: this.facts,
      extraction: this.#extraction,
      conversion: this.#conversion,
      database: this.#options.database,
    });
  }

  /** Resolves when the background work and the embedding queue are idle (tests, shutdown). */
  async idle(): Promise<void> {
    for (let round = 0; round < 10; round += 1) {
      await this.#consolidation.idle();
      await this.#embeddings.idle();
      if (!this.#consolidation.running) return;
    }
  }

  /**
   * Finish or leave background work (waiting up to `memory.closeTimeoutMs`;
   * what is left waits in its rows for the next start), then write the index files.
   */
  async close(): Promise<void> {
    if (this.#stop.signal.aborted) return;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>(
      (resolve) => (timer = setTimeout(resolve, this.#options.config.memory.closeTimeoutMs)),
    );
    await Promise.race([this.idle(), deadline]);
    clearTimeout(timer);
    this.#stop.abort(new Error('steward is closing'));
    await this.#consolidation.idle();
    await this.#conversion.idle();
    await this.#embeddings.close();
  }
}
