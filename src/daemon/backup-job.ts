import { isAbsolute, join } from 'node:path';
import type { Steward } from '../app/steward.js';
import { backupDatabase, backupFileName, pruneBackups } from '../data/backup.js';
import type { ScheduledJob } from '../plugins/host.js';

/** How late a missed daily backup may still be taken at start-up, in ms (20 h). */
const BACKUP_GRACE_MS = 20 * 3_600_000;

/**
 * The folder of the daily backups: `backup.directory` (relative to the data directory), or `<dataDir>/backups`.
 * @param steward - the open Steward
 */
export function backupDirectory(steward: Steward): string {
  const { dataDir, backup } = steward.config;
  if (backup.directory === null) return join(dataDir, 'backups');
  return isAbsolute(backup.directory) ? backup.directory : join(dataDir, backup.directory);
}

/**
 * The daemon's daily backup as a scheduled job (`core:backup`), run by the
 * same scheduler as the plugins' jobs (run log, catch-up within 20 h,
 * error boundary): an online backup checked with `integrity_check`, then
 * the oldest backups deleted so that `backup.keep` remain.
 * @param steward - the open Steward
 * @returns the job, or undefined when `backup.daily` is off
 */
export function dailyBackupJob(steward: Steward): ScheduledJob | undefined {
  const settings = steward.config.backup;
  if (!settings.daily) return undefined;
  const core = { plugin: { name: 'core', description: 'steward itself' }, context: steward.plugins.coreContext };
  return {
    id: 'core:backup',
    plugin: core,
    cron: settings.cron,
    catchUp: { policy: 'run-if-within', graceMs: BACKUP_GRACE_MS },
    schedule: {
      name: 'backup',
      cron: settings.cron,
      handler: async ({ scheduledFor }) => {
        const directory = backupDirectory(steward);
        const report = await backupDatabase(steward.database, join(directory, backupFileName(scheduledFor)));
        const pruned = pruneBackups(directory, settings.keep);
        steward.log.info(
          { file: report.file, bytes: report.bytes, ms: Math.round(report.ms), pruned: pruned.length },
          'daily backup taken',
        );
      },
    },
  };
}
