import { copyFileSync, existsSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { DATABASE_FILE, openReadOnlyDatabase, type Database } from '../shared/database.js';
import { DataFileError, DatabaseInUseError, type DatabaseHolder } from '../shared/errors.js';
import { checkIntegrity } from './backup.js';

/**
 * `steward restore <file>`: put a backup in place of the live database.
 * The backup is checked first (`PRAGMA integrity_check`, the tables of a
 * steward database, and no migration this steward does not know: a backup
 * from a newer steward is refused); then, only while no daemon or REPL
 * has the database open, the live file is checkpointed and kept beside it
 * (`steward.db.before-restore-<time>`), and the backup is copied in. The
 * vector indexes are derived data: their folder is removed, and the caller
 * rebuilds them from the stored vectors (no embedding calls).
 */

/** What a backup holds, as the restore checks found it. */
export interface BackupInfo {
  /** Migrations applied to it (core and plugins). */
  migrations: string[];
  /** Its database id (`memory_state.database_id`). */
  databaseId: string;
  /** Messages in it. */
  messages: number;
}

const REQUIRED_TABLES = ['schema_migrations', 'sessions', 'messages', 'memory_state'];

/**
 * Check a backup before a restore.
 * @param file - the backup
 * @param known - every migration id this steward knows (core and plugins)
 * @returns what it holds
 * @throws DataFileError when it fails the integrity check, is not a steward database, or comes from a newer steward
 */
export function checkBackup(file: string, known: ReadonlySet<string>): BackupInfo {
  if (!existsSync(file)) throw new DataFileError(file, 'does not exist');
  checkIntegrity(file);
  const database = openReadOnlyDatabase(file);
  try {
    const tables = new Set(
      database
        .prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'")
        .all()
        .map((row) => row.name),
    );
    const missing = REQUIRED_TABLES.filter((table) => !tables.has(table));
    if (missing.length > 0)
      throw new DataFileError(
        file,
        `is not a steward database (no ${missing.join(', ')} table${missing.length === 1 ? '' : 's'})`,
      );
    const migrations = database
      .prepare<[], { id: string }>('SELECT id FROM schema_migrations ORDER BY id')
      .all()
      .map((row) => row.id);
    const unknown = migrations.filter((id) => !known.has(id));
    if (unknown.length > 0)
      throw new DataFileError(
        file,
        `comes from a newer steward (schema ${unknown.join(', ')} unknown here): update steward, then restore`,
      );
    const databaseId =
      database.prepare<[], { value: string }>("SELECT value FROM memory_state WHERE key = 'database_id'").get()
        ?.value ?? 'unknown';
    const messages = database.prepare<[], { n: number }>('SELECT count(*) AS n FROM messages').get()?.n ?? 0;
    return { migrations, databaseId, messages };
  } finally {
    database.close();
  }
}

/**
 * Replace the live database with a checked backup.
 * @param dataDir - the data directory
 * @param file - the backup (checked with {@link checkBackup} first)
 * @param holders - the processes that have the live database open now (daemon, REPLs)
 * @param now - the current instant (names the kept file)
 * @returns the path the previous database was kept at, or undefined when there was none
 * @throws DatabaseInUseError when a process holds the database (nothing is changed)
 */
export function replaceDatabase(
  dataDir: string,
  file: string,
  holders: readonly DatabaseHolder[],
  now: Date,
): string | undefined {
  const live = join(dataDir, DATABASE_FILE);
  if (holders.length > 0) throw new DatabaseInUseError(live, holders);
  let kept: string | undefined;
  if (existsSync(live)) {
    // Fold the WAL into the file, so that the one file kept aside is the whole database.
    const database: Database = new BetterSqlite3(live);
    try {
      database.pragma('wal_checkpoint(TRUNCATE)');
      database.pragma('journal_mode = DELETE');
    } finally {
      database.close();
    }
    kept = `${live}.before-restore-${now
      .toISOString()
      .replace(/[-:]/g, '')
      .replace(/\.\d+Z$/, 'Z')}`;
    renameSync(live, kept);
  }
  for (const leftover of [`${live}-wal`, `${live}-shm`, `${live}-journal`]) rmSync(leftover, { force: true });
  const incoming = join(dataDir, `.${DATABASE_FILE}.restoring`);
  copyFileSync(file, incoming);
  renameSync(incoming, live);
  rmSync(join(dataDir, 'vectors'), { recursive: true, force: true });
  return kept;
}
