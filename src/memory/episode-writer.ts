import type { StewardConfig } from '../config/schema.js';
import type { ModelRouter } from '../models/router.js';
import { completeStructured } from '../models/structured.js';
import { ModelOutputError, NoModelAvailableError } from '../shared/errors.js';
import type { Logger } from '../shared/log.js';
import { renderPrompt } from '../shared/prompts.js';
import type { ConversationStore, StoredMessage } from './conversations.js';
import {
  episodeSummarySchema,
  heuristicSummary,
  type Episode,
  type EpisodeStore,
  type EpisodeSummary,
  type FinishedSession,
} from './episodes.js';

/** Options of {@link EpisodeWriter}. */
export interface EpisodeWriterOptions {
  /** Sessions and messages (the transcript). */
  conversations: ConversationStore;
  /** Where episodes are stored. */
  episodes: EpisodeStore;
  /** The model router (the fast tier writes summaries). */
  router: ModelRouter;
  /** The configuration (`memory.episodes`, `memory.backgroundLocalOnly`). */
  config: StewardConfig;
  /** Logger. */
  log: Logger;
  /** Fires when steward is closing: a model call in progress is cancelled. */
  signal: AbortSignal;
}

/** How {@link EpisodeWriter.write} goes about one session. */
export interface WriteOptions {
  /** Ask the model (false when it failed earlier in this pass: the heuristic summary is stored). */
  tryModel: boolean;
  /** Rewrite a heuristic episode with the model; when it fails, the heuristic one stays. */
  upgrade?: boolean | undefined;
  /** Give the model this long, in ms (leaving the REPL); without it only `signal` ends the call. */
  timeoutMs?: number | undefined;
}

/** Model attempts at upgrading one episode before giving up (junk answers only; an outage does not count). */
export const MAX_SUMMARY_ATTEMPTS = 3;
/** Characters of a session's transcript given to the summarizer (the end is kept). */
const TRANSCRIPT_CHARS = 8000;
/** Who said a message, in a transcript for the summarizer: an imported message keeps its speaker's name. */
function speakerLabel(message: StoredMessage): string {
  if (message.meta.kind === 'imported') return message.sender;
  return message.role === 'user' ? 'owner' : 'steward';
}

/** Structured memory work is near-deterministic. */
const STRUCTURED_TEMPERATURE = 0;

/**
 * Writes the episode of a finished session: the fast tier's structured
 * summary (prompts/summarize-episode.md, checked with
 * {@link episodeSummarySchema}), or, when no model answers or it answers
 * with junk, the heuristic summary, stored as such and upgraded later.
 */
export class EpisodeWriter {
  readonly #options: EpisodeWriterOptions;

  /**
   * @param options - conversations, episodes, the router, settings, logger, the closing signal
   */
  constructor(options: EpisodeWriterOptions) {
    this.#options = options;
  }

  /**
   * Write (or upgrade) the episode of a session.
   * @param session - the session
   * @param options - whether to ask the model, upgrade, and its time budget
   * @returns the episode, or undefined when the owner said nothing in the session (it is marked as needing none)
   * @throws SqliteError if the database fails; any model failure other than no model, junk or the time budget
   */
  async write(session: FinishedSession, options: WriteOptions): Promise<Episode | undefined> {
    const { conversations, episodes, config, log, signal: stop } = this.#options;
    const messages = conversations.history(session.id, 2000);
    if (!messages.some((message) => message.role === 'user')) {
      episodes.skip(session.id);
      return undefined;
    }
    if (config.memory.episodes.summarizeWithModel && options.tryModel) {
      try {
        const signal =
          options.timeoutMs === undefined ? stop : AbortSignal.any([stop, AbortSignal.timeout(options.timeoutMs)]);
        const { summary, provider } = await this.#modelSummary(messages, signal);
        const episode = episodes.save(session, messages, summary, { method: 'model', provider });
        log.info(
          { sessionId: session.id, episode: episode.id, provider },
          options.upgrade === true ? 'heuristic episode upgraded by the model' : 'episode written',
        );
        return episode;
      } catch (error) {
        const timedOut = options.timeoutMs !== undefined && !stop.aborted && (error as Error).name === 'TimeoutError';
        if (!(error instanceof NoModelAvailableError) && !(error instanceof ModelOutputError) && !timedOut) throw error;
        log.warn(
          { sessionId: session.id },
          `episode summary by model failed (${timedOut ? `no answer within ${options.timeoutMs} ms` : (error as Error).message.split('. ')[0]}); ${options.upgrade === true ? 'the heuristic one stays' : 'a heuristic one is stored and upgraded later'}`,
        );
        if (options.upgrade === true) {
          // Only junk counts against the upgrade; an outage just waits for the next pass.
          if (error instanceof ModelOutputError) episodes.failedAttempt(session.id);
          return episodes.bySession(session.id);
        }
        const episode = episodes.save(session, messages, heuristicSummary(messages), { method: 'heuristic' });
        if (error instanceof ModelOutputError) episodes.failedAttempt(session.id);
        return episode;
      }
    }
    if (options.upgrade === true) return episodes.bySession(session.id);
    return episodes.save(session, messages, heuristicSummary(messages), { method: 'heuristic' });
  }

  async #modelSummary(
    messages: readonly StoredMessage[],
    signal: AbortSignal,
  ): Promise<{ summary: EpisodeSummary; provider: string }> {
    let transcript = messages
      .filter((message) => message.meta.kind !== 'error' && message.meta.kind !== 'cancelled')
      .map(
        (message) => `${speakerLabel(message)} (${message.createdAt.slice(0, 16).replace('T', ' ')}): ${message.text}`,
      )
      .join('\n');
    if (transcript.length > TRANSCRIPT_CHARS) transcript = '…' + transcript.slice(-TRANSCRIPT_CHARS);
    const result = await completeStructured(
      this.#options.router,
      'fast',
      [
        { role: 'system', content: renderPrompt('summarize-episode') },
        { role: 'user', content: transcript },
      ],
      episodeSummarySchema,
      {
        name: 'episode_summary',
        temperature: STRUCTURED_TEMPERATURE,
        localOnly: this.#options.config.memory.backgroundLocalOnly,
        signal,
        log: this.#options.log,
      },
    );
    return { summary: result.parsed, provider: result.provider.id };
  }
}
