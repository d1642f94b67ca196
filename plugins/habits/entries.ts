import type { IsoDate } from '../../src/shared/time.js';
import { isLastDayOfMonth, monthLength, toDayNumber, weekdayOf, type DayNumber } from './days.js';
import type { Frequency } from './frequency.js';

/**
 * Loop Habit Tracker's computed entries (`EntryList.recomputeFrom` in
 * uhabits-core): from the owner's check-ins and skips, mark every day of a
 * completed period as done automatically, so that "3 times per week" is a
 * run of covered days like a daily habit.
 */

/** What the owner recorded for one day. */
export interface Entry {
  /** Local day, `YYYY-MM-DD`. */
  day: IsoDate;
  /** `done` (a check-in) or `skip` (a day that neither counts nor breaks a streak). */
  kind: 'done' | 'skip';
  /** Optional note. */
  note?: string | null;
}

/**
 * The computed value of one day, after Loop:
 * - `done`: checked in (Loop's YES_MANUAL);
 * - `auto`: not checked in, but inside a period whose target was met (YES_AUTO);
 * - `skipped`: skipped by the owner (SKIP);
 * - `off`: not one of the habit's weekdays (Loop's skip days);
 * - `none`: nothing (UNKNOWN: missed, or today not yet done).
 */
export type DayValue = 'done' | 'auto' | 'skipped' | 'off' | 'none';

/** A completed period: `begin`…`end` (inclusive), completed on `center`. */
export interface Interval {
  /** First day covered. */
  begin: DayNumber;
  /** Day of the check-in that completed the target. */
  center: DayNumber;
  /** Last day covered. */
  end: DayNumber;
}

/** The computed entries of one habit. */
export interface ComputedEntries {
  /** First day with a computed value (a check-in, a skip, or the start of a snapped interval); NaN when there are none. */
  from: DayNumber;
  /** Last day with a computed value (may be in the future: an interval's end). */
  to: DayNumber;
  /** Day numbers of the owner's check-ins, ascending. */
  doneDays: readonly DayNumber[];
  /**
   * The value of a day (outside `from`…`to`: `off` on a day that is not one
   * of the habit's weekdays, `none` otherwise).
   */
  valueOn: (day: DayNumber) => DayValue;
}

/**
 * Loop's `buildIntervals`: for each run of `num` consecutive check-ins that
 * fits within one period, the period starting at the oldest of them is
 * complete. Monthly periods (`den` 30 or 31) last one calendar month from their
 * first day (the next month's length when it starts on a month's last day).
 * @param doneNewestFirst - check-in days, newest first
 * @param frequency - the habit's frequency
 * @returns intervals, newest first
 */
export function buildIntervals(doneNewestFirst: readonly DayNumber[], frequency: Frequency): Interval[] {
  const num = frequency.weekdays === null ? frequency.num : 1;
  const den = frequency.weekdays === null ? frequency.den : 1;
  const intervals: Interval[] = [];
  for (let index = num - 1; index < doneNewestFirst.length; index += 1) {
    const begin = doneNewestFirst[index] as DayNumber;
    const center = doneNewestFirst[index - num + 1] as DayNumber;
    let size: number = den;
    if (den === 30 || den === 31) size = isLastDayOfMonth(begin) ? monthLength(begin + 1) : monthLength(begin);
    if (center - begin < size) intervals.push({ begin, center, end: begin + size - 1 });
  }
  return intervals;
}

/**
 * Loop's `snapIntervalsTogether`: from the second newest, slide each
 * interval back in time (never past its centre) so that it does not overlap
 * the newer one, which removes gaps and maximises streaks.
 * @param intervals - newest first; changed in place
 */
export function snapIntervalsTogether(intervals: Interval[]): void {
  for (let index = 1; index < intervals.length; index += 1) {
    const current = intervals[index] as Interval;
    const next = intervals[index - 1] as Interval;
    const gapNextToCurrent = current.end - next.begin;
    const gapCenterToEnd = current.end - current.center;
    if (gapNextToCurrent >= 0) {
      const shift = Math.min(gapCenterToEnd, gapNextToCurrent + 1);
      intervals[index] = { begin: current.begin - shift, center: current.center, end: current.end - shift };
    }
  }
}

/**
 * Compute every day's value from the owner's entries, as Loop does:
 * intervals of completed periods are `auto`, check-ins and skips are copied
 * over them, and days off the habit's weekdays are `off`.
 * @param entries - the owner's check-ins and skips, any order, one per day
 * @param frequency - the habit's frequency
 * @returns the computed entries
 */
export function computeEntries(entries: readonly Entry[], frequency: Frequency): ComputedEntries {
  const weekdays = frequency.weekdays === null ? null : new Set<number>(frequency.weekdays);
  const isOff = (day: DayNumber): boolean => weekdays !== null && !weekdays.has(weekdayOf(day));
  const recorded = entries
    .map((entry) => ({ day: toDayNumber(entry.day), kind: entry.kind }))
    .sort((left, right) => right.day - left.day);
  const doneNewestFirst = recorded.filter((entry) => entry.kind === 'done').map((entry) => entry.day);
  const intervals = buildIntervals(doneNewestFirst, frequency);
  snapIntervalsTogether(intervals);

  let from = Number.NaN;
  let to = Number.NaN;
  for (const entry of recorded) {
    from = Number.isNaN(from) ? entry.day : Math.min(from, entry.day);
    to = Number.isNaN(to) ? entry.day : Math.max(to, entry.day);
  }
  for (const interval of intervals) {
    from = Math.min(from, interval.begin);
    to = Math.max(to, interval.end);
  }
  const values: DayValue[] = Number.isNaN(from)
    ? []
    : Array.from({ length: to - from + 1 }, (_, offset) => (isOff(from + offset) ? 'off' : 'none'));
  for (const interval of intervals) {
    for (let day = interval.begin; day <= interval.end; day += 1) values[day - from] = isOff(day) ? 'off' : 'auto';
  }
  for (const entry of recorded) {
    values[entry.day - from] = isOff(entry.day) ? 'off' : entry.kind === 'done' ? 'done' : 'skipped';
  }
  return {
    from,
    to,
    doneDays: [...doneNewestFirst].reverse(),
    valueOn: (day) => {
      if (day >= from && day <= to) return values[day - from] as DayValue;
      return isOff(day) ? 'off' : 'none';
    },
  };
}
