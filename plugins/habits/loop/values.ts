import type { IsoDate } from '../../../src/shared/time.js';

/**
 * The values of a day in Loop Habit Tracker (`Entry.kt` in uhabits-core):
 * what a backup stores in `Repetitions.value` and what the CSV export
 * writes by name in `Checkmarks.csv`.
 */
export const LOOP_VALUES = {
  /** The owner did it (a check-in). */
  YES_MANUAL: 2,
  /** Not done, but not due either: inside a period whose target was met (computed, never stored as input). */
  YES_AUTO: 1,
  /** Not done when it was due. */
  NO: 0,
  /** Not applicable that day (a skip: neither counts nor breaks a streak). */
  SKIP: 3,
  /** No data. */
  UNKNOWN: -1,
} as const;

/** A Loop value's name, as `Entry.formattedValue` writes it. */
export type LoopValueName = keyof typeof LOOP_VALUES;

/**
 * Read a value from a `Checkmarks.csv` cell: a name (`YES_MANUAL`) as Loop
 * writes it now, or the number older versions wrote (`2`).
 * @param cell - the cell, trimmed
 * @returns the value's name, or undefined when the cell is neither
 */
export function parseLoopValue(cell: string): LoopValueName | undefined {
  if (cell in LOOP_VALUES) return cell as LoopValueName;
  if (!/^-?\d+$/.test(cell)) return undefined;
  const value = Number(cell);
  return (Object.keys(LOOP_VALUES) as LoopValueName[]).find((name) => LOOP_VALUES[name] === value);
}

const MS_PER_DAY = 86_400_000;

/**
 * The day of a Loop timestamp: Loop keeps each local day as the UTC
 * midnight of the same calendar date (`Timestamp.kt`), and truncates any
 * other time to its day.
 * @param timestamp - milliseconds since 1970, 0 or more
 * @returns the calendar day, `YYYY-MM-DD`
 */
export function loopDay(timestamp: number): IsoDate {
  return new Date(Math.floor(timestamp / MS_PER_DAY) * MS_PER_DAY).toISOString().slice(0, 10);
}

/**
 * An instant on a calendar day that is that same day in every zone from
 * UTC-11 to UTC+11 (noon UTC): the "added on" time of an imported habit,
 * whose source keeps only days.
 * @param day - `YYYY-MM-DD`
 */
export function noonOf(day: IsoDate): string {
  return `${day}T12:00:00.000Z`;
}

/**
 * Add a warning about notes that could not be kept (on days that were
 * neither a check-in nor a skip: steward keeps a note only with one).
 * @param warnings - the list to add to
 * @param habit - the habit's name
 * @param count - how many notes were dropped (no warning when 0)
 */
export function warnAboutDroppedNotes(warnings: string[], habit: string, count: number): void {
  if (count > 0)
    warnings.push(
      `${habit}: ${count} note${count === 1 ? '' : 's'} on days without a check-in or skip left out (steward keeps a note only with one).`,
    );
}
