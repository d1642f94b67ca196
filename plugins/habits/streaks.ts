import type { IsoDate } from '../../src/shared/time.js';
import { fromDayNumber, type DayNumber } from './days.js';
import type { ComputedEntries } from './entries.js';

/**
 * Streaks as Loop Habit Tracker computes them (`StreakList.recompute`): runs
 * of consecutive days whose computed value is positive (checked in, or
 * covered by a completed period). Two choices differ from Loop, as the issue
 * asks: a skipped day (or a day off the habit's weekdays) bridges a run but
 * does not add to its length, and today, while it is not yet done, keeps
 * yesterday's run alive instead of ending it.
 */

/** One streak: `length` counted days from `start` to `end`. */
export interface Streak {
  /** First counted day, `YYYY-MM-DD`. */
  start: IsoDate;
  /** Last counted day, `YYYY-MM-DD`. */
  end: IsoDate;
  /** Days checked in or covered by a completed period (skipped and off days not counted). */
  length: number;
}

/** Every streak up to today and the one still running. */
export interface StreakHistory {
  /** All streaks, oldest first (the current one included). */
  streaks: Streak[];
  /** The streak still alive today, or null (length 0). */
  current: Streak | null;
  /** The longest streak (the most recent one on a tie), or null. */
  best: Streak | null;
}

/**
 * Find the streaks of a habit up to `today`.
 * @param computed - the habit's computed entries ({@link computeEntries})
 * @param today - the owner's local day
 * @returns the streaks, the current one and the best one
 */
export function findStreaks(computed: ComputedEntries, today: DayNumber): StreakHistory {
  const streaks: Streak[] = [];
  let start: DayNumber | undefined;
  let end: DayNumber = 0;
  let length = 0;
  const close = (): void => {
    if (start !== undefined && length > 0)
      streaks.push({ start: fromDayNumber(start), end: fromDayNumber(end), length });
    start = undefined;
    length = 0;
  };
  if (!Number.isNaN(computed.from)) {
    for (let day = computed.from; day <= today; day += 1) {
      const value = computed.valueOn(day);
      if (value === 'done' || value === 'auto') {
        start ??= day;
        end = day;
        length += 1;
      } else if (value === 'none' && day !== today) {
        close();
      }
    }
  }
  const open = start !== undefined && length > 0;
  close();
  const current = open ? (streaks[streaks.length - 1] as Streak) : null;
  let best: Streak | null = null;
  for (const streak of streaks) if (best === null || streak.length >= best.length) best = streak;
  return { streaks, current, best };
}
