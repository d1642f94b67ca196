import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { DataFileError, describeError } from '../../../src/shared/errors.js';
import { openReadOnlyDatabase, type Database } from '../../../src/shared/database.js';
import { MAX_PERIOD_DAYS } from '../frequency.js';
import type { HabitEntryRecord, HabitRecord, HabitsDocument } from '../data.js';
import { HABITS_DATA_VERSION } from '../data.js';
import { LOOP_VALUES, loopDay, noonOf, warnAboutDroppedNotes } from './values.js';

/**
 * Loop Habit Tracker's full backup ("Export full backup": an SQLite file),
 * read the way Loop's own `LoopDBImporter.kt` and its migrations
 * (uhabits-core/src/jvmMain/resources/migrations/NN.sql, iSoron/uhabits)
 * read it, without changing the file:
 *
 * - tables `Habits` and `Repetitions`; `PRAGMA user_version` is the schema
 *   version, up to 25 (Loop's `DATABASE_VERSION`); a newer one is refused,
 *   as Loop refuses it;
 * - before version 16 a repetition has no `value`: it is a check-in
 *   (migration 16 adds `value` with default 2, YES_MANUAL); before 25 it has
 *   no `notes`; before 24 a habit has no `uuid`;
 * - migration 22 drops repetitions of missing habits, with no time, and
 *   repeats of the same habit and day (the first row stays): so does this;
 * - values: 2 YES_MANUAL (a check-in), 3 SKIP (a skip), 0 NO and -1 UNKNOWN
 *   (nothing: only their notes could be kept, and steward keeps none
 *   without a check-in), 1 YES_AUTO (computed by Loop, never an input);
 * - a timestamp is the UTC midnight of the local day (Loop's `Timestamp`
 *   truncates any other time to its day);
 * - `type` 1 is a numerical habit, which steward does not have: left out,
 *   with a warning.
 */

/** Loop's `DATABASE_VERSION` at iSoron/uhabits 5aa8744e (`Constants.kt`). */
export const LOOP_DATABASE_VERSION = 25;

const SQLITE_MAGIC = 'SQLite format 3\u0000';

/**
 * Whether a file is an SQLite database (its first 16 bytes), as Loop's `isSQLite3File` checks.
 * @param path - a file
 */
export function isSqliteFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    const handle = openSync(path, 'r');
    try {
      const head = Buffer.alloc(16);
      readSync(handle, head, 0, 16, 0);
      return head.toString('latin1') === SQLITE_MAGIC;
    } finally {
      closeSync(handle);
    }
  } catch {
    return false;
  }
}

/**
 * Whether `path` is a Loop backup: an SQLite file with `Habits` and `Repetitions` tables.
 * @param path - a file
 */
export function isLoopBackup(path: string): boolean {
  if (!isSqliteFile(path)) return false;
  try {
    const database = openReadOnlyDatabase(path);
    try {
      const row = database
        .prepare<[], { n: number }>(
          "SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name IN ('Habits', 'Repetitions')",
        )
        .get();
      return row?.n === 2;
    } finally {
      database.close();
    }
  } catch {
    return false;
  }
}

interface LoopHabitRow {
  Id: number;
  name: string | null;
  freq_num: number | null;
  freq_den: number | null;
  archived: number | null;
  position: number | null;
  reminder_hour: number | null;
  reminder_min: number | null;
  reminder_days: number | null;
  type: number;
  uuid: string | null;
}

interface LoopRepetitionRow {
  habit: number;
  timestamp: number;
  value: number;
  notes: string | null;
}

function columnsOf(database: Database, table: string): Set<string> {
  return new Set(
    database
      .prepare<[], { name: string }>(`SELECT name FROM pragma_table_info('${table}')`)
      .all()
      .map((column) => column.name.toLowerCase()),
  );
}

function readHabits(database: Database, file: string): LoopHabitRow[] {
  const columns = columnsOf(database, 'Habits');
  for (const needed of ['id', 'name', 'freq_num', 'freq_den'])
    if (!columns.has(needed)) throw new DataFileError(file, `table Habits has no column ${needed}`);
  const optional = (name: string, fallback: string): string => (columns.has(name) ? name : `${fallback} AS ${name}`);
  return database
    .prepare<[], LoopHabitRow>(
      `SELECT Id, name, freq_num, freq_den, ${optional('archived', '0')}, ${optional('position', 'Id')},
        ${optional('reminder_hour', 'NULL')}, ${optional('reminder_min', 'NULL')}, ${optional('reminder_days', '127')},
        ${optional('type', '0')}, ${optional('uuid', 'NULL')}
       FROM Habits ORDER BY position, Id`,
    )
    .all();
}

function readRepetitions(database: Database): LoopRepetitionRow[] {
  const columns = columnsOf(database, 'Repetitions');
  const value = columns.has('value') ? 'value' : '2 AS value';
  const notes = columns.has('notes') ? 'notes' : 'NULL AS notes';
  // Migration 22: only rows of existing habits, with a time, the first of each habit and day.
  return database
    .prepare<[], LoopRepetitionRow>(
      `SELECT habit, timestamp, ${value}, ${notes} FROM Repetitions
       WHERE habit IN (SELECT Id FROM Habits) AND timestamp IS NOT NULL
         AND rowid IN (SELECT min(rowid) FROM Repetitions GROUP BY habit, timestamp / 86400000)
       ORDER BY habit, timestamp`,
    )
    .all();
}

function toHabit(row: LoopHabitRow, repetitions: LoopRepetitionRow[], file: string, warnings: string[]): HabitRecord {
  const where = `Habits row Id=${row.Id}`;
  const name = (row.name ?? '').trim();
  if (name === '') throw new DataFileError(file, 'the habit has no name', where);
  const num = row.freq_num ?? 1;
  const den = row.freq_den ?? 1;
  if (!Number.isInteger(num) || !Number.isInteger(den) || num < 1 || den < 1 || den > MAX_PERIOD_DAYS || num > den)
    throw new DataFileError(file, `frequency ${num}/${den} is not one steward can keep`, `${where}, freq_num/freq_den`);
  let reminder: string | null = null;
  if (row.reminder_hour !== null && row.reminder_min !== null) {
    reminder = `${String(row.reminder_hour).padStart(2, '0')}:${String(row.reminder_min).padStart(2, '0')}`;
    if (!/^([01]\d|2[0-3]):[0-5]\d$/.test(reminder))
      throw new DataFileError(
        file,
        `reminder ${reminder} is not a time of day`,
        `${where}, reminder_hour/reminder_min`,
      );
    if ((row.reminder_days ?? 127) % 128 !== 127)
      warnings.push(`${name}: Loop reminds only on some weekdays; steward reminds every day at ${reminder}.`);
  }
  const entries: HabitEntryRecord[] = [];
  let droppedNotes = 0;
  for (const repetition of repetitions) {
    if (repetition.timestamp < 0)
      throw new DataFileError(
        file,
        `timestamp ${repetition.timestamp} is before 1970`,
        `Repetitions of habit ${row.Id}`,
      );
    const day = loopDay(repetition.timestamp);
    const note = repetition.notes === null || repetition.notes === '' ? null : repetition.notes;
    if (repetition.value === LOOP_VALUES.YES_MANUAL) entries.push({ day, kind: 'done', note });
    else if (repetition.value === LOOP_VALUES.SKIP) entries.push({ day, kind: 'skip', note });
    else if (note !== null) droppedNotes += 1;
  }
  warnAboutDroppedNotes(warnings, name, droppedNotes);
  const first = entries[0]?.day;
  return {
    key: row.uuid !== null && row.uuid !== '' ? `loop:${row.uuid}` : `loop-db:${row.Id}:${name}`,
    name,
    frequency: { num: num === den ? 1 : num, den: num === den ? 1 : den, weekdays: null },
    reminder,
    createdAt: first === undefined ? new Date().toISOString() : noonOf(first),
    archivedAt: (row.archived ?? 0) !== 0 ? new Date().toISOString() : null,
    entries,
  };
}

/**
 * Read a Loop backup into a habits document (see `../data.ts`), checking it
 * first (`PRAGMA quick_check`, the tables, the schema version).
 * @param file - path of the backup
 * @returns the document: every yes/no habit in Loop's order, with its check-ins and skips, and warnings for what steward cannot keep
 * @throws DataFileError for a file that is not a Loop backup, is damaged or truncated, comes from a newer Loop, or has a value steward cannot read (naming the row and column)
 */
export function readLoopBackup(file: string): HabitsDocument {
  if (!isSqliteFile(file)) throw new DataFileError(file, 'not an SQLite database (is it a Loop backup?)');
  let database: Database;
  try {
    database = openReadOnlyDatabase(file);
  } catch (error) {
    throw new DataFileError(file, `cannot be opened: ${describeError(error)}`, undefined, { cause: error });
  }
  try {
    let check: string;
    try {
      check = database.pragma('quick_check', { simple: true }) as string;
    } catch (error) {
      throw new DataFileError(file, `is damaged or truncated: ${describeError(error)}`, undefined, { cause: error });
    }
    if (check !== 'ok') throw new DataFileError(file, `is damaged or truncated (${check})`);
    const version = database.pragma('user_version', { simple: true }) as number;
    if (version > LOOP_DATABASE_VERSION)
      throw new DataFileError(
        file,
        `comes from a newer Loop Habit Tracker (schema version ${version}; steward reads up to ${LOOP_DATABASE_VERSION})`,
      );
    if (!isLoopBackup(file)) throw new DataFileError(file, 'has no Habits and Repetitions tables: not a Loop backup');
    const warnings: string[] = [];
    const repetitions = new Map<number, LoopRepetitionRow[]>();
    for (const row of readRepetitions(database)) {
      const list = repetitions.get(row.habit);
      if (list === undefined) repetitions.set(row.habit, [row]);
      else list.push(row);
    }
    const habits: HabitRecord[] = [];
    for (const row of readHabits(database, file)) {
      if (row.type !== 0) {
        warnings.push(`${row.name ?? `habit ${row.Id}`}: a numerical habit; steward has only yes/no habits, left out.`);
        continue;
      }
      habits.push(toHabit(row, repetitions.get(row.Id) ?? [], file, warnings));
    }
    return { version: HABITS_DATA_VERSION, habits, warnings };
  } catch (error) {
    if (error instanceof DataFileError) throw error;
    throw new DataFileError(file, `cannot be read: ${describeError(error)}`, undefined, { cause: error });
  } finally {
    database.close();
  }
}
