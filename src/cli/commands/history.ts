import {
  formatSearchHits,
  formatSession,
  formatSessionList,
  markHighlights,
  resolveSession,
  type HistoryTextOptions,
} from '../../app/history-text.js';
import { HistoryStore } from '../../memory/history.js';
import { colorsFor, supportsColor } from '../../shared/colors.js';
import { NotFoundError, UsageError } from '../../shared/errors.js';
import { openSteward } from '../bootstrap.js';

/** Options shared by the history commands. */
export interface HistoryOptions {
  /** Print JSON (shapes in docs/data.md). */
  json?: boolean | undefined;
  /** How many rows, as typed. */
  limit?: string | undefined;
  /** Only this channel (list). */
  channel?: string | undefined;
}

function parseLimit(text: string | undefined, usage: string): number {
  if (text === undefined) return 20;
  const limit = Number(text);
  if (!Number.isInteger(limit) || limit < 1)
    throw new UsageError(`--limit must be a whole number, not "${text}".`, usage);
  return limit;
}

async function withHistory(
  run: (history: HistoryStore, text: HistoryTextOptions) => string | object,
  json: boolean,
): Promise<number> {
  const { steward } = await openSteward({ stderr: false });
  try {
    const result = run(new HistoryStore(steward.database), {
      colors: colorsFor(json ? false : process.stdout),
      timeZone: steward.timeZone,
    });
    process.stdout.write(typeof result === 'string' ? `${result}\n` : `${JSON.stringify(result, null, 2)}\n`);
    return 0;
  } finally {
    await steward.close();
  }
}

/**
 * `steward history [--limit N] [--channel C] [--json]`: past conversations,
 * newest first, with date, length, channel and the episode's summary.
 * @param options - limit, channel, JSON
 * @returns 0
 * @throws UsageError for a bad limit
 */
export function historyListCommand(options: HistoryOptions): Promise<number> {
  const limit = parseLimit(options.limit, 'steward history [--limit N] [--channel C] [--json]');
  return withHistory((history, text) => {
    const sessions = history.sessions({ limit, channel: options.channel });
    const total = history.count();
    return options.json === true ? { total, sessions } : formatSessionList(sessions, text, total);
  }, options.json === true);
}

/**
 * `steward history search <words> [--limit N] [--json]`: FTS5 over every
 * message, best first, with highlighted snippets and their sessions.
 * @param words - the words; every one must occur
 * @param options - limit, JSON
 * @returns 0
 * @throws UsageError for a bad limit or no word to search for
 */
export function historySearchCommand(words: string, options: HistoryOptions): Promise<number> {
  const usage = 'steward history search <words> [--limit N] [--json]';
  const limit = parseLimit(options.limit, usage);
  if (!/[\p{L}\p{N}]/u.test(words)) throw new UsageError('Give a word to search for.', usage);
  return withHistory((history, text) => {
    const hits = history.search(words, { limit });
    if (options.json !== true) return formatSearchHits(words, hits, text, !supportsColor(process.stdout));
    return {
      query: words,
      hits: hits.map((hit) => ({
        ...hit,
        snippet: markHighlights(hit.snippet, text.colors, true),
      })),
    };
  }, options.json === true);
}

/**
 * `steward history show <session> [--json]`: one conversation in full, each
 * reply with its time, provider and model.
 * @param reference - `12`, `#12` or `last`
 * @param options - JSON
 * @returns 0
 * @throws UsageError or NotFoundError when the session is not one
 */
export function historyShowCommand(reference: string, options: HistoryOptions): Promise<number> {
  return withHistory((history, text) => {
    const id = resolveSession(history, reference);
    const session = history.session(id);
    if (session === undefined) throw new NotFoundError('conversation', reference, []);
    const messages = history.messages(id);
    return options.json === true ? { session, messages } : formatSession(session, messages, text);
  }, options.json === true);
}
