import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { DataFileError, describeError } from '../../../src/shared/errors.js';
import { isCalendarDay } from '../days.js';
import { MAX_PERIOD_DAYS } from '../frequency.js';
import { HABITS_DATA_VERSION, type HabitEntryRecord, type HabitRecord, type HabitsDocument } from '../data.js';
import { noonOf, parseLoopValue, warnAboutDroppedNotes } from './values.js';

/**
 * Loop Habit Tracker's "Export as CSV" folder (the zip unpacked), read as
 * Loop's `HabitsCSVExporter.kt` and `HabitList.writeCSV` write it
 * (iSoron/uhabits, uhabits-core):
 *
 * - `Habits.csv`: `Position,Name,Type,Question,Description,
 *   FrequencyNumerator,FrequencyDenominator,Color,Unit,Target Type,
 *   Target Value,Archived?`, one row per habit; `Position` is `%03d` of its
 *   place in the list;
 * - one folder per habit, `<Position> <name without unsafe characters>`,
 *   with `Checkmarks.csv` (`Date,Value,Notes`, newest first, the computed
 *   days: YES_MANUAL, YES_AUTO, NO, SKIP) and `Scores.csv`;
 * - `Checkmarks.csv` and `Scores.csv` at the top, one column per habit
 *   (values only, no notes), read for a habit whose folder is missing.
 *
 * Only YES_MANUAL (a check-in) and SKIP (a skip) are the owner's input;
 * YES_AUTO is computed again from them, NO and UNKNOWN are no entry.
 * Scores are computed, never imported. The CSV has no reminders and no
 * habit ids: a habit's key is `loop-csv:<Position>:<Name>`.
 */

/** The columns of `Habits.csv` steward needs (Loop writes more). */
const NEEDED = ['Position', 'Name', 'FrequencyNumerator', 'FrequencyDenominator'] as const;

/**
 * The export folder of a path: the folder itself, or the folder of its `Habits.csv`.
 * @param path - a folder or a `Habits.csv`
 */
function exportFolder(path: string): string {
  return statSync(path).isDirectory() ? path : dirname(path);
}

/**
 * Whether `path` is a Loop CSV export: a folder with a `Habits.csv` whose
 * header is Loop's (or that `Habits.csv` itself).
 * @param path - a file or folder
 */
export function isLoopCsvExport(path: string): boolean {
  try {
    const folder = statSync(path).isDirectory() ? path : basename(path) === 'Habits.csv' ? dirname(path) : undefined;
    if (folder === undefined) return false;
    const habits = join(folder, 'Habits.csv');
    if (!existsSync(habits)) return false;
    const header = readFileSync(habits, 'utf8').split('\n', 1)[0] ?? '';
    return header.startsWith('Position,Name,');
  } catch {
    return false;
  }
}

/** Rows of a CSV file, each with the line it started on. */
function readCsv(file: string): Array<{ line: number; cells: string[] }> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new DataFileError(file, `cannot be read: ${describeError(error)}`, undefined, { cause: error });
  }
  try {
    const records = parse(text, { info: true, relax_column_count: true, skip_empty_lines: true }) as unknown as Array<{
      record: string[];
      info: { lines: number };
    }>;
    return records.map(({ record, info }) => ({ line: info.lines, cells: record.map((cell) => cell.trim()) }));
  } catch (error) {
    const line = (error as { lines?: number }).lines;
    throw new DataFileError(
      file,
      `malformed CSV (${describeError(error).replace(/^Invalid /, 'invalid ')})`,
      line === undefined ? undefined : `line ${line}`,
      { cause: error },
    );
  }
}

/** Loop's `sanitizeFilename`: keep letters, digits, space, `.`, `_` and `-`; at most 100 characters. */
function sanitizeFilename(name: string): string {
  return name.replace(/[^ a-zA-Z0-9._-]+/g, '').slice(0, 100);
}

function readEntries(
  file: string,
  rows: Array<{ line: number; cells: string[] }>,
  column: number,
  notesColumn: number | undefined,
): { entries: HabitEntryRecord[]; droppedNotes: number } {
  const entries: HabitEntryRecord[] = [];
  let droppedNotes = 0;
  for (const { line, cells } of rows.slice(1)) {
    const date = cells[0] ?? '';
    if (!isCalendarDay(date)) throw new DataFileError(file, `"${date}" is not a date (YYYY-MM-DD)`, `line ${line}`);
    const cell = cells[column];
    if (cell === undefined) throw new DataFileError(file, 'the row is cut short', `line ${line}`);
    const value = parseLoopValue(cell);
    if (value === undefined)
      throw new DataFileError(
        file,
        `"${cell}" is not a Loop value (YES_MANUAL, YES_AUTO, NO, SKIP or UNKNOWN)`,
        `line ${line}`,
      );
    const rawNote = notesColumn === undefined ? '' : (cells[notesColumn] ?? '');
    const note = rawNote === '' ? null : rawNote;
    if (value === 'YES_MANUAL') entries.push({ day: date, kind: 'done', note });
    else if (value === 'SKIP') entries.push({ day: date, kind: 'skip', note });
    else if (note !== null) droppedNotes += 1;
  }
  return { entries: entries.sort((left, right) => left.day.localeCompare(right.day)), droppedNotes };
}

/**
 * Read a Loop CSV export folder into a habits document (see `../data.ts`).
 * @param path - the folder, or its `Habits.csv`
 * @returns the document: each yes/no habit in Loop's order with its check-ins and skips, and warnings for what steward cannot keep
 * @throws DataFileError naming the file and line that cannot be read (a bad date, an unknown value, a row cut short, a broken quote)
 */
export function readLoopCsvExport(path: string): HabitsDocument {
  if (path.endsWith('.zip')) throw new DataFileError(path, 'is a zip file: unzip it and import the folder');
  const folder = exportFolder(path);
  const habitsFile = join(folder, 'Habits.csv');
  const rows = readCsv(habitsFile);
  const header = rows[0]?.cells ?? [];
  const column = (name: string): number => header.indexOf(name);
  for (const name of NEEDED)
    if (column(name) < 0) throw new DataFileError(habitsFile, `the header has no "${name}" column`, 'line 1');
  const combinedFile = join(folder, 'Checkmarks.csv');
  const combined = existsSync(combinedFile) ? readCsv(combinedFile) : undefined;
  const warnings: string[] = [];
  const habits: HabitRecord[] = [];
  for (const { line, cells } of rows.slice(1)) {
    const cell = (name: string): string => cells[column(name)] ?? '';
    const position = cell('Position');
    const name = cell('Name');
    if (name === '') throw new DataFileError(habitsFile, 'the habit has no name', `line ${line}`);
    if (column('Type') >= 0 && cell('Type') !== '' && cell('Type') !== 'YES_NO') {
      warnings.push(`${name}: a numerical habit; steward has only yes/no habits, left out.`);
      continue;
    }
    const num = Number(cell('FrequencyNumerator'));
    const den = Number(cell('FrequencyDenominator'));
    if (!Number.isInteger(num) || !Number.isInteger(den) || num < 1 || den > MAX_PERIOD_DAYS || num > den)
      throw new DataFileError(
        habitsFile,
        `frequency ${cell('FrequencyNumerator')}/${cell('FrequencyDenominator')} is not one steward can keep`,
        `line ${line}`,
      );
    const archived = cell('Archived?').toLowerCase();
    if (archived !== '' && archived !== 'true' && archived !== 'false')
      throw new DataFileError(habitsFile, `Archived? is "${cell('Archived?')}", not true or false`, `line ${line}`);
    const own = join(folder, `${position} ${sanitizeFilename(name)}`.trim(), 'Checkmarks.csv');
    let read: { entries: HabitEntryRecord[]; droppedNotes: number };
    if (existsSync(own)) {
      const checkmarks = readCsv(own);
      read = readEntries(own, checkmarks, 1, 2);
    } else if (combined !== undefined) {
      const index = (combined[0]?.cells ?? []).indexOf(name);
      if (index < 1) throw new DataFileError(combinedFile, `has no column for the habit "${name}"`, 'line 1');
      read = readEntries(combinedFile, combined, index, undefined);
    } else {
      throw new DataFileError(folder, `has no Checkmarks.csv for the habit "${name}"`);
    }
    warnAboutDroppedNotes(warnings, name, read.droppedNotes);
    const first = read.entries[0]?.day;
    habits.push({
      key: `loop-csv:${position}:${name}`,
      name,
      frequency: { num: num === den ? 1 : num, den: num === den ? 1 : den, weekdays: null },
      reminder: null,
      createdAt: first === undefined ? new Date().toISOString() : noonOf(first),
      archivedAt: archived === 'true' ? new Date().toISOString() : null,
      entries: read.entries,
    });
  }
  return { version: HABITS_DATA_VERSION, habits, warnings };
}
