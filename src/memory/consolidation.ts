import type { StewardConfig } from '../config/schema.js';
import type { ModelRouter } from '../models/router.js';
import { describeError } from '../shared/errors.js';
import type { Logger } from '../shared/log.js';
import type { ConversationStore } from './conversations.js';
import { EpisodeWriter, MAX_SUMMARY_ATTEMPTS } from './episode-writer.js';
import type { Episode, EpisodeStore } from './episodes.js';
import type { ExtractionQueue } from './extraction-queue.js';
import { FactExtractor } from './fact-extraction.js';
import type { FactStore, ReconcileOutcome } from './facts.js';

/** Options of {@link Consolidation}. */
export interface ConsolidationOptions {
  /** Sessions and messages. */
  conversations: ConversationStore;
  /** Episodes. */
  episodes: EpisodeStore;
  /** The profile. */
  facts: FactStore;
  /** Messages waiting for fact extraction. */
  extraction: ExtractionQueue;
  /** The model router (the fast tier summarizes and extracts). */
  router: ModelRouter;
  /** The configuration (`memory.*`). */
  config: StewardConfig;
  /** Logger. */
  log: Logger;
  /** Fires when steward is closing: no new pass starts, and model calls in progress are cancelled. */
  signal: AbortSignal;
  /** Called when new texts may wait to be embedded (after a pass, after an episode). */
  onEmbeddable: () => void;
}

/** Ended sessions summarized per pass. */
const SESSIONS_PER_PASS = 5;
/** Messages whose facts are extracted per pass. */
const EXTRACTIONS_PER_PASS = 10;
/** Heuristic episodes upgraded by the model per pass. */
const UPGRADES_PER_PASS = 2;

/**
 * Consolidation: what turns the conversation log into longer-lived memory,
 * off the reply's path. Ended sessions become episodes ({@link EpisodeWriter}),
 * the owner's messages after model turns give facts ({@link FactExtractor}),
 * and heuristic episodes are rewritten by the model once one is up.
 *
 * All of it is kept as rows (sessions without `summarized_at`, messages
 * with `facts_state = pending`), so a crash or a model outage delays the
 * work and loses none. {@link background} does it, one pass at a time.
 */
export class Consolidation {
  readonly #options: ConsolidationOptions;
  readonly #writer: EpisodeWriter;
  readonly #extractor: FactExtractor;
  #background: Promise<void> | undefined;
  #again = false;

  /**
   * @param options - stores, the router, settings, logger, the closing signal, and the embedding hook
   */
  constructor(options: ConsolidationOptions) {
    this.#options = options;
    const { conversations, episodes, facts, extraction, router, config, log, signal } = options;
    this.#writer = new EpisodeWriter({ conversations, episodes, router, config, log, signal });
    this.#extractor = new FactExtractor({ facts, queue: extraction, router, config, log, signal });
  }

  /**
   * Ask the fast tier for the facts of one message and reconcile them with the profile.
   * @param messageId - the stored message
   * @param text - its text
   * @returns what was done with each fact
   * @throws NoModelAvailableError when no (local, by default) model answered
   * @throws ModelOutputError when the model answered with junk
   */
  extractFacts(messageId: number, text: string): Promise<ReconcileOutcome[]> {
    return this.#extractor.extract(messageId, text);
  }

  /**
   * Mark a model turn's message for fact extraction and start a pass, when extraction is on.
   * @param messageId - the owner's stored message
   * @param options - `run: false`: mark it only, for a later pass (a one-shot process); default true
   * @returns whether it was marked (false when `memory.extraction.enabled` is off)
   */
  queueExtraction(messageId: number, options: { run?: boolean } = {}): boolean {
    if (!this.#options.config.memory.extraction.enabled) return false;
    this.#options.extraction.mark(messageId);
    if (options.run !== false) void this.background();
    return true;
  }

  /**
   * End a session now and write its episode: by the model within
   * `memory.closeTimeoutMs`, else the heuristic one (upgraded later).
   * @param sessionId - the session
   * @param options - `model: false` writes the heuristic episode at once, for the model to upgrade later (leaving the REPL never waits on a model)
   * @returns the episode, or undefined when the owner said nothing in it
   * @throws SqliteError if the database fails (a model failure gives the heuristic episode)
   */
  async endSession(sessionId: number, options: { model?: boolean } = {}): Promise<Episode | undefined> {
    const { conversations, episodes, config, onEmbeddable } = this.#options;
    conversations.endSession(sessionId);
    const found = episodes.session(sessionId);
    if (found === undefined) return undefined;
    if (found.summarized) return episodes.bySession(sessionId);
    const episode = await this.#writer.write(found.session, {
      tryModel: options.model !== false,
      timeoutMs: config.memory.closeTimeoutMs,
    });
    onEmbeddable();
    return episode;
  }

  /**
   * The daemon's minute: end sessions idle for `memory.sessionIdleMinutes`, then run a pass.
   * @returns how many sessions were ended
   */
  async sweep(): Promise<number> {
    const ended = this.#options.episodes.endIdleSessions(this.#options.config.memory.sessionIdleMinutes * 60_000);
    if (ended > 0) this.#options.log.info({ ended }, 'idle sessions ended');
    await this.background();
    return ended;
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
    if (this.#options.signal.aborted) return Promise.resolve();
    if (this.#background !== undefined) {
      this.#again = true;
      return this.#background;
    }
    this.#background = (async () => {
      do {
        this.#again = false;
        try {
          await this.#pass();
        } catch (error) {
          this.#options.log.error({ err: error }, `memory background pass failed: ${describeError(error)}`);
        }
      } while (this.#again && !this.#options.signal.aborted);
    })().finally(() => {
      this.#background = undefined;
    });
    return this.#background;
  }

  async #pass(): Promise<void> {
    const { episodes, config, signal } = this.#options;
    const withModel = config.memory.episodes.summarizeWithModel;
    let modelUp = true;
    for (const session of episodes.unsummarized(SESSIONS_PER_PASS)) {
      if (signal.aborted) return;
      const episode = await this.#writer.write(session, { tryModel: modelUp });
      if (episode?.method === 'heuristic' && withModel) modelUp = false;
    }
    if (modelUp && config.memory.extraction.enabled) modelUp = await this.#extractor.extractDue(EXTRACTIONS_PER_PASS);
    if (modelUp && withModel) {
      for (const episode of episodes.heuristic(UPGRADES_PER_PASS, MAX_SUMMARY_ATTEMPTS)) {
        if (signal.aborted) return;
        const upgraded = await this.#writer.write(
          { id: episode.sessionId, channel: episode.channel },
          { tryModel: true, upgrade: true },
        );
        if (upgraded?.method !== 'model') break;
      }
    }
    this.#options.onEmbeddable();
  }

  /** Whether a pass is running. */
  get running(): boolean {
    return this.#background !== undefined;
  }

  /** Resolves when the pass in progress (if any) is done; never rejects. */
  async idle(): Promise<void> {
    await this.#background?.catch(() => undefined);
  }
}
