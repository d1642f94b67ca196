import { daemonHealth, type HealthReport } from '../../daemon/health.js';
import { formatDuration } from '../../scheduler/catch-up.js';
import { colorsFor, type Colors } from '../../shared/colors.js';
import { openSteward } from '../bootstrap.js';

/** Exit codes of `steward health`, after the LSB `status` action: 0 running and well, 1 running with problems, 3 not running. */
export const HEALTH_EXIT_CODES = { ok: 0, degraded: 1, down: 3 } as const;

function formatReport(report: HealthReport, pc: Colors): string {
  const mark =
    report.status === 'ok' ? pc.green('ok') : report.status === 'degraded' ? pc.yellow('degraded') : pc.red('down');
  const lines = [`${mark}: ${report.summary}`];
  for (const problem of report.problems) lines.push(`  ${pc.yellow('!')} ${problem}`);
  const state = report.state as {
    jobs?: Array<{ job: string; next: string | null }>;
    signal?: {
      state?: string;
      api?: string;
      endpoint?: string;
      lastEventAt?: string | null;
      answered?: number;
      ignored?: number;
    };
  } | null;
  if (report.status !== 'down' && state !== null) {
    const signal = state.signal;
    if (signal?.state !== undefined && signal.state !== 'off') {
      lines.push(
        `signal   ${signal.state} (${signal.api ?? '?'} ${signal.endpoint ?? ''}); last message ${signal.lastEventAt ?? 'none yet'}; answered ${signal.answered ?? 0}, ignored ${signal.ignored ?? 0}`,
      );
    }
    for (const job of state.jobs ?? []) lines.push(`next     ${job.job} at ${job.next ?? 'never'}`);
  }
  for (const job of report.jobs)
    lines.push(
      `last     ${job.job} for ${job.scheduledFor}: ${job.status}${job.kind === 'catch-up' ? ' (catch-up)' : ''}${job.error === null ? '' : ` — ${job.error}`}`,
    );
  const waiting =
    report.outbox.oldestPendingAgeMs === null
      ? ''
      : `, oldest pending ${formatDuration(report.outbox.oldestPendingAgeMs)}`;
  lines.push(
    `outbox   ${report.outbox.pending} pending, ${report.outbox.failed} failed, ${report.outbox.sent} sent${waiting}`,
  );
  return lines.join('\n');
}

/**
 * `steward health [--json]`: whether the daemon runs and how it is doing,
 * read from the database (its lock, heartbeat and snapshot, the outbox, the
 * run log), for a person or a supervisor.
 * @param options - `json` prints the report as JSON
 * @returns 0 ok, 1 degraded, 3 not running
 */
export async function healthCommand(options: { json: boolean }): Promise<number> {
  const { steward } = await openSteward({ stderr: false });
  try {
    const report = daemonHealth(steward.database, steward.clock, steward.config.daemon.lockStaleMs);
    process.stdout.write(
      options.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatReport(report, colorsFor(process.stdout))}\n`,
    );
    return HEALTH_EXIT_CODES[report.status];
  } finally {
    await steward.close();
  }
}
