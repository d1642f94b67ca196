import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { ensureDirectory } from './directory.js';

/** An open better-sqlite3 connection. */
export type Database = BetterSqlite3.Database;

/** File name of the database inside the data directory. */
export const DATABASE_FILE = 'steward.db';

/**
 * Open (and create if needed) the steward database in `dataDir`.
 *
 * Pragmas: WAL journal, `synchronous=NORMAL` (durable across process crashes;
 * the last transactions may be lost on power loss), foreign keys on, and a
 * 5 s busy timeout so that a daemon and a REPL can write the same file.
 *
 * @param dataDir - directory for `steward.db` (created if missing)
 * @returns the open connection; close it with `database.close()`
 * @throws SqliteError if the file exists but is not a database
 */
export function openDatabase(dataDir: string): Database {
  ensureDirectory(dataDir);
  const database = new BetterSqlite3(join(dataDir, DATABASE_FILE));
  database.pragma('busy_timeout = 5000');
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = NORMAL');
  database.pragma('foreign_keys = ON');
  return database;
}

/**
 * Whether an error says the database cannot be written: the file or its
 * disk is read-only (SQLite's `SQLITE_READONLY` and its extended codes).
 * A read-only command goes on without the write; any other says so.
 * @param error - anything caught
 */
export function isReadOnlyDatabase(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_READONLY');
}

/**
 * The current instant as the ISO-8601 UTC text that every table stores.
 * @param instant - the instant to format
 */
export function toTimestamp(instant: Date): string {
  return instant.toISOString();
}

/**
 * Open another program's SQLite file (a Loop Habit Tracker backup, a
 * steward backup) read-only, without creating it and without changing it:
 * no WAL switch, no migrations.
 * @param file - path of the file
 * @returns the open connection; close it with `database.close()`
 * @throws SqliteError when the file does not exist or is not a database (`SQLITE_NOTADB` shows on the first query)
 */
export function openReadOnlyDatabase(file: string): Database {
  return new BetterSqlite3(file, { readonly: true, fileMustExist: true });
}
