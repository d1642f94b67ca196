/**
 * What an outbox row is: the message, its idempotency key and its delivery
 * state (the shapes of `src/channels/outbox.ts`, and the mapping from the
 * `outbox` table's rows).
 */

/** Sends one message on one channel; throws DeliveryError on failure. */
export type ChannelSender = (recipients: readonly string[], text: string) => Promise<void>;

/** Delivery state of an outbox row. */
export type OutboxStatus = 'pending' | 'sent' | 'failed';

/**
 * Who may retry an outbox row: `daemon`, the retry loop of any process (a
 * scheduled briefing, a Signal reply); `sender`, only the call that queued
 * it, once (a manual send: when it ends without delivery, by a failure,
 * Ctrl-C or a kill, it is never sent later by another process).
 */
export type RetryBy = 'daemon' | 'sender';

/** One row of the outbox. */
export interface OutboxEntry {
  /** Row id. */
  id: number;
  /** Idempotency key: a key is sent at most once. */
  idempotencyKey: string;
  /** Channel name, for example `signal`. */
  channel: string;
  /** Addresses. */
  recipients: string[];
  /** Text. */
  text: string;
  /** `pending` (will be tried), `sent`, or `failed` (gave up). */
  status: OutboxStatus;
  /** Delivery attempts so far. */
  attempts: number;
  /** Reason of the last failure. */
  lastError: string | null;
  /** ISO instant it was queued. */
  createdAt: string;
  /** ISO instant of the next attempt (pending rows). */
  nextAttemptAt: string;
  /** ISO instant it was delivered. */
  sentAt: string | null;
  /** Row that must be sent before this one (the previous part of a split message), or null. */
  afterId: number | null;
  /** Who may retry it (see {@link RetryBy}). */
  retryBy: RetryBy;
  /** What it is about (`briefing:morning:2026-11-21`): nothing is sent twice on one topic, under any key; or null. */
  topic: string | null;
}

/** A message for {@link Outbox.send}: split into parts when it is too long for one. */
export interface OutboxMessage {
  /** Idempotency key of the whole message; parts get `<key>#<n>/<count>`. */
  idempotencyKey: string;
  /** Channel name, for example `signal`. */
  channel: string;
  /** Addresses. */
  recipients: readonly string[];
  /** The whole text. */
  text: string;
  /** Who may retry it (default `daemon`). */
  retryBy?: RetryBy;
  /** What it is about: it is not sent when a message of the same topic was sent, or is queued, under another key. */
  topic?: string | null;
  /** The text already split into messages (each at most 4000 characters), instead of splitting `text`. */
  parts?: readonly string[];
}

/** How many rows the outbox holds in each state. */
export interface OutboxCounts {
  /** Waiting for their first or next attempt. */
  pending: number;
  /** Given up (expired, or a failure that cannot pass). */
  failed: number;
  /** Delivered. */
  sent: number;
}

/** A row of the `outbox` table as SQLite returns it. */
export interface OutboxRow {
  id: number;
  idempotency_key: string;
  channel: string;
  recipients: string;
  text: string;
  status: OutboxStatus;
  attempts: number;
  last_error: string | null;
  created_at: string;
  next_attempt_at: string;
  sent_at: string | null;
  after_id: number | null;
  retry_by: RetryBy;
  topic: string | null;
}

/**
 * An outbox row as the rest of the code reads it.
 * @param row - the row as SQLite returns it (recipients as JSON)
 * @returns the entry
 */
export function toEntry(row: OutboxRow): OutboxEntry {
  return {
    id: row.id,
    idempotencyKey: row.idempotency_key,
    channel: row.channel,
    recipients: JSON.parse(row.recipients) as string[],
    text: row.text,
    status: row.status,
    attempts: row.attempts,
    lastError: row.last_error,
    createdAt: row.created_at,
    nextAttemptAt: row.next_attempt_at,
    sentAt: row.sent_at,
    afterId: row.after_id,
    retryBy: row.retry_by,
    topic: row.topic,
  };
}
