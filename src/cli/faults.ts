import { existsSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { loadConfig } from '../config/load.js';
import { readLock } from '../daemon/lock.js';
import { DATABASE_FILE } from '../shared/database.js';
import { describeError } from '../shared/errors.js';

/**
 * One line for a fault of the machine rather than of steward: the
 * database locked past the busy timeout, read-only, or on a full disk
 * (SQLite's `SQLITE_BUSY`, `SQLITE_READONLY`, `SQLITE_FULL` and their
 * extended codes; Node's ENOSPC, EROFS, EACCES). The CLI prints it instead
 * of "unexpected error".
 */

/** Who holds a database: the daemon named in its lock, when one is running; checked read-only. */
function holderOf(file: string): string {
  try {
    const database = new BetterSqlite3(file, { readonly: true, fileMustExist: true, timeout: 200 });
    try {
      const lock = readLock(database);
      if (lock !== undefined && lock.releasedAt === null)
        return `the steward daemon (pid ${lock.pid} on ${lock.host}) or another steward process`;
    } finally {
      database.close();
    }
  } catch {
    // The lock cannot be read either: say what is likely.
  }
  return 'another steward process (a daemon, a REPL or a steward run)';
}

/** The database file of the configuration in effect, if it can be read. */
function databaseFile(): string | undefined {
  try {
    const file = join(loadConfig().dataDir, DATABASE_FILE);
    return existsSync(file) ? file : undefined;
  } catch {
    return undefined;
  }
}

/** `the database <file>`, or `the database` when the file is not known. */
function nameOf(file: string | undefined): string {
  return file === undefined ? 'the database' : `the database ${file}`;
}

/**
 * The line for a machine fault, or undefined for any other error.
 * @param error - what ended the command
 * @returns one line without the `steward: ` prefix, or undefined
 */
export function faultLine(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return undefined;
  if (code.startsWith('SQLITE_BUSY')) {
    const file = databaseFile();
    const holder = file === undefined ? 'another steward process' : holderOf(file);
    return `${nameOf(file)} stayed locked for 5 s: ${holder} was writing to it. Nothing was lost; run the command again.`;
  }
  if (code.startsWith('SQLITE_READONLY') || code === 'EROFS')
    return `${nameOf(databaseFile())} is read-only (${code}): this command needs to write to it. Make the file and its folder writable; "steward outbox", "health", "memory" and "doctor" work without writing.`;
  if (code === 'SQLITE_FULL' || code === 'ENOSPC')
    return `the disk is full (${code}): nothing more could be written. Free some space and run the command again; what was stored before is safe.`;
  if (code.startsWith('SQLITE_IOERR') || code.startsWith('SQLITE_CANTOPEN'))
    return `the database could not be read or written (${code}: ${describeError(error)}): check the disk and the folder's permissions.`;
  return undefined;
}
