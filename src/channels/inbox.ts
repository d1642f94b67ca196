import { toTimestamp, type Database } from '../shared/database.js';
import type { Clock } from '../shared/time.js';

/** State of an inbox row. */
export type InboxStatus = 'pending' | 'answered' | 'failed';

/** One inbound message in the inbox. */
export interface InboxEntry {
  /** Row id. */
  id: number;
  /** Unique per message and sender, for example `signal:+15551112222:1700000000000`. */
  idempotencyKey: string;
  /** Channel name, for example `signal`. */
  channel: string;
  /** Who sent it (E.164 number or UUID). */
  sender: string;
  /** The group it was sent in, or null. */
  groupId: string | null;
  /** The text. */
  text: string;
  /** ISO instant the sender sent it. */
  sentAt: string;
  /** ISO instant steward received it. */
  receivedAt: string;
  /** `pending` (to answer), `answered` or `failed` (gave up). */
  status: InboxStatus;
  /** Failed attempts to answer it. */
  attempts: number;
  /** The last failure. */
  lastError: string | null;
  /** Outbox key of the reply, once answered. */
  replyKey: string | null;
}

interface InboxRow {
  id: number;
  idempotency_key: string;
  channel: string;
  sender: string;
  group_id: string | null;
  text: string;
  sent_at: string;
  received_at: string;
  status: InboxStatus;
  attempts: number;
  last_error: string | null;
  reply_key: string | null;
}

function toEntry(row: InboxRow): InboxEntry {
  return {
    id: row.id,
    idempotencyKey: row.idempotency_key,
    channel: row.channel,
    sender: row.sender,
    groupId: row.group_id,
    text: row.text,
    sentAt: row.sent_at,
    receivedAt: row.received_at,
    status: row.status,
    attempts: row.attempts,
    lastError: row.last_error,
    replyKey: row.reply_key,
  };
}

/**
 * The persisted inbox (the transactional-inbox pattern, the mirror of the
 * outbox): an inbound message is written first under a key derived from its
 * envelope, then answered. A redelivered message hits the key and is not
 * answered twice; a message still pending after a restart is answered then.
 */
export class Inbox {
  readonly #database: Database;
  readonly #clock: Clock;

  /**
   * @param database - the migrated database
   * @param clock - source of time
   */
  constructor(database: Database, clock: Clock) {
    this.#database = database;
    this.#clock = clock;
  }

  /**
   * Write a message unless its key is already there.
   * @param message - key, channel, sender, group, text and the sender's time
   * @returns the row, and whether this call created it (false: a redelivery)
   */
  add(message: {
    idempotencyKey: string;
    channel: string;
    sender: string;
    groupId: string | null;
    text: string;
    sentAt: Date;
  }): { entry: InboxEntry; created: boolean } {
    const result = this.#database
      .prepare(
        `INSERT INTO inbox (idempotency_key, channel, sender, group_id, text, sent_at, received_at)
         VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (idempotency_key) DO NOTHING`,
      )
      .run(
        message.idempotencyKey,
        message.channel,
        message.sender,
        message.groupId,
        message.text,
        toTimestamp(message.sentAt),
        toTimestamp(this.#clock.now()),
      );
    const row = this.#database
      .prepare<[string], InboxRow>('SELECT * FROM inbox WHERE idempotency_key = ?')
      .get(message.idempotencyKey);
    if (row === undefined) throw new Error(`inbox row ${message.idempotencyKey} vanished after insert`);
    return { entry: toEntry(row), created: result.changes === 1 };
  }

  /**
   * The oldest message of a channel still to answer.
   * @param channel - for example `signal`
   */
  nextPending(channel: string): InboxEntry | undefined {
    const row = this.#database
      .prepare<[string], InboxRow>("SELECT * FROM inbox WHERE channel = ? AND status = 'pending' ORDER BY id LIMIT 1")
      .get(channel);
    return row === undefined ? undefined : toEntry(row);
  }

  /**
   * Mark a message answered.
   * @param id - the row
   * @param replyKey - the outbox key of the reply
   */
  markAnswered(id: number, replyKey: string): void {
    this.#database
      .prepare("UPDATE inbox SET status = 'answered', reply_key = ?, handled_at = ?, last_error = NULL WHERE id = ?")
      .run(replyKey, toTimestamp(this.#clock.now()), id);
  }

  /**
   * Record a failed attempt to answer; after `maxAttempts` the row is failed.
   * @param id - the row
   * @param error - what went wrong, one line
   * @param maxAttempts - attempts before giving up
   * @returns the row's status after this attempt
   */
  recordFailure(id: number, error: string, maxAttempts: number): InboxStatus {
    this.#database
      .prepare(
        `UPDATE inbox SET attempts = attempts + 1, last_error = ?, status = CASE WHEN attempts + 1 >= ? THEN 'failed' ELSE 'pending' END, handled_at = ? WHERE id = ?`,
      )
      .run(error, maxAttempts, toTimestamp(this.#clock.now()), id);
    return (
      this.#database.prepare<[number], { status: InboxStatus }>('SELECT status FROM inbox WHERE id = ?').get(id)
        ?.status ?? 'failed'
    );
  }

  /**
   * How many rows of a channel are in each state.
   * @param channel - for example `signal`
   */
  counts(channel: string): Record<InboxStatus, number> {
    const counts: Record<InboxStatus, number> = { pending: 0, answered: 0, failed: 0 };
    const rows = this.#database
      .prepare<[string], { status: InboxStatus; count: number }>(
        'SELECT status, COUNT(*) AS count FROM inbox WHERE channel = ? GROUP BY status',
      )
      .all(channel);
    for (const row of rows) counts[row.status] = row.count;
    return counts;
  }

  /**
   * Delete answered and failed rows received more than `olderThanMs` ago
   * (their keys stop guarding against redelivery then).
   * @param olderThanMs - age in ms
   * @returns how many rows were deleted
   */
  prune(olderThanMs: number): number {
    const before = toTimestamp(new Date(this.#clock.now().getTime() - olderThanMs));
    return this.#database.prepare("DELETE FROM inbox WHERE status != 'pending' AND received_at < ?").run(before)
      .changes;
  }

  /**
   * A receive stream's saved resume cursor (the SSE `Last-Event-ID`).
   * @param stream - the stream's name, for example `signal-jsonrpc`
   */
  cursor(stream: string): string | undefined {
    return this.#database
      .prepare<[string], { cursor: string }>('SELECT cursor FROM channel_cursors WHERE channel = ?')
      .get(stream)?.cursor;
  }

  /**
   * Save a receive stream's resume cursor.
   * @param stream - the stream's name
   * @param cursor - the last event id handled
   */
  saveCursor(stream: string, cursor: string): void {
    this.#database
      .prepare(
        'INSERT INTO channel_cursors (channel, cursor, updated_at) VALUES (?, ?, ?) ON CONFLICT (channel) DO UPDATE SET cursor = excluded.cursor, updated_at = excluded.updated_at',
      )
      .run(stream, cursor, toTimestamp(this.#clock.now()));
  }
}
