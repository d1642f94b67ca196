import { Daemon, type DaemonStartReport } from '../../daemon/daemon.js';
import { describeTime } from '../../scheduler/catch-up.js';
import { openSteward } from '../bootstrap.js';

/**
 * `steward daemon`: the scheduler (with catch-up of missed times), two-way
 * Signal, health probes and outbox retries, until SIGTERM or SIGINT; then a
 * graceful stop (work in flight finishes or is left to be caught up, the
 * lock is released, the database is closed). A second signal stops at once.
 * @param options - `logFormat`: how log lines look on stderr (`--log-format`; default `log.format`: readable on a terminal, JSON otherwise)
 * @returns 0 after a graceful stop, 1 when the daemon had to stop on its own
 * @throws DaemonLockedError when another daemon runs on the same database
 */
export async function daemonCommand(options: { logFormat?: 'auto' | 'pretty' | 'json' } = {}): Promise<number> {
  // Listen for the stop signals first, so a signal that arrives during start-up is not fatal.
  const stopSignal = new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  const { steward, logFile } = await openSteward({
    stderr: true,
    ...(options.logFormat === undefined ? {} : { logFormat: options.logFormat }),
  });
  const daemon = new Daemon(steward);
  let report: DaemonStartReport;
  try {
    report = await daemon.start();
  } catch (error) {
    await steward.close();
    throw error;
  }
  const out = (line: string): boolean => process.stdout.write(`${line}\n`);
  if (report.tookOverFrom !== undefined) {
    out(
      `steward daemon: took over from pid ${report.tookOverFrom.pid} on ${report.tookOverFrom.host}, which stopped without releasing the lock.`,
    );
  }
  if (report.interrupted > 0)
    out(`steward daemon: ${report.interrupted} run(s) left unfinished by the last daemon are marked interrupted.`);
  for (const decision of report.catchUp) {
    if (decision.action !== 'none') out(`steward daemon: catch-up: ${decision.job} ${decision.reason}.`);
  }
  const next = daemon.scheduler
    .nextRuns()
    .map(
      (run) =>
        `${run.job} at ${run.next === null ? 'never' : `${run.next.toISOString()} (${describeTime(run.next, steward.timeZone)} ${steward.timeZone})`}`,
    )
    .join(', ');
  out(
    `steward daemon ready (pid ${process.pid}; log ${logFile}). Next: ${next || 'no jobs'}. Signal: ${report.signal}.`,
  );

  const outcome = await Promise.race([
    stopSignal.then((signal) => ({ signal })),
    daemon.whenFatal().then((fatal) => ({ fatal })),
  ]);
  if ('signal' in outcome) {
    out(
      `steward daemon: ${outcome.signal} received, stopping (work in progress finishes; send ${outcome.signal} again to stop at once)...`,
    );
  } else {
    process.stderr.write(`steward daemon: ${outcome.fatal}\n`);
  }
  // A second signal while stopping: leave now. The database needs no close (WAL); unfinished runs are
  // caught up, pending replies answered and leased outbox rows retried at the next start.
  const forced = new Promise<'forced'>((resolve) => {
    process.once('SIGTERM', () => resolve('forced'));
    process.once('SIGINT', () => resolve('forced'));
  });
  if ((await Promise.race([daemon.stop().then(() => 'stopped' as const), forced])) === 'forced') {
    process.stderr.write('steward daemon: stopped at once; unfinished work is picked up at the next start.\n');
    return 130;
  }
  await steward.close();
  out('steward daemon stopped.');
  return 'signal' in outcome ? 0 : 1;
}
