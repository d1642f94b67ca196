import { Daemon } from '../../daemon/daemon.js';
import { openSteward } from '../bootstrap.js';

/**
 * `steward daemon`: scheduler, health probes and outbox retries until
 * SIGTERM or SIGINT; then a graceful stop (runs in progress finish, the
 * database is closed).
 * @returns 0 after a graceful stop
 */
export async function daemonCommand(): Promise<number> {
  // Listen for the stop signals first, so a signal that arrives during start-up is not fatal.
  const stopSignal = new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  const { steward, logFile } = await openSteward({ stderr: true });
  const daemon = new Daemon(steward);
  try {
    daemon.start();
  } catch (error) {
    await steward.close();
    throw error;
  }
  const next = daemon.scheduler
    .nextRuns()
    .map((run) => `${run.job} at ${run.next?.toISOString() ?? 'never'}`)
    .join(', ');
  process.stdout.write(`steward daemon ready (pid ${process.pid}; log ${logFile}). Next: ${next || 'no jobs'}.\n`);
  const signal = await stopSignal;
  process.stdout.write(`steward daemon: ${signal} received, stopping...\n`);
  await daemon.stop();
  await steward.close();
  process.stdout.write('steward daemon stopped.\n');
  return 0;
}
