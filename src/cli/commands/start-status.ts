import type { Steward } from '../../app/steward.js';
import { readLock } from '../../daemon/lock.js';

/**
 * The REPL's one-line status at start: which models are up, whether the
 * daemon runs, and what is due today (from the plugins), for example
 * `local-fast up · daemon running · 2 habits due today: meditation, run`.
 * It probes the providers (each within `models.health.timeoutMs`), so the
 * REPL shows it once ready, above the prompt, never before it.
 * @param steward - the open Steward
 * @param clock - now, in ms since epoch
 * @returns the line
 */
export async function startStatus(steward: Steward, clock: () => number = Date.now): Promise<string> {
  await steward.providers.probe();
  const report = steward.status();
  const models = report.providers
    .filter((entry) => entry.disabled === undefined)
    .map((entry) => `${entry.provider.id} ${entry.health.state === 'closed' ? 'up' : 'down'}`);
  const lock = readLock(steward.database);
  const fresh =
    lock !== undefined &&
    lock.releasedAt === null &&
    clock() - Date.parse(lock.heartbeatAt) < steward.config.daemon.lockStaleMs;
  const due = await steward.plugins.statusLines();
  return [
    models.length === 0 ? 'no model configured ("steward init")' : models.join(', '),
    fresh ? 'daemon running' : 'daemon not running',
    ...(due.length === 0 ? ['nothing due today'] : due),
  ].join(' · ');
}
