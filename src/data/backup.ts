import { mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import type { Database } from '../shared/database.js';
import { DataFileError, describeError } from '../shared/errors.js';

/**
 * `steward backup`: a copy of the live database made with SQLite's online
 * backup API (better-sqlite3's `db.backup()`, sqlite3_backup_*), which
 * reads a consistent snapshot while a daemon or a REPL keeps writing (in
 * WAL mode readers never block writers). The copy is written next to its
 * final name, switched to a single file (`journal_mode=DELETE`, no -wal
 * beside it), checked with `PRAGMA integrity_check`, and only then renamed
 * into place: a failed or damaged copy never looks like a backup.
 */

/** What a backup produced. */
export interface BackupReport {
  /** The backup file, absolute. */
  file: string;
  /** Its size, in bytes. */
  bytes: number;
  /** How long it took, in ms. */
  ms: number;
  /** `ok` (a copy that fails the check is never kept). */
  integrity: 'ok';
}

/**
 * Check a database file: `PRAGMA integrity_check` must say `ok`.
 * @param file - an SQLite file
 * @throws DataFileError naming what the check found (or why the file cannot be opened)
 */
export function checkIntegrity(file: string): void {
  let database: Database | undefined;
  try {
    database = new BetterSqlite3(file, { readonly: true, fileMustExist: true });
    const rows = database.pragma('integrity_check') as Array<{ integrity_check: string }>;
    const problems = rows.map((row) => row.integrity_check).filter((line) => line !== 'ok');
    if (problems.length > 0)
      throw new DataFileError(file, `fails PRAGMA integrity_check: ${problems.slice(0, 3).join('; ')}`);
  } catch (error) {
    if (error instanceof DataFileError) throw error;
    throw new DataFileError(file, `is not a usable SQLite database (${describeError(error)})`, undefined, {
      cause: error,
    });
  } finally {
    database?.close();
  }
}

/**
 * Back up the live database to `file`.
 * @param database - the open live database
 * @param file - where the backup goes (its folder is created)
 * @returns the file, its size and how long it took
 * @throws DataFileError when the copy fails its integrity check (nothing is left at `file`)
 * @throws SqliteError when the copy cannot be written
 */
export async function backupDatabase(database: Database, file: string): Promise<BackupReport> {
  const started = performance.now();
  mkdirSync(dirname(file), { recursive: true });
  const partial = join(dirname(file), `.${basename(file)}.partial`);
  rmSync(partial, { force: true });
  try {
    // After better-sqlite3's first step, copy all the remaining pages in one step: one consistent
    // snapshot, which another connection's writes cannot restart (sqlite3_backup_step restarts a
    // step-by-step copy whenever another connection writes the source).
    await database.backup(partial, { progress: ({ remainingPages }) => Math.max(100, remainingPages) });
    const copy = new BetterSqlite3(partial);
    try {
      copy.pragma('journal_mode = DELETE');
    } finally {
      copy.close();
    }
    checkIntegrity(partial);
    renameSync(partial, file);
  } finally {
    for (const leftover of [partial, `${partial}-wal`, `${partial}-shm`, `${partial}-journal`])
      rmSync(leftover, { force: true });
  }
  return { file, bytes: statSync(file).size, ms: performance.now() - started, integrity: 'ok' };
}

/** The name of a daily backup: `steward-2026-11-21T033000Z.db` (UTC, sortable). */
export function backupFileName(instant: Date): string {
  return `steward-${instant
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z')}.db`;
}

const BACKUP_NAME = /^steward-\d{8}T\d{6}Z\.db$/;

/**
 * Delete the oldest backups in a folder so that `keep` remain (only files
 * named by {@link backupFileName}; anything else there is left alone).
 * @param directory - the backups folder
 * @param keep - how many to keep, at least 1
 * @returns the files deleted
 */
export function pruneBackups(directory: string, keep: number): string[] {
  let names: string[];
  try {
    names = readdirSync(directory).filter((name) => BACKUP_NAME.test(name));
  } catch {
    return [];
  }
  const old = names.sort().slice(0, Math.max(0, names.length - Math.max(1, keep)));
  for (const name of old) rmSync(join(directory, name), { force: true });
  return old.map((name) => join(directory, name));
}
