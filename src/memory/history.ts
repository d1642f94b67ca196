import type { Database } from '../shared/database.js';
import { toMessage, type MessageRow, type StoredMessage } from './conversations.js';

/**
 * Past conversations as the owner looks them up (`steward history`,
 * `/history`, `/search`): sessions newest first with their length and
 * their episode's summary, FTS5 search over every message with highlighted
 * snippets, and one session in full.
 */

/** One past conversation in a list. */
export interface SessionSummary {
  /** Session id (`steward history show <id>`). */
  id: number;
  /** `repl`, `cli`, `signal`, or an import's source (`chatgpt`). */
  channel: string;
  /** Who it was with. */
  peer: string;
  /** ISO instant of its first message (or when it started, when it has none). */
  startedAt: string;
  /** ISO instant of its last message. */
  lastActivityAt: string;
  /** ISO instant it ended, or null while open. */
  endedAt: string | null;
  /** Messages in it. */
  messages: number;
  /** Its title (imported conversations), or null. */
  title: string | null;
  /** Its episode's summary, or null before it has one. */
  summary: string | null;
  /** The owner's first message, for a session with no summary yet (or null). */
  firstMessage: string | null;
}

/** One search hit. */
export interface MessageHit {
  /** The message. */
  message: StoredMessage;
  /** A few words around the match, each matched word between {@link HIGHLIGHT} markers. */
  snippet: string;
  /** The session it comes from (null for a message outside a session). */
  session: { id: number; channel: string; startedAt: string; title: string | null } | null;
}

/** A message of a session shown in full: the stored message and the model that wrote it (model replies), else null. */
export type HistoryMessage = StoredMessage & { model: string | null };

/** Markers FTS5's `snippet()` puts around a matched word; callers turn them into colours or `*…*`. */
export const HIGHLIGHT = { open: '\u0002', close: '\u0003' } as const;

/** The most words a history search sends to FTS5. */
const MAX_TERMS = 16;

/**
 * An FTS5 MATCH expression in which every word must occur (in any form the
 * porter stemmer folds together), each quoted so that no word is read as
 * FTS5 syntax.
 * @param words - what the owner typed
 * @returns the expression, or undefined when there is no word in it
 */
export function searchExpression(words: string): string | undefined {
  const terms = [...new Set(words.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [])].slice(0, MAX_TERMS);
  if (terms.length === 0) return undefined;
  return terms.map((term) => `"${term}"`).join(' AND ');
}

interface SummaryRow {
  id: number;
  channel: string;
  peer: string;
  started_at: string;
  last_activity_at: string;
  ended_at: string | null;
  title: string | null;
  messages: number;
  first_at: string | null;
  summary: string | null;
  first_message: string | null;
}

const SUMMARY_SELECT = `
  SELECT s.id, s.channel, s.peer, s.started_at, s.last_activity_at, s.ended_at, s.title,
    (SELECT count(*) FROM messages m WHERE m.session_id = s.id) AS messages,
    (SELECT min(created_at) FROM messages m WHERE m.session_id = s.id) AS first_at,
    (SELECT e.summary FROM episodes e WHERE e.session_id = s.id) AS summary,
    (SELECT m.text FROM messages m WHERE m.session_id = s.id AND m.role = 'user' ORDER BY m.created_at, m.id LIMIT 1) AS first_message
  FROM sessions s`;

function toSummary(row: SummaryRow): SessionSummary {
  return {
    id: row.id,
    channel: row.channel,
    peer: row.peer,
    startedAt: row.first_at ?? row.started_at,
    lastActivityAt: row.last_activity_at,
    endedAt: row.ended_at,
    messages: row.messages,
    title: row.title,
    summary: row.summary,
    firstMessage: row.first_message,
  };
}

/** Reads past conversations for the owner. */
export class HistoryStore {
  readonly #database: Database;

  /** @param database - an open, migrated database */
  constructor(database: Database) {
    this.#database = database;
  }

  /**
   * Sessions that hold at least one message, newest first (by their last message).
   * @param options - `limit` (default 20), `channel` to keep one channel, `offset` to page
   */
  sessions(options: { limit?: number; offset?: number; channel?: string | undefined } = {}): SessionSummary[] {
    const rows = this.#database
      .prepare<[string | null, string | null, number, number], SummaryRow>(
        `${SUMMARY_SELECT}
         WHERE EXISTS (SELECT 1 FROM messages m WHERE m.session_id = s.id) AND (? IS NULL OR s.channel = ?)
         ORDER BY s.last_activity_at DESC, s.id DESC LIMIT ? OFFSET ?`,
      )
      .all(options.channel ?? null, options.channel ?? null, options.limit ?? 20, options.offset ?? 0);
    return rows.map(toSummary);
  }

  /** How many sessions hold at least one message. */
  count(): number {
    return (
      this.#database
        .prepare<[], { n: number }>(
          'SELECT count(*) AS n FROM sessions s WHERE EXISTS (SELECT 1 FROM messages m WHERE m.session_id = s.id)',
        )
        .get()?.n ?? 0
    );
  }

  /**
   * One session's summary.
   * @param sessionId - the session
   * @returns it, or undefined when there is no such session
   */
  session(sessionId: number): SessionSummary | undefined {
    const row = this.#database.prepare<[number], SummaryRow>(`${SUMMARY_SELECT} WHERE s.id = ?`).get(sessionId);
    return row === undefined ? undefined : toSummary(row);
  }

  /**
   * Every message of a session, in time order, each model reply with the model that wrote it (from `turns`).
   * @param sessionId - the session
   */
  messages(sessionId: number): HistoryMessage[] {
    return this.#database
      .prepare<[number], MessageRow & { model: string | null }>(
        `SELECT m.*, (SELECT t.model FROM turns t WHERE t.reply_id = m.id LIMIT 1) AS model
         FROM messages m WHERE m.session_id = ? ORDER BY m.created_at, m.id`,
      )
      .all(sessionId)
      .map((row) => ({ ...toMessage(row), model: row.model }));
  }

  /**
   * FTS5 search over every message, best match (BM25) first.
   * @param words - what the owner typed; every word must occur
   * @param options - `limit` (default 20)
   * @returns the hits with highlighted snippets and their sessions; none when there is no word to look for
   */
  search(words: string, options: { limit?: number } = {}): MessageHit[] {
    const match = searchExpression(words);
    if (match === undefined) return [];
    const rows = this.#database
      .prepare<
        [string, string, string, number],
        MessageRow & { snippet: string; s_channel: string | null; s_started: string | null; s_title: string | null }
      >(
        `SELECT m.*, snippet(messages_fts, 0, ?, ?, '…', 16) AS snippet,
           s.channel AS s_channel, s.started_at AS s_started, s.title AS s_title
         FROM messages_fts JOIN messages m ON m.id = messages_fts.rowid LEFT JOIN sessions s ON s.id = m.session_id
         WHERE messages_fts MATCH ? ORDER BY bm25(messages_fts), m.id DESC LIMIT ?`,
      )
      .all(HIGHLIGHT.open, HIGHLIGHT.close, match, options.limit ?? 20);
    return rows.map((row) => ({
      message: toMessage(row),
      snippet: row.snippet,
      session:
        row.session_id === null
          ? null
          : {
              id: row.session_id,
              channel: row.s_channel ?? row.channel,
              startedAt: row.s_started ?? row.created_at,
              title: row.s_title,
            },
    }));
  }
}
