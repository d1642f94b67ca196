import type { IsoDate } from '../../src/shared/time.js';

/**
 * Calendar days as whole numbers (days since 1970-01-01 on the calendar, not
 * an instant), so that the Loop computations over years of history are plain
 * integer arithmetic. A day number has no time zone: it names the owner's
 * local calendar day that `src/shared/time.ts` computed in `STEWARD_TIMEZONE`.
 */
export type DayNumber = number;

/** ISO weekday: 1 = Monday … 7 = Sunday. */
export type Weekday = 1 | 2 | 3 | 4 | 5 | 6 | 7;

const MS_PER_DAY = 86_400_000;

/**
 * The day number of a `YYYY-MM-DD` day.
 * @param day - a valid ISO calendar day
 */
export function toDayNumber(day: IsoDate): DayNumber {
  const year = Number(day.slice(0, 4));
  const month = Number(day.slice(5, 7));
  const date = Number(day.slice(8, 10));
  return Math.round(Date.UTC(year, month - 1, date) / MS_PER_DAY);
}

/**
 * The `YYYY-MM-DD` text of a day number.
 * @param day - a day number
 */
export function fromDayNumber(day: DayNumber): IsoDate {
  return new Date(day * MS_PER_DAY).toISOString().slice(0, 10);
}

/**
 * The ISO weekday of a day number (1970-01-01 was a Thursday).
 * @param day - a day number
 */
export function weekdayOf(day: DayNumber): Weekday {
  return (((((day + 3) % 7) + 7) % 7) + 1) as Weekday;
}

/**
 * Days in the calendar month holding `day` (28–31).
 * @param day - a day number
 */
export function monthLength(day: DayNumber): number {
  const date = new Date(day * MS_PER_DAY);
  return new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 0)).getUTCDate();
}

/**
 * Whether `day` is the last day of its month.
 * @param day - a day number
 */
export function isLastDayOfMonth(day: DayNumber): boolean {
  return new Date((day + 1) * MS_PER_DAY).getUTCDate() === 1;
}

/** Short English names of the ISO weekdays, index 1 = `mon`. */
export const WEEKDAY_NAMES: readonly string[] = ['', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

/**
 * Whether a text is a real calendar day `YYYY-MM-DD` (2026-02-30 is not):
 * the same answer as `parseIsoDate` in `src/shared/time.ts`, without luxon,
 * for imports that check years of days.
 * @param text - the text
 */
export function isCalendarDay(text: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return false;
  const date = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === text;
}
