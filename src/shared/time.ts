import { DateTime } from 'luxon';

/**
 * Calendar days are the owner's local days in the configured IANA zone, kept
 * as ISO strings (`YYYY-MM-DD`). Arithmetic on them is done on the calendar,
 * never on UTC instants, so a streak never breaks at UTC+8 or across a DST
 * change (the fault of an older assistant of this kind).
 */

/** A source of the current instant; tests inject a fixed one. */
export interface Clock {
  /** The current instant. */
  now(): Date;
}

/** The real wall clock. */
export const systemClock: Clock = { now: () => new Date() };

/** A calendar day as `YYYY-MM-DD`. */
export type IsoDate = string;

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * The local calendar day of an instant.
 * @param instant - a point in time
 * @param zone - IANA zone, for example `Asia/Singapore`
 * @returns the day in that zone, `YYYY-MM-DD`
 */
export function localDate(instant: Date, zone: string): IsoDate {
  return DateTime.fromJSDate(instant, { zone }).toISODate() as IsoDate;
}

/**
 * Check and normalise a `YYYY-MM-DD` string.
 * @param text - what the user typed
 * @returns the date, or undefined if it is not a real calendar day (2026-02-30 is not)
 */
export function parseIsoDate(text: string): IsoDate | undefined {
  if (!ISO_DATE.test(text)) return undefined;
  const parsed = DateTime.fromISO(text, { zone: 'utc' });
  return parsed.isValid ? parsed.toISODate() : undefined;
}

/**
 * Move a calendar day by whole days.
 * @param day - `YYYY-MM-DD`
 * @param days - days to add (negative to go back)
 * @returns the new day
 */
export function addDays(day: IsoDate, days: number): IsoDate {
  return DateTime.fromISO(day, { zone: 'utc' }).plus({ days }).toISODate() as IsoDate;
}

/**
 * Whole calendar days from `from` to `to` (positive when `to` is later).
 * @param from - `YYYY-MM-DD`
 * @param to - `YYYY-MM-DD`
 */
export function daysBetween(from: IsoDate, to: IsoDate): number {
  return Math.round(DateTime.fromISO(to, { zone: 'utc' }).diff(DateTime.fromISO(from, { zone: 'utc' }), 'days').days);
}

/**
 * The Monday that starts the ISO week holding `day`.
 * @param day - `YYYY-MM-DD`
 * @returns the Monday, `YYYY-MM-DD`
 */
export function weekStart(day: IsoDate): IsoDate {
  return DateTime.fromISO(day, { zone: 'utc' }).startOf('week').toISODate() as IsoDate;
}

/**
 * ISO weekday of a day: 1 = Monday … 7 = Sunday.
 * @param day - `YYYY-MM-DD`
 */
export function isoWeekday(day: IsoDate): number {
  return DateTime.fromISO(day, { zone: 'utc' }).weekday;
}

/**
 * A human label for a day relative to today: "today", "yesterday", "Mon 2026-11-16".
 * @param day - the day to label
 * @param today - the owner's today
 */
export function describeDay(day: IsoDate, today: IsoDate): string {
  const offset = daysBetween(day, today);
  if (offset === 0) return 'today';
  if (offset === 1) return 'yesterday';
  if (offset === -1) return 'tomorrow';
  return DateTime.fromISO(day, { zone: 'utc' }).toFormat('ccc yyyy-LL-dd');
}
