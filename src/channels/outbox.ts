import { toTimestamp, type Database } from '../shared/database.js';
import { DeliveryError, describeError } from '../shared/errors.js';
import { redactSecrets } from '../shared/redact.js';
import type { Clock } from '../shared/time.js';
import {
  toEntry,
  type RetryBy,
  type ChannelSender,
  type OutboxCounts,
  type OutboxEntry,
  type OutboxMessage,
  type OutboxRow,
  type OutboxStatus,
} from './outbox-entry.js';
import { failAbandonedManualSends, failOrphanedParts, partsPattern } from './outbox-sweeps.js';
import { splitMessage } from './signal/transport.js';

export type { ChannelSender, OutboxCounts, OutboxEntry, OutboxMessage, OutboxStatus, RetryBy } from './outbox-entry.js';

/** Parts of a split message wait for the part before them (`after_id`) to be sent. */
const PREVIOUS_PART_SENT =
  "(after_id IS NULL OR EXISTS (SELECT 1 FROM outbox AS previous WHERE previous.id = outbox.after_id AND previous.status = 'sent'))";

/** Options of {@link Outbox}. */
export interface OutboxOptions {
  /** Waits after the 1st, 2nd, ... failed attempt, in ms; the last repeats (default 30 s, 1 min, 5 min, 15 min, 60 min). */
  backoffMs?: readonly number[];
  /** A row still undelivered this long after it was queued is marked failed, in ms (default 24 h). */
  expireAfterMs?: number;
  /** How long one delivery attempt holds its lease on a row, in ms (default 2 min; longer than any send timeout). */
  leaseMs?: number;
}

/**
 * The persisted outbox (the transactional-outbox pattern): every outbound
 * message is first written with an idempotency key, then delivered, and
 * retried with backoff until it is sent or expires. A key that was sent is
 * never sent again, across restarts and processes; a row is claimed with a
 * lease before each attempt so two processes never send it at once. A row
 * says who may retry it (`retry_by`): a manual send (`sender`) gets one
 * attempt, by the call that queued it, and is never sent later by another
 * process; one left pending by a killed process is marked failed once its
 * lease runs out. A message with a topic is not sent when another message
 * of that topic was sent or is on its way, under any key.
 */
export class Outbox {
  readonly #database: Database;
  readonly #clock: Clock;
  readonly #senders: Map<string, ChannelSender>;
  readonly #backoffMs: readonly number[];
  readonly #expireAfterMs: number;
  readonly #leaseMs: number;

  /**
   * @param database - the migrated database
   * @param clock - source of time
   * @param senders - one sender per channel name
   * @param options - backoff, expiry and lease
   */
  constructor(database: Database, clock: Clock, senders: Map<string, ChannelSender>, options: OutboxOptions = {}) {
    this.#database = database;
    this.#clock = clock;
    this.#senders = senders;
    this.#backoffMs = options.backoffMs ?? [30_000, 60_000, 300_000, 900_000, 3_600_000];
    this.#expireAfterMs = options.expireAfterMs ?? 24 * 3_600_000;
    this.#leaseMs = options.leaseMs ?? 120_000;
  }

  /**
   * Queue a message unless its key is already queued.
   * @param message - key, channel, recipients and text; `afterId` names a row that must be sent first
   * @returns the row, and whether this call created it
   */
  enqueue(message: {
    idempotencyKey: string;
    channel: string;
    recipients: readonly string[];
    text: string;
    afterId?: number | null;
    retryBy?: RetryBy;
    topic?: string | null;
  }): { entry: OutboxEntry; created: boolean } {
    const now = toTimestamp(this.#clock.now());
    const result = this.#database
      .prepare(
        `INSERT INTO outbox (idempotency_key, channel, recipients, text, created_at, next_attempt_at, after_id, retry_by, topic)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (idempotency_key) DO NOTHING`,
      )
      .run(
        message.idempotencyKey,
        message.channel,
        JSON.stringify(message.recipients),
        // Nothing that looks like a key goes out on Signal, whoever wrote the text.
        redactSecrets(message.text),
        now,
        now,
        message.afterId ?? null,
        message.retryBy ?? 'daemon',
        message.topic ?? null,
      );
    const entry = this.get(message.idempotencyKey);
    if (entry === undefined) throw new Error(`outbox row ${message.idempotencyKey} vanished after insert`);
    return { entry, created: result.changes === 1 };
  }

  /**
   * Queue a message as one row, or, over 4000 characters, as several parts
   * (`<key>#1/3`, `<key>#2/3`, ...) in one transaction; each part waits for
   * the one before it, so they arrive in order even across retries.
   * @param message - key, channel, recipients and the whole text
   * @returns the rows in order (existing rows when the key was queued before)
   */
  enqueueParts(message: OutboxMessage): OutboxEntry[] {
    const parts = message.parts ?? splitMessage(message.text);
    const write = this.#database.transaction((): OutboxEntry[] => {
      const entries: OutboxEntry[] = [];
      let afterId: number | null = null;
      for (const [index, part] of parts.entries()) {
        const idempotencyKey =
          parts.length === 1 ? message.idempotencyKey : `${message.idempotencyKey}#${index + 1}/${parts.length}`;
        const { entry } = this.enqueue({
          idempotencyKey,
          channel: message.channel,
          recipients: message.recipients,
          text: part,
          afterId,
          retryBy: message.retryBy ?? 'daemon',
          topic: message.topic ?? null,
        });
        entries.push(entry);
        afterId = entry.id;
      }
      return entries;
    });
    return write.immediate();
  }

  /**
   * Queue a message (see {@link enqueueParts}) and deliver its parts now, in
   * order. A part that fails stays queued, with the parts after it, for the
   * daemon's retry loop (a `sender` row is marked failed instead). A
   * message whose topic is taken (see {@link topicTaken}) is neither queued
   * nor sent: the check and the queueing are one IMMEDIATE transaction.
   * @param message - key, channel, recipients, the whole text, who may retry it and its topic
   * @returns `sent` when this call sent at least one part, `already-sent` when every part went out before or
   *   the topic was taken (then `takenBy` is the other message's first row); the first row's id
   * @throws DeliveryError from the first part that fails
   */
  async send(
    message: OutboxMessage,
  ): Promise<{ status: 'sent' | 'already-sent'; firstId: number; parts: number; takenBy?: OutboxEntry }> {
    const queued = this.#database
      .transaction((): { entries: OutboxEntry[] } | { takenBy: OutboxEntry } => {
        const takenBy =
          message.topic === undefined || message.topic === null
            ? undefined
            : this.topicTaken(message.topic, message.idempotencyKey);
        return takenBy === undefined ? { entries: this.enqueueParts(message) } : { takenBy };
      })
      .immediate();
    if ('takenBy' in queued)
      return { status: 'already-sent', firstId: queued.takenBy.id, parts: 0, takenBy: queued.takenBy };
    const status = await this.deliverParts(queued.entries);
    return { status, firstId: queued.entries[0]?.id ?? 0, parts: queued.entries.length };
  }

  /**
   * The message of another key that holds a topic: one that was sent, or
   * that is on its way (pending for the retry loop, or a manual send not
   * attempted yet or still within its lease).
   * @param topic - for example `briefing:morning:2026-11-21`
   * @param idempotencyKey - the key asking, whose own rows (and parts) do not count
   * @returns the other message's first row, or undefined when the topic is free
   */
  topicTaken(topic: string, idempotencyKey: string): OutboxEntry | undefined {
    const row = this.#database
      .prepare<{ topic: string; key: string; parts: string; now: string }, OutboxRow>(
        `SELECT * FROM outbox WHERE topic = @topic AND idempotency_key != @key AND idempotency_key NOT LIKE @parts ESCAPE '\\'
           AND (status = 'sent' OR (status = 'pending' AND (retry_by = 'daemon' OR lease_until IS NULL OR lease_until > @now)))
         ORDER BY (status = 'sent') DESC, id LIMIT 1`,
      )
      .get({
        topic,
        key: idempotencyKey,
        parts: partsPattern(idempotencyKey),
        now: toTimestamp(this.#clock.now()),
      });
    return row === undefined ? undefined : toEntry(row);
  }

  /**
   * Deliver queued parts now, in order, stopping at the first that fails.
   * @param entries - the rows of one message, as {@link enqueueParts} returned them
   * @returns `sent` when at least one part went out now, else `already-sent`
   * @throws DeliveryError from the first part that fails (it and the rest stay queued)
   */
  async deliverParts(entries: readonly OutboxEntry[]): Promise<'sent' | 'already-sent'> {
    let sentNow = false;
    for (const entry of entries) {
      if ((await this.deliver(entry.idempotencyKey)) === 'sent') sentNow = true;
    }
    return sentNow ? 'sent' : 'already-sent';
  }

  /**
   * Give up a message that is still pending (all its parts): it is marked
   * failed with the reason and never retried.
   * @param idempotencyKey - the message's key (its parts are `<key>#i/n`)
   * @param reason - why, appended to the last error
   * @returns how many rows were given up
   */
  giveUp(idempotencyKey: string, reason: string): number {
    return this.#database
      .prepare(
        "UPDATE outbox SET status = 'failed', last_error = coalesce(last_error || '; ', '') || ?, lease_until = NULL WHERE status = 'pending' AND (idempotency_key = ? OR idempotency_key LIKE ? ESCAPE '\\')",
      )
      .run(reason, idempotencyKey, partsPattern(idempotencyKey)).changes;
  }

  /** How many rows are pending, failed and sent. */
  counts(): OutboxCounts {
    const rows = this.#database
      .prepare<[], { status: OutboxStatus; count: number }>(
        'SELECT status, COUNT(*) AS count FROM outbox GROUP BY status',
      )
      .all();
    const counts: OutboxCounts = { pending: 0, failed: 0, sent: 0 };
    for (const row of rows) counts[row.status] = row.count;
    return counts;
  }

  /** The row with this idempotency key, if any. */
  get(idempotencyKey: string): OutboxEntry | undefined {
    const row = this.#database
      .prepare<[string], OutboxRow>('SELECT * FROM outbox WHERE idempotency_key = ?')
      .get(idempotencyKey);
    return row === undefined ? undefined : toEntry(row);
  }

  /**
   * Rows, newest first.
   * @param status - only this status, or all
   * @param limit - at most this many
   */
  list(status?: OutboxStatus, limit = 50): OutboxEntry[] {
    const rows =
      status === undefined
        ? this.#database.prepare<[number], OutboxRow>('SELECT * FROM outbox ORDER BY id DESC LIMIT ?').all(limit)
        : this.#database
            .prepare<[string, number], OutboxRow>('SELECT * FROM outbox WHERE status = ? ORDER BY id DESC LIMIT ?')
            .all(status, limit);
    return rows.map(toEntry);
  }

  /**
   * Try to deliver one pending row now (even if its next attempt is later).
   * @param idempotencyKey - the row's key
   * @returns `sent`, or `already-sent` when the key was delivered before
   * @throws DeliveryError with the reason when the attempt fails (the row stays pending for retry, or failed when not retryable),
   *   when the row was given up before, or when an earlier part of its message is not sent yet
   */
  async deliver(idempotencyKey: string): Promise<'sent' | 'already-sent'> {
    const entry = this.get(idempotencyKey);
    if (entry === undefined) throw new Error(`no outbox row with key ${idempotencyKey}`);
    if (entry.status === 'sent') return 'already-sent';
    if (entry.status === 'failed') {
      throw new DeliveryError(`${idempotencyKey} was given up earlier: ${entry.lastError ?? 'unknown error'}`, {
        channel: entry.channel,
        retryable: false,
      });
    }
    const previous = entry.afterId === null ? undefined : this.#byId(entry.afterId);
    if (previous !== undefined && previous.status !== 'sent') {
      const retryable = previous.status === 'pending';
      throw new DeliveryError(`${idempotencyKey} waits for ${previous.idempotencyKey}, which is ${previous.status}`, {
        channel: entry.channel,
        retryable,
      });
    }
    if (!this.#claim(entry.id, true)) {
      throw new DeliveryError(`${idempotencyKey} is being delivered by another process`, {
        channel: entry.channel,
        retryable: true,
      });
    }
    return this.#attempt(entry);
  }

  /**
   * Deliver every pending row whose next attempt is due (the daemon's loop).
   * @param options - `signal` stops the round between two rows (a shutdown); the row being sent finishes
   * @returns how many were sent and how many failed this round
   */
  async deliverDue(options: { signal?: AbortSignal } = {}): Promise<{ sent: number; failed: number }> {
    const now = toTimestamp(this.#clock.now());
    failAbandonedManualSends(this.#database, this.#clock.now(), this.#leaseMs);
    failOrphanedParts(this.#database);
    const due = this.#database
      .prepare<[string], OutboxRow>(
        "SELECT * FROM outbox WHERE status = 'pending' AND retry_by = 'daemon' AND next_attempt_at <= ? ORDER BY id",
      )
      .all(now)
      .map(toEntry);
    let sent = 0;
    let failed = 0;
    for (const entry of due) {
      if (options.signal?.aborted === true) break;
      if (!this.#claim(entry.id, false)) continue;
      try {
        await this.#attempt(entry);
        sent += 1;
      } catch {
        failed += 1;
      }
    }
    return { sent, failed };
  }

  /**
   * Take a lease on a pending row, so that no other attempt (in this process
   * or another) sends it at the same time. A `sender` row is claimed once
   * only, ever: its one attempt.
   * @param force - ignore the backoff (a delivery asked for now)
   * @returns false when another attempt holds it, it is not due, it is not pending, or it is a manual send tried before
   */
  #claim(id: number, force: boolean): boolean {
    const now = this.#clock.now().getTime();
    const nowText = toTimestamp(new Date(now));
    const leaseUntil = toTimestamp(new Date(now + this.#leaseMs));
    const due = force ? '' : ' AND next_attempt_at <= @now';
    const result = this.#database
      .prepare(
        `UPDATE outbox SET lease_until = @leaseUntil WHERE id = @id AND status = 'pending'
           AND (lease_until IS NULL OR (lease_until <= @now AND retry_by = 'daemon'))${due} AND ${PREVIOUS_PART_SENT}`,
      )
      .run({ leaseUntil, id, now: nowText });
    return result.changes === 1;
  }

  #byId(id: number): OutboxEntry | undefined {
    const row = this.#database.prepare<[number], OutboxRow>('SELECT * FROM outbox WHERE id = ?').get(id);
    return row === undefined ? undefined : toEntry(row);
  }

  async #attempt(entry: OutboxEntry): Promise<'sent'> {
    const sender = this.#senders.get(entry.channel);
    try {
      if (sender === undefined)
        throw new DeliveryError(`no sender for channel ${entry.channel}`, { channel: entry.channel, retryable: true });
      await sender(entry.recipients, entry.text);
    } catch (error) {
      const retryable = error instanceof DeliveryError ? error.isRetryable : true;
      const attempts = entry.attempts + 1;
      const now = this.#clock.now().getTime();
      const wait = this.#backoffMs[Math.min(attempts - 1, this.#backoffMs.length - 1)] ?? 60_000;
      const expired = now + wait - Date.parse(entry.createdAt) > this.#expireAfterMs;
      // A manual send gets its one attempt: it never waits for a retry.
      const status: OutboxStatus = retryable && !expired && entry.retryBy === 'daemon' ? 'pending' : 'failed';
      this.#database
        .prepare(
          'UPDATE outbox SET attempts = ?, last_error = ?, status = ?, next_attempt_at = ?, lease_until = NULL WHERE id = ?',
        )
        .run(attempts, describeError(error), status, toTimestamp(new Date(now + wait)), entry.id);
      if (error instanceof DeliveryError) throw error;
      throw new DeliveryError(describeError(error), { channel: entry.channel, retryable }, { cause: error });
    }
    this.#database
      .prepare(
        "UPDATE outbox SET attempts = attempts + 1, status = 'sent', sent_at = ?, last_error = NULL, lease_until = NULL WHERE id = ?",
      )
      .run(toTimestamp(this.#clock.now()), entry.id);
    return 'sent';
  }
}
