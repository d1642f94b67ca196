import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import type { PluginContext } from '../../../src/plugins/api.js';
import { fromDayNumber, toDayNumber, type DayNumber } from '../days.js';
import { computeEntries, type ComputedEntries, type DayValue } from '../entries.js';
import { strengthSeries, type StrengthSeries } from '../strength.js';
import { HabitStore, type Habit } from '../store.js';
import type { LoopValueName } from './values.js';

/**
 * Write the habits in the layout of Loop Habit Tracker's "Export as CSV"
 * (`HabitsCSVExporter.kt` and `HabitList.writeCSV`, iSoron/uhabits), so
 * that a tool that reads Loop's export reads steward's: `Habits.csv`, one
 * folder per habit with its `Checkmarks.csv` and `Scores.csv`, and the
 * combined `Checkmarks.csv` and `Scores.csv` (newest day first, scores with
 * 4 decimals). Values are Loop's: YES_MANUAL (a check-in), YES_AUTO (a day
 * covered by a completed period), SKIP, UNKNOWN. Steward keeps no "NO":
 * a missed day is UNKNOWN. A habit on set weekdays is written as "N times
 * every 7 days" (Loop has no weekday habits), its days off as UNKNOWN.
 */

const HABITS_HEADER = [
  'Position',
  'Name',
  'Type',
  'Question',
  'Description',
  'FrequencyNumerator',
  'FrequencyDenominator',
  'Color',
  'Unit',
  'Target Type',
  'Target Value',
  'Archived?',
];

/** Loop's default colour in its CSV (`PaletteColor(8).toCsvColor()`, grey-blue); steward keeps no colours. */
const DEFAULT_COLOR = '#37474F';

function loopValue(value: DayValue): LoopValueName {
  if (value === 'done') return 'YES_MANUAL';
  if (value === 'auto') return 'YES_AUTO';
  if (value === 'skipped') return 'SKIP';
  return 'UNKNOWN';
}

/** Loop's `sanitizeFilename`: keep letters, digits, space, `.`, `_` and `-`; at most 100 characters. */
function sanitizeFilename(name: string): string {
  return name.replace(/[^ a-zA-Z0-9._-]+/g, '').slice(0, 100);
}

interface Computed {
  habit: Habit;
  position: string;
  computed: ComputedEntries;
  scores: StrengthSeries;
  notes: Map<string, string>;
  firstEntry: DayNumber | undefined;
}

function csv(rows: string[][]): string {
  return stringify(rows, { record_delimiter: '\n' });
}

/** Days from `newest` down to `oldest`, both included. */
function daysDown(newest: DayNumber, oldest: DayNumber): DayNumber[] {
  const days: DayNumber[] = [];
  for (let day = newest; day >= oldest; day -= 1) days.push(day);
  return days;
}

/**
 * Write every habit (archived ones too, in id order) in Loop's CSV layout.
 * @param directory - the folder to write into (created if needed)
 * @param context - the habits plugin's context (today is the owner's today)
 * @returns the paths written
 */
export function writeLoopCsvExport(directory: string, context: PluginContext): string[] {
  const store = new HabitStore(context.store, context.timeZone);
  const today = toDayNumber(context.today());
  const habits = [...store.list(), ...store.archived()].sort((left, right) => left.id - right.id);
  const all: Computed[] = habits.map((habit, index) => {
    const entries = store.entries(habit.id);
    const frequency =
      habit.frequency.weekdays === null
        ? habit.frequency
        : { num: habit.frequency.weekdays.length, den: 7, weekdays: null };
    const computed = computeEntries(entries, habit.frequency);
    return {
      habit: { ...habit, frequency },
      position: String(index + 1).padStart(3, '0'),
      computed,
      scores: strengthSeries(computed, habit.frequency, today),
      notes: new Map(
        entries.filter((entry) => (entry.note ?? '') !== '').map((entry) => [entry.day, entry.note ?? '']),
      ),
      firstEntry: entries[0] === undefined ? undefined : toDayNumber(entries[0].day),
    };
  });
  mkdirSync(directory, { recursive: true });
  const written: string[] = [];
  const write = (path: string, text: string): void => {
    writeFileSync(path, text);
    written.push(path);
  };
  write(
    join(directory, 'Habits.csv'),
    csv([
      HABITS_HEADER,
      ...all.map(({ habit, position }) => [
        position,
        habit.name,
        'YES_NO',
        '',
        '',
        String(habit.frequency.num),
        String(habit.frequency.den),
        DEFAULT_COLOR,
        '',
        '',
        '',
        String(habit.archivedAt !== null),
      ]),
    ]),
  );
  for (const entry of all) {
    const folder = join(directory, `${entry.position} ${sanitizeFilename(entry.habit.name)}`.trim());
    mkdirSync(folder, { recursive: true });
    const { computed, scores } = entry;
    // Loop's scores run from the oldest computed day to today; its checkmarks are the known computed days.
    const oldest = Number.isNaN(computed.from) ? today : Math.min(computed.from, today);
    const scoreRows = daysDown(today, oldest).map((day) => [fromDayNumber(day), scores.on(day).toFixed(4)]);
    write(join(folder, 'Scores.csv'), csv([['Date', 'Score'], ...scoreRows]));
    const known = Number.isNaN(computed.from)
      ? []
      : daysDown(computed.to, computed.from).filter((day) => {
          const value = computed.valueOn(day);
          return value !== 'none' && value !== 'off';
        });
    const checkRows = known.map((day) => {
      const date = fromDayNumber(day);
      return [date, loopValue(computed.valueOn(day)), entry.notes.get(date) ?? ''];
    });
    write(join(folder, 'Checkmarks.csv'), csv([['Date', 'Value', 'Notes'], ...checkRows]));
  }
  // The combined files: from the oldest check-in or skip of any habit to today (Loop's getTimeframe),
  // each line ending in the delimiter, as Loop writes them.
  const firsts = all.flatMap(({ firstEntry }) => (firstEntry === undefined ? [] : [firstEntry]));
  const oldest = firsts.length === 0 ? today : Math.min(today, ...firsts);
  const names = all.map(({ habit }) => habit.name);
  const days = daysDown(today, oldest);
  write(
    join(directory, 'Checkmarks.csv'),
    csv([
      ['Date', ...names, ''],
      ...days.map((day) => [fromDayNumber(day), ...all.map(({ computed }) => loopValue(computed.valueOn(day))), '']),
    ]),
  );
  write(
    join(directory, 'Scores.csv'),
    csv([
      ['Date', ...names, ''],
      ...days.map((day) => [fromDayNumber(day), ...all.map(({ scores }) => scores.on(day).toFixed(4)), '']),
    ]),
  );
  return written;
}
