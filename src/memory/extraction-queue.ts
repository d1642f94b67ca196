import type { Clock } from '../shared/time.js';
import { toTimestamp, type Database } from '../shared/database.js';

/** A message waiting for fact extraction. */
export interface ExtractionJob {
  /** The message's id. */
  id: number;
  /** Its text. */
  text: string;
  /** Junk answers so far. */
  attempts: number;
}

/**
 * Fact extraction's queue: the `facts_state`, `facts_attempts` and
 * `facts_lease_until` columns of `messages`. A message is marked `pending`
 * after a model turn, `running` while a process holds its lease, then
 * `done`, or `failed` after too many junk answers. A lease that ran out
 * (its process died) makes the message due again, so a REPL and a daemon
 * never extract one message twice and a crash loses none.
 */
export class ExtractionQueue {
  readonly #database: Database;
  readonly #clock: Clock;

  /**
   * @param database - an open, migrated database
   * @param clock - for leases
   */
  constructor(database: Database, clock: Clock) {
    this.#database = database;
    this.#clock = clock;
  }

  #now(): string {
    return toTimestamp(this.#clock.now());
  }

  /**
   * Mark a message for extraction (once: a message already marked, done or failed stays so).
   * @param messageId - the stored message
   */
  mark(messageId: number): void {
    this.#database
      .prepare("UPDATE messages SET facts_state = 'pending' WHERE id = ? AND facts_state IS NULL")
      .run(messageId);
  }

  /**
   * Messages due for extraction: pending ones, and running ones whose lease ran out, oldest first.
   * @param limit - how many at most
   * @returns the messages
   */
  due(limit: number): ExtractionJob[] {
    return this.#database
      .prepare<[string, number], ExtractionJob>(
        "SELECT id, text, facts_attempts AS attempts FROM messages WHERE facts_state = 'pending' OR (facts_state = 'running' AND facts_lease_until < ?) ORDER BY id LIMIT ?",
      )
      .all(this.#now(), limit);
  }

  /**
   * Take a message before its model call, unless another process holds it.
   * @param messageId - the message
   * @param leaseMs - how long this process holds it, in ms
   * @returns whether this process has it now
   */
  claim(messageId: number, leaseMs: number): boolean {
    const leaseUntil = toTimestamp(new Date(this.#clock.now().getTime() + leaseMs));
    return (
      this.#database
        .prepare(
          "UPDATE messages SET facts_state = 'running', facts_lease_until = ? WHERE id = ? AND (facts_state = 'pending' OR (facts_state = 'running' AND facts_lease_until < ?))",
        )
        .run(leaseUntil, messageId, this.#now()).changes === 1
    );
  }

  /**
   * A message's facts are extracted.
   * @param messageId - the message
   */
  done(messageId: number): void {
    this.#database
      .prepare("UPDATE messages SET facts_state = 'done', facts_lease_until = NULL WHERE id = ?")
      .run(messageId);
  }

  /**
   * Give a message back, untried (no model answered, or steward is closing).
   * @param messageId - the message
   */
  release(messageId: number): void {
    this.#database
      .prepare("UPDATE messages SET facts_state = 'pending', facts_lease_until = NULL WHERE id = ?")
      .run(messageId);
  }

  /**
   * Count a junk answer: the message is tried again, or given up after `maxAttempts`.
   * @param messageId - the message
   * @param attempts - junk answers so far, this one included
   * @param maxAttempts - give up at this many
   */
  failedAttempt(messageId: number, attempts: number, maxAttempts: number): void {
    this.#database
      .prepare('UPDATE messages SET facts_attempts = ?, facts_state = ?, facts_lease_until = NULL WHERE id = ?')
      .run(attempts, attempts >= maxAttempts ? 'failed' : 'pending', messageId);
  }

  /** Messages marked pending (for `steward memory`). */
  pending(): number {
    return (
      this.#database
        .prepare<[], { count: number }>("SELECT count(*) AS count FROM messages WHERE facts_state = 'pending'")
        .get()?.count ?? 0
    );
  }
}
