import { join, resolve } from 'node:path';
import { backupDatabase, backupFileName } from '../../data/backup.js';
import { openSteward } from '../bootstrap.js';

/**
 * `steward backup [file] [--json]`: an online backup of the database,
 * checked with `PRAGMA integrity_check` (see `src/data/backup.ts`); safe
 * while the daemon runs.
 * @param file - where to write it (default `<dataDir>/backups/steward-<time>.db`)
 * @param options - `json` prints the report as JSON
 * @returns 0
 * @throws DataFileError when the copy fails its check (no backup is left)
 */
export async function backupCommand(file: string | undefined, options: { json?: boolean }): Promise<number> {
  const { steward, config } = await openSteward({ stderr: false });
  try {
    const target =
      file === undefined ? join(config.dataDir, 'backups', backupFileName(steward.clock.now())) : resolve(file);
    const report = await backupDatabase(steward.database, target);
    process.stdout.write(
      options.json === true
        ? `${JSON.stringify(report, null, 2)}\n`
        : `Backed up to ${report.file} (${(report.bytes / 1024).toFixed(0)} KiB, integrity ok, ${Math.round(report.ms)} ms). Restore it with "steward restore ${report.file}".\n`,
    );
    return 0;
  } finally {
    await steward.close();
  }
}
