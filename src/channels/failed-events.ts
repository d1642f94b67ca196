import { createHash } from 'node:crypto';
import { toTimestamp, type Database } from '../shared/database.js';
import type { Clock } from '../shared/time.js';

/** One receive event that could not be processed (a row of `failed_events`). */
export interface FailedEvent {
  /** Row id. */
  id: number;
  /** The stream it came from, for example `signal-jsonrpc`. */
  source: string;
  /** Why it failed, one line (never the message text). */
  reason: string;
  /** The allowlisted sender, when one could be read, else null. */
  sender: string | null;
  /** The envelope's timestamp, when it was a usable number, else null. */
  eventTimestamp: number | null;
  /** How many times this same event came (a redelivery counts again). */
  count: number;
  /** ISO instant it first came. */
  firstAt: string;
  /** ISO instant it last came. */
  lastAt: string;
}

/** At most this many failed events are kept; older ones are deleted as new ones come. */
const KEEP = 1000;

/**
 * The record of receive events that failed: each is written here with its
 * reason and then skipped, so a poison event cannot stop receiving (issue
 * 10, item 2: one envelope with `timestamp: 9e15` threw on every
 * redelivery, the stream was dropped each time, and no later message was
 * answered). The dead-letter idea of message queues (RabbitMQ's dead
 * letter exchanges, SQS's dead-letter queues), kept small: one row per
 * distinct event (by digest), counted, the newest {@link KEEP}.
 */
export class FailedEvents {
  readonly #database: Database;
  readonly #clock: Clock;

  /**
   * @param database - the migrated database (`failed_events`)
   * @param clock - source of time
   */
  constructor(database: Database, clock: Clock) {
    this.#database = database;
    this.#clock = clock;
  }

  /**
   * Record a failed event (or count it again when the same data came before).
   * @param event - the stream, the raw data (only its digest is kept), the reason, and the sender and timestamp when known
   */
  record(event: {
    source: string;
    data: string;
    reason: string;
    sender: string | null;
    eventTimestamp: number | null;
  }): void {
    const now = toTimestamp(this.#clock.now());
    const digest = createHash('sha256').update(event.data).digest('hex');
    this.#database
      .transaction(() => {
        this.#database
          .prepare(
            `INSERT INTO failed_events (source, digest, reason, sender, event_timestamp, first_at, last_at)
             VALUES (?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (digest) DO UPDATE SET count = count + 1, last_at = excluded.last_at, reason = excluded.reason`,
          )
          .run(event.source, digest, event.reason.slice(0, 500), event.sender, event.eventTimestamp, now, now);
        this.#database
          .prepare(
            'DELETE FROM failed_events WHERE id NOT IN (SELECT id FROM failed_events ORDER BY last_at DESC LIMIT ?)',
          )
          .run(KEEP);
      })
      .immediate();
  }

  /**
   * The most recent failed events, newest first.
   * @param limit - at most this many
   */
  recent(limit = 5): FailedEvent[] {
    return this.#database
      .prepare<[number], FailedEvent>(
        `SELECT id, source, reason, sender, event_timestamp AS eventTimestamp, count, first_at AS firstAt, last_at AS lastAt
         FROM failed_events ORDER BY last_at DESC, id DESC LIMIT ?`,
      )
      .all(limit);
  }

  /**
   * How many distinct events failed since an instant.
   * @param since - only events that last came at or after it
   */
  countSince(since: Date): number {
    return (
      this.#database
        .prepare<[string], { count: number }>('SELECT COUNT(*) AS count FROM failed_events WHERE last_at >= ?')
        .get(toTimestamp(since))?.count ?? 0
    );
  }
}
