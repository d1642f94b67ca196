import { z } from 'zod';
import type { Clock } from '../shared/time.js';
import type { StoredMessage } from './conversations.js';
import { toTimestamp, type Database } from '../shared/database.js';
import { contentWords, stem, truncate } from './text.js';

/** The structured summary of one session, as the model must return it (prompts/summarize-episode.md). */
export const episodeSummarySchema = z.object({
  summary: z
    .string()
    .trim()
    .min(1)
    .max(1200)
    .describe('Two or three sentences: what the conversation was about and what came of it.'),
  topics: z
    .array(z.string().trim().min(1).max(60))
    .max(8)
    .describe('Short topic labels, for example "marathon training".'),
  sentiment: z.enum(['positive', 'neutral', 'negative', 'mixed']).describe("The owner's overall mood."),
  actions: z.array(z.string().trim().min(1).max(200)).max(10).describe('What was done: recorded, decided, changed.'),
  followups: z
    .array(z.string().trim().min(1).max(200))
    .max(10)
    .describe('What is still open: questions, promises, things to check on.'),
});

/** A session summary (see {@link episodeSummarySchema}); `unknown` sentiment only for heuristic ones. */
export type EpisodeSummary = Omit<z.infer<typeof episodeSummarySchema>, 'sentiment'> & {
  sentiment: z.infer<typeof episodeSummarySchema>['sentiment'] | 'unknown';
};

/** One finished conversation session, summarized. */
export interface Episode extends EpisodeSummary {
  /** Row id. */
  id: number;
  /** The session it summarizes. */
  sessionId: number;
  /** repl, cli or signal. */
  channel: string;
  /** `model` or `heuristic` (to be upgraded when a model is up). */
  method: 'model' | 'heuristic';
  /** Provider that wrote it, for model summaries. */
  provider: string | null;
  /** Failed model attempts. */
  attempts: number;
  /** ISO instant of the session's first message. */
  started: string;
  /** ISO instant of its last message. */
  ended: string;
}

interface EpisodeRow {
  id: number;
  session_id: number;
  channel: string;
  summary: string;
  topics: string;
  sentiment: Episode['sentiment'];
  actions: string;
  followups: string;
  method: Episode['method'];
  provider: string | null;
  attempts: number;
  started: string;
  ended: string;
}

function toEpisode(row: EpisodeRow): Episode {
  const list = (text: string): string[] => {
    const parsed: unknown = JSON.parse(text);
    return Array.isArray(parsed) ? parsed.filter((item): item is string => typeof item === 'string') : [];
  };
  return {
    id: row.id,
    sessionId: row.session_id,
    channel: row.channel,
    summary: row.summary,
    topics: list(row.topics),
    sentiment: row.sentiment,
    actions: list(row.actions),
    followups: list(row.followups),
    method: row.method,
    provider: row.provider,
    attempts: row.attempts,
    started: row.started,
    ended: row.ended,
  };
}

/** A session waiting for its episode. */
export interface FinishedSession {
  /** Session id. */
  id: number;
  /** repl, cli or signal. */
  channel: string;
}

/**
 * A summary made without a model: the first and last things the owner
 * said, the most frequent content words as topics, the commands run as
 * actions, and the messages no model answered as follow-ups. Stored with
 * method `heuristic` and upgraded by a model later.
 * @param messages - the session's messages, oldest first
 * @returns the summary
 */
export function heuristicSummary(messages: readonly StoredMessage[]): EpisodeSummary {
  const asked = messages.filter((message) => message.role === 'user');
  const first = asked[0]?.text ?? '';
  const last = asked[asked.length - 1]?.text ?? '';
  const counts = new Map<string, { word: string; count: number }>();
  for (const message of asked) {
    for (const word of contentWords(message.text)) {
      if (word.length < 3 || /^\d+$/.test(word)) continue;
      const key = stem(word);
      const entry = counts.get(key) ?? { word, count: 0 };
      entry.count += 1;
      counts.set(key, entry);
    }
  }
  const topics = [...counts.values()]
    .sort((left, right) => right.count - left.count || left.word.localeCompare(right.word))
    .slice(0, 5)
    .map((entry) => entry.word);
  const actions: string[] = [];
  const followups: string[] = [];
  messages.forEach((message, index) => {
    if (message.role !== 'assistant') return;
    const question = messages[index - 1];
    if (question?.role !== 'user') return;
    if (typeof message.meta.command === 'string' && message.meta.kind === 'command')
      actions.push(truncate(question.text, 120));
    if (message.meta.kind === 'error' && message.meta.command === undefined)
      followups.push(`Unanswered: ${truncate(question.text, 120)}`);
  });
  const said = asked.length === 1 ? `"${truncate(first, 120)}"` : `"${truncate(first, 100)}" … "${truncate(last, 80)}"`;
  return {
    summary: `${asked.length} message${asked.length === 1 ? '' : 's'} from the owner: ${said}.`,
    topics,
    sentiment: 'unknown',
    actions: actions.slice(0, 10),
    followups: followups.slice(0, 10),
  };
}

/**
 * Episodes: one per finished session, written when the session ends (by
 * /end, by leaving the REPL, or after `memory.sessionIdleMinutes` of
 * silence, which the daemon checks every minute).
 */
export class EpisodeStore {
  readonly #database: Database;
  readonly #clock: Clock;

  /**
   * @param database - an open, migrated database
   * @param clock - for timestamps and idle checks
   */
  constructor(database: Database, clock: Clock) {
    this.#database = database;
    this.#clock = clock;
  }

  /**
   * End every open session quiet for longer than `idleMs`.
   * @param idleMs - idle time, in ms
   * @returns how many sessions were ended
   */
  endIdleSessions(idleMs: number): number {
    const cutoff = toTimestamp(new Date(this.#clock.now().getTime() - idleMs));
    return this.#database
      .prepare('UPDATE sessions SET ended_at = last_activity_at WHERE ended_at IS NULL AND last_activity_at < ?')
      .run(cutoff).changes;
  }

  /**
   * Ended sessions that have no episode yet, oldest first.
   * @param limit - how many at most
   */
  unsummarized(limit: number): FinishedSession[] {
    return this.#database
      .prepare<[number], FinishedSession>(
        'SELECT id, channel FROM sessions WHERE ended_at IS NOT NULL AND summarized_at IS NULL ORDER BY id LIMIT ?',
      )
      .all(limit);
  }

  /** How many ended sessions have no episode yet (for `steward memory`). */
  unsummarizedCount(): number {
    return (
      this.#database
        .prepare<[], { count: number }>(
          'SELECT count(*) AS count FROM sessions WHERE ended_at IS NOT NULL AND summarized_at IS NULL',
        )
        .get()?.count ?? 0
    );
  }

  /**
   * A session as episodes see it.
   * @param sessionId - the session
   * @returns the session and whether it is summarized already (or needs no episode), or undefined when there is none
   */
  session(sessionId: number): { session: FinishedSession; summarized: boolean } | undefined {
    const row = this.#database
      .prepare<[number], FinishedSession & { summarized_at: string | null }>(
        'SELECT id, channel, summarized_at FROM sessions WHERE id = ?',
      )
      .get(sessionId);
    return row === undefined
      ? undefined
      : { session: { id: row.id, channel: row.channel }, summarized: row.summarized_at !== null };
  }

  /**
   * Store (or replace) a session's episode and mark the session summarized, in one transaction.
   * @param session - the session
   * @param messages - its messages (for the start and end times)
   * @param summary - the summary
   * @param how - `model` with the provider id, or `heuristic`
   * @returns the episode
   */
  save(
    session: FinishedSession,
    messages: readonly StoredMessage[],
    summary: EpisodeSummary,
    how: { method: 'model'; provider: string } | { method: 'heuristic' },
  ): Episode {
    const now = toTimestamp(this.#clock.now());
    const started = messages[0]?.createdAt ?? now;
    const ended = messages[messages.length - 1]?.createdAt ?? now;
    const provider = how.method === 'model' ? how.provider : null;
    return this.#database
      .transaction(() => {
        this.#database
          .prepare(
            `INSERT INTO episodes (session_id, channel, summary, topics, sentiment, actions, followups, method, provider, started, ended, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (session_id) DO UPDATE SET summary = excluded.summary, topics = excluded.topics, sentiment = excluded.sentiment,
             actions = excluded.actions, followups = excluded.followups, method = excluded.method, provider = excluded.provider, updated_at = excluded.updated_at`,
          )
          .run(
            session.id,
            session.channel,
            summary.summary,
            JSON.stringify(summary.topics),
            summary.sentiment,
            JSON.stringify(summary.actions),
            JSON.stringify(summary.followups),
            how.method,
            provider,
            started,
            ended,
            now,
            now,
          );
        this.#database.prepare('UPDATE sessions SET summarized_at = ? WHERE id = ?').run(now, session.id);
        return this.bySession(session.id) as Episode;
      })
      .immediate();
  }

  /**
   * Mark a session as needing no episode (the owner said nothing in it).
   * @param sessionId - the session
   */
  skip(sessionId: number): void {
    this.#database
      .prepare('UPDATE sessions SET summarized_at = ? WHERE id = ?')
      .run(toTimestamp(this.#clock.now()), sessionId);
  }

  /**
   * The episode of a session.
   * @param sessionId - the session
   */
  bySession(sessionId: number): Episode | undefined {
    const row = this.#database
      .prepare<[number], EpisodeRow>('SELECT * FROM episodes WHERE session_id = ?')
      .get(sessionId);
    return row === undefined ? undefined : toEpisode(row);
  }

  /**
   * Heuristic episodes to upgrade with a model, oldest first, skipping those that failed `maxAttempts` times.
   * @param limit - how many at most
   * @param maxAttempts - give up after this many failed model attempts
   */
  heuristic(limit: number, maxAttempts: number): Episode[] {
    return this.#database
      .prepare<[number, number], EpisodeRow>(
        "SELECT * FROM episodes WHERE method = 'heuristic' AND attempts < ? ORDER BY id LIMIT ?",
      )
      .all(maxAttempts, limit)
      .map(toEpisode);
  }

  /**
   * Count a failed model attempt at an episode.
   * @param sessionId - the episode's session
   */
  failedAttempt(sessionId: number): void {
    this.#database.prepare('UPDATE episodes SET attempts = attempts + 1 WHERE session_id = ?').run(sessionId);
  }

  /**
   * The latest episodes, newest first.
   * @param limit - how many at most
   * @param options - `exceptSession`: leave this session's episode out; `since`: only episodes that ended after this ISO instant
   */
  latest(limit: number, options: { exceptSession?: number | undefined; since?: string | undefined } = {}): Episode[] {
    return this.#database
      .prepare<[number, string, number], EpisodeRow>(
        'SELECT * FROM episodes WHERE session_id != ? AND ended >= ? ORDER BY ended DESC, id DESC LIMIT ?',
      )
      .all(options.exceptSession ?? -1, options.since ?? '', limit)
      .map(toEpisode);
  }

  /** How many episodes there are, by method. */
  counts(): { model: number; heuristic: number } {
    const rows = this.#database
      .prepare<[], { method: 'model' | 'heuristic'; count: number }>(
        'SELECT method, count(*) AS count FROM episodes GROUP BY method',
      )
      .all();
    return {
      model: rows.find((row) => row.method === 'model')?.count ?? 0,
      heuristic: rows.find((row) => row.method === 'heuristic')?.count ?? 0,
    };
  }
}
