import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { presentHolders } from '../../data/presence.js';
import { checkBackup, replaceDatabase } from '../../data/restore.js';
import { readLock } from '../../daemon/lock.js';
import { readCoreMigrations } from '../../memory/migrations.js';
import { discoverPlugins } from '../../plugins/loader.js';
import { DATABASE_FILE } from '../../shared/database.js';
import type { DatabaseHolder } from '../../shared/errors.js';
import { isProcessAlive } from '../../shared/process.js';
import { bootstrap, openSteward } from '../bootstrap.js';

/** Every migration id this steward knows: the core's and each built-in plugin's. */
async function knownMigrations(): Promise<Set<string>> {
  const known = new Set(readCoreMigrations().map((migration) => migration.id));
  const { plugins } = await discoverPlugins();
  for (const { plugin } of plugins)
    for (const migration of plugin.migrations ?? []) known.add(`${plugin.name}:${migration.id}`);
  return known;
}

/** The daemon holding the live database, if one does (its lock is held, fresh, and its process is alive). */
function daemonHolder(dataDir: string, staleMs: number): DatabaseHolder | undefined {
  const file = join(dataDir, DATABASE_FILE);
  if (!existsSync(file)) return undefined;
  const database = new BetterSqlite3(file);
  try {
    const table = database
      .prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'daemon_lock'")
      .get();
    if (table === undefined) return undefined;
    const lock = readLock(database);
    if (lock === undefined || lock.releasedAt !== null) return undefined;
    const fresh = Date.now() - Date.parse(lock.heartbeatAt) < staleMs;
    const alive = lock.host === hostname() ? isProcessAlive(lock.pid) : true;
    return fresh && alive ? { kind: 'daemon', pid: lock.pid, host: lock.host, since: lock.acquiredAt } : undefined;
  } finally {
    database.close();
  }
}

/**
 * `steward restore <file> [--json]`: check the backup, refuse while a
 * daemon or REPL holds the database (naming it), keep the current database
 * beside the new one, put the backup in place, migrate it if it is older,
 * and rebuild the vector indexes from the stored vectors (no embedding calls).
 * @param file - the backup
 * @param options - `json` prints the report as JSON
 * @returns 0
 * @throws DataFileError for a backup that fails its check or comes from a newer steward; DatabaseInUseError while a daemon or REPL runs
 */
export async function restoreCommand(file: string, options: { json?: boolean }): Promise<number> {
  const source = resolve(file);
  const { config } = bootstrap({ stderr: false });
  const info = checkBackup(source, await knownMigrations());
  const daemon = daemonHolder(config.dataDir, config.daemon.lockStaleMs);
  const holders = [...(daemon === undefined ? [] : [daemon]), ...presentHolders(config.dataDir)];
  const kept = replaceDatabase(config.dataDir, source, holders, new Date());
  const { steward } = await openSteward({ stderr: false });
  try {
    const started = performance.now();
    const models = steward.database
      .prepare<[], { model: string; n: number }>('SELECT model, count(*) AS n FROM embeddings GROUP BY model')
      .all();
    const indexes: Array<{ model: string; vectors: number }> = [];
    for (const { model } of models) {
      const index = await steward.memory.index(model);
      await index.ready();
      index.save();
      indexes.push({ model, vectors: index.size });
    }
    const report = {
      restored: source,
      databaseFile: join(config.dataDir, DATABASE_FILE),
      previousKeptAt: kept ?? null,
      messages: info.messages,
      indexes,
      rebuildMs: Math.round(performance.now() - started),
    };
    process.stdout.write(
      options.json === true
        ? `${JSON.stringify(report, null, 2)}\n`
        : [
            `Restored ${source} (${info.messages} messages).`,
            kept === undefined ? 'There was no database before.' : `The database it replaced is kept at ${kept}.`,
            indexes.length === 0
              ? 'No stored vectors, no index to rebuild.'
              : `Rebuilt ${indexes.map((entry) => `${entry.model} (${entry.vectors} vectors)`).join(', ')} from the stored vectors in ${report.rebuildMs} ms, with no embedding calls.`,
          ].join('\n') + '\n',
    );
    return 0;
  } finally {
    await steward.close();
  }
}
