import { toTimestamp, type Database } from '../shared/database.js';

/**
 * The outbox's housekeeping before each round of retries (see `Outbox.deliverDue`):
 * rows that can never be sent as they should are marked failed.
 */

/**
 * A manual send (`retry_by = 'sender'`) whose process ended without
 * recording the outcome (Ctrl-C during the send, kill -9): its lease ran
 * out, or it was never claimed within a lease's time. It is marked failed,
 * so that nothing sends it behind the owner's back (issue 10, item 4: a
 * cancelled `steward briefing morning` was sent by the daemon 119 s later).
 * @param database - the migrated database
 * @param now - the current instant
 * @param leaseMs - how long one delivery attempt holds its lease, in ms
 * @returns how many rows were marked failed
 */
export function failAbandonedManualSends(database: Database, now: Date, leaseMs: number): number {
  return database
    .prepare(
      `UPDATE outbox SET status = 'failed', lease_until = NULL,
         last_error = coalesce(last_error || '; ', '') || 'the manual send ended without delivery; it is not retried'
       WHERE status = 'pending' AND retry_by = 'sender'
         AND ((lease_until IS NOT NULL AND lease_until <= @now) OR (lease_until IS NULL AND created_at <= @claimBy))`,
    )
    .run({ now: toTimestamp(now), claimBy: toTimestamp(new Date(now.getTime() - leaseMs)) }).changes;
}

/**
 * A part whose earlier part failed for good can never be sent in order:
 * mark it failed too (and the parts after it).
 * @param database - the migrated database
 */
export function failOrphanedParts(database: Database): void {
  for (;;) {
    const result = database
      .prepare(
        `UPDATE outbox SET status = 'failed', last_error = 'an earlier part of this message could not be delivered', lease_until = NULL
         WHERE status = 'pending' AND after_id IN (SELECT id FROM outbox WHERE status = 'failed')`,
      )
      .run();
    if (result.changes === 0) return;
  }
}

/**
 * The SQL `LIKE` pattern (with `ESCAPE '\'`) of the parts of a split message.
 * @param idempotencyKey - the whole message's key
 * @returns a pattern matching `<key>#1/3`, `<key>#2/3`, ...
 */
export function partsPattern(idempotencyKey: string): string {
  return `${idempotencyKey.replace(/[\\%_]/g, (character) => `\\${character}`)}#%`;
}
