import type { OutboxEntry, OutboxStatus } from '../../channels/outbox.js';
import { formatDuration } from '../../scheduler/catch-up.js';
import { colorsFor } from '../../shared/colors.js';
import { UsageError } from '../../shared/errors.js';
import { formatTable } from '../table.js';
import { openSteward } from '../bootstrap.js';

const STATUSES: readonly OutboxStatus[] = ['pending', 'failed', 'sent'];

function preview(text: string, width: number): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length <= width ? line : `${line.slice(0, width - 1)}…`;
}

function when(entry: OutboxEntry, now: number): string {
  if (entry.status === 'sent') return `sent ${formatDuration(now - Date.parse(entry.sentAt ?? entry.createdAt))} ago`;
  if (entry.status === 'failed') return `queued ${formatDuration(now - Date.parse(entry.createdAt))} ago`;
  const next = Date.parse(entry.nextAttemptAt) - now;
  return next <= 0 ? 'due now' : `next try in ${formatDuration(next)}`;
}

/**
 * `steward outbox [--status pending|failed|sent] [--limit N] [--json]`: what is
 * waiting to go out, what failed for good and what was sent, newest first.
 * Without --status: every pending and failed message and the last N sent.
 * @param options - status filter, how many rows, JSON output
 * @returns 0
 * @throws UsageError for an unknown status or a bad limit
 */
export async function outboxCommand(options: { status?: string; limit: string; json?: boolean }): Promise<number> {
  const limit = Number(options.limit);
  if (!Number.isInteger(limit) || limit < 1)
    throw new UsageError(
      `--limit must be a whole number of rows, not "${options.limit}".`,
      'steward outbox [--status pending|failed|sent] [--limit N]',
    );
  const status = options.status;
  if (status !== undefined && !STATUSES.includes(status as OutboxStatus)) {
    throw new UsageError(`Unknown status "${status}".`, 'steward outbox [--status pending|failed|sent] [--limit N]');
  }
  const { steward } = await openSteward({ stderr: false });
  try {
    const outbox = steward.outbox;
    const entries =
      status === undefined
        ? [...outbox.list('pending', 1000), ...outbox.list('failed', 1000), ...outbox.list('sent', limit)]
        : outbox.list(status as OutboxStatus, limit);
    const counts = outbox.counts();
    if (options.json === true) {
      process.stdout.write(`${JSON.stringify({ counts, entries }, null, 2)}\n`);
      return 0;
    }
    const summary = `${counts.pending} pending, ${counts.failed} failed, ${counts.sent} sent.`;
    if (entries.length === 0) {
      process.stdout.write(`The outbox is empty${status === undefined ? '' : ` for "${status}"`}. ${summary}\n`);
      return 0;
    }
    const head = ['id', 'key', 'status', 'tries', 'when', 'to', 'text', 'last error'];
    const now = steward.clock.now().getTime();
    const pc = colorsFor(process.stdout);
    const colour = { pending: pc.yellow, failed: pc.red, sent: pc.green };
    const rows = entries.map((entry) => [
      String(entry.id),
      entry.idempotencyKey,
      colour[entry.status](entry.status),
      String(entry.attempts),
      when(entry, now),
      entry.recipients.join(', '),
      preview(entry.text, 40),
      entry.lastError ?? '',
    ]);
    // As wide as the terminal; through a pipe one line per message, for grep.
    const columns = process.stdout.isTTY === true && process.stdout.columns > 0 ? process.stdout.columns : undefined;
    process.stdout.write(`${await formatTable(head, rows, { columns, flexible: [4, 5, 6, 7] })}\n${summary}\n`);
    return 0;
  } finally {
    await steward.close();
  }
}
