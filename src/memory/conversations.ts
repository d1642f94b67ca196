import type { Clock } from '../shared/time.js';
import { toTimestamp, type Database } from '../shared/database.js';

/** Who wrote a message. */
export type MessageRole = 'user' | 'assistant';

/** A message as stored in the `messages` table. */
export interface StoredMessage {
  /** Row id. */
  id: number;
  /** Session the message belongs to (null for messages outside a session, such as briefings). */
  sessionId: number | null;
  /** `repl`, `cli` or `signal`. */
  channel: string;
  /** The owner's name or number for user messages, `steward` for replies. */
  sender: string;
  /** `user` or `assistant`. */
  role: MessageRole;
  /** The full text. */
  text: string;
  /** ISO-8601 UTC instant. */
  createdAt: string;
  /** Free-form details (command, provider, tier, via, ...). */
  meta: Record<string, unknown>;
}

/** A message to store (see {@link ConversationStore.record}). */
export type NewMessage = Omit<StoredMessage, 'id' | 'createdAt' | 'meta'> & { meta?: Record<string, unknown> };

/** A `messages` row as stored. */
export interface MessageRow {
  id: number;
  session_id: number | null;
  channel: string;
  sender: string;
  role: MessageRole;
  text: string;
  created_at: string;
  meta: string | null;
}

/**
 * A stored message from its row (meta parsed from JSON).
 * @param row - the row
 */
export function toMessage(row: MessageRow): StoredMessage {
  return {
    id: row.id,
    sessionId: row.session_id,
    channel: row.channel,
    sender: row.sender,
    role: row.role,
    text: row.text,
    createdAt: row.created_at,
    meta: row.meta === null ? {} : (JSON.parse(row.meta) as Record<string, unknown>),
  };
}

/**
 * Sessions and messages: every inbound and outbound message is written here
 * with its channel, sender and time, before the turn goes on.
 */
export class ConversationStore {
  readonly #database: Database;
  readonly #clock: Clock;

  /**
   * @param database - an open, migrated database
   * @param clock - source of timestamps
   */
  constructor(database: Database, clock: Clock) {
    this.#database = database;
    this.#clock = clock;
  }

  /**
   * Start a new session.
   * @param channel - `repl`, `cli` or `signal` (an import's source for imported ones)
   * @param peer - who the session is with (the owner's name or number)
   * @param options - for an imported conversation: when it started (default now), its title and its import key
   * @returns the session id
   * @throws SqliteError (a UNIQUE constraint) when a session with this import key exists already
   */
  startSession(
    channel: string,
    peer: string,
    options: { at?: Date | undefined; title?: string | null | undefined; importKey?: string | undefined } = {},
  ): number {
    const now = toTimestamp(options.at ?? this.#clock.now());
    const result = this.#database
      .prepare(
        'INSERT INTO sessions (channel, peer, started_at, last_activity_at, title, import_key) VALUES (?, ?, ?, ?, ?, ?)',
      )
      .run(channel, peer, now, now, options.title ?? null, options.importKey ?? null);
    return Number(result.lastInsertRowid);
  }

  /**
   * The session imported under an import key, if any.
   * @param importKey - `<source>:<external id>`
   * @returns the session id, or undefined when that conversation was never imported
   */
  importedSession(importKey: string): number | undefined {
    return this.#database
      .prepare<[string], { id: number }>('SELECT id FROM sessions WHERE import_key = ?')
      .get(importKey)?.id;
  }

  /**
   * The open session with `peer` on `channel` that was active within
   * `idleMs`, or a new one (the older one is ended).
   * @param channel - channel name
   * @param peer - who the session is with
   * @param idleMs - how long a session may be quiet before a new one starts, in ms
   * @returns the session id
   */
  resumeSession(channel: string, peer: string, idleMs: number): number {
    const row = this.#database
      .prepare<[string, string], { id: number; last_activity_at: string }>(
        'SELECT id, last_activity_at FROM sessions WHERE channel = ? AND peer = ? AND ended_at IS NULL ORDER BY id DESC LIMIT 1',
      )
      .get(channel, peer);
    if (row !== undefined) {
      const quietMs = this.#clock.now().getTime() - Date.parse(row.last_activity_at);
      if (quietMs <= idleMs) return row.id;
      this.endSession(row.id);
    }
    return this.startSession(channel, peer);
  }

  /**
   * Mark a session as ended (idempotent).
   * @param sessionId - the session to end
   * @param at - when it ended (default now; an imported conversation ends at its last message)
   */
  endSession(sessionId: number, at?: Date): void {
    this.#database
      .prepare('UPDATE sessions SET ended_at = ? WHERE id = ? AND ended_at IS NULL')
      .run(toTimestamp(at ?? this.#clock.now()), sessionId);
  }

  /**
   * Store one message and mark its session active (opening it again if it had ended).
   * @param message - the message to store
   * @param at - when it was written (default now; an imported message keeps its original time)
   * @returns the stored message with its id and timestamp
   */
  record(message: NewMessage, at?: Date): StoredMessage {
    const createdAt = toTimestamp(at ?? this.#clock.now());
    const meta = message.meta ?? {};
    const insert = this.#database.transaction(() => {
      const result = this.#database
        .prepare(
          'INSERT INTO messages (session_id, channel, sender, role, text, created_at, meta) VALUES (?, ?, ?, ?, ?, ?, ?)',
        )
        .run(
          message.sessionId,
          message.channel,
          message.sender,
          message.role,
          message.text,
          createdAt,
          JSON.stringify(meta),
        );
      if (message.sessionId !== null) {
        // A message in a session that was ended under it (the daemon ends every quiet session, a REPL's
        // too) opens it again: its episode is written again, with this message, when it ends.
        this.#database
          .prepare('UPDATE sessions SET last_activity_at = ?, ended_at = NULL, summarized_at = NULL WHERE id = ?')
          .run(createdAt, message.sessionId);
      }
      return Number(result.lastInsertRowid);
    });
    // IMMEDIATE: a deferred transaction that must upgrade to a write lock fails at once with
    // "database is locked" instead of waiting out the busy timeout (issue 10, item 3).
    return { ...message, meta, id: insert.immediate(), createdAt };
  }

  /**
   * Add details to a stored message's meta (for example how it was delivered).
   * @param messageId - the message
   * @param extra - keys to merge into its meta
   */
  annotate(messageId: number, extra: Record<string, unknown>): void {
    const row = this.#database
      .prepare<[number], { meta: string | null }>('SELECT meta FROM messages WHERE id = ?')
      .get(messageId);
    if (row === undefined) return;
    const meta = { ...(row.meta === null ? {} : (JSON.parse(row.meta) as Record<string, unknown>)), ...extra };
    this.#database.prepare('UPDATE messages SET meta = ? WHERE id = ?').run(JSON.stringify(meta), messageId);
  }

  /**
   * Whether a message with this idempotency key (`meta.idempotencyKey`, set
   * on outbound messages) is stored already.
   * @param idempotencyKey - for example `briefing:morning:2026-11-21`
   */
  hasIdempotencyKey(idempotencyKey: string): boolean {
    const row = this.#database
      .prepare<[string], { id: number }>(
        "SELECT id FROM messages WHERE json_extract(meta, '$.idempotencyKey') = ? LIMIT 1",
      )
      .get(idempotencyKey);
    return row !== undefined;
  }

  /**
   * The last `limit` messages of a session, oldest first.
   * @param sessionId - the session
   * @param limit - how many messages at most
   * @param beforeId - only messages with a smaller id (to leave out the current turn)
   */
  history(sessionId: number, limit: number, beforeId = Number.MAX_SAFE_INTEGER): StoredMessage[] {
    if (limit <= 0) return [];
    const rows = this.#database
      .prepare<[number, number, number], MessageRow>(
        'SELECT * FROM messages WHERE session_id = ? AND id < ? ORDER BY id DESC LIMIT ?',
      )
      .all(sessionId, beforeId, limit);
    return rows.reverse().map(toMessage);
  }

  /**
   * The most recent messages on all channels, newest last.
   * @param limit - how many at most
   */
  recent(limit: number): StoredMessage[] {
    const rows = this.#database
      .prepare<[number], MessageRow>('SELECT * FROM messages ORDER BY id DESC LIMIT ?')
      .all(limit);
    return rows.reverse().map(toMessage);
  }

  /** How many messages are stored (for `steward memory`). */
  count(): number {
    return this.#database.prepare<[], { count: number }>('SELECT count(*) AS count FROM messages').get()?.count ?? 0;
  }

  /**
   * The sessions of some messages.
   * @param messageIds - message ids
   * @returns the session of each message that exists (null for a message outside a session)
   */
  sessionsOf(messageIds: readonly number[]): Map<number, number | null> {
    const found = new Map<number, number | null>();
    if (messageIds.length === 0) return found;
    const rows = this.#database
      .prepare<[string], { id: number; session_id: number | null }>(
        'SELECT id, session_id FROM messages WHERE id IN (SELECT value FROM json_each(?))',
      )
      .all(JSON.stringify(messageIds));
    for (const row of rows) found.set(row.id, row.session_id);
    return found;
  }
}
