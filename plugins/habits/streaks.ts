import { addDays, type IsoDate } from '../../src/shared/time.js';
import { periodOf, previousPeriod, type Frequency } from './frequency.js';

/** Check-ins per period key. */
function countByPeriod(days: Iterable<IsoDate>, frequency: Frequency): Map<IsoDate, number> {
  const counts = new Map<IsoDate, number>();
  for (const day of days) {
    const period = periodOf(day, frequency);
    counts.set(period, (counts.get(period) ?? 0) + 1);
  }
  return counts;
}

/**
 * The current streak, in periods (days for daily habits, ISO weeks for
 * weekly and N-per-week ones): consecutive complete periods up to now. The
 * current period counts once it is complete; until then the streak that
 * ended with the previous period is still alive.
 *
 * @param days - the days with a check-in (local days, `YYYY-MM-DD`)
 * @param frequency - the habit's frequency
 * @param today - the owner's local day
 * @returns the streak length in periods, 0 or more
 */
export function currentStreak(days: Iterable<IsoDate>, frequency: Frequency, today: IsoDate): number {
  const counts = countByPeriod(days, frequency);
  let period = periodOf(today, frequency);
  if ((counts.get(period) ?? 0) < frequency.num) period = previousPeriod(period, frequency);
  let streak = 0;
  while ((counts.get(period) ?? 0) >= frequency.num) {
    streak += 1;
    period = previousPeriod(period, frequency);
  }
  return streak;
}

/**
 * The longest run of consecutive complete periods ever.
 * @param days - the days with a check-in
 * @param frequency - the habit's frequency
 * @returns the best streak in periods
 */
export function bestStreak(days: Iterable<IsoDate>, frequency: Frequency): number {
  const counts = countByPeriod(days, frequency);
  const complete = new Set([...counts].filter(([, count]) => count >= frequency.num).map(([period]) => period));
  let best = 0;
  for (const period of complete) {
    if (complete.has(previousPeriod(period, frequency))) continue;
    let length = 0;
    let cursor = period;
    while (complete.has(cursor)) {
      length += 1;
      cursor = addDays(cursor, frequency.den);
    }
    best = Math.max(best, length);
  }
  return best;
}

/**
 * Check-ins still needed in the current period (0 when it is complete).
 * @param days - the days with a check-in
 * @param frequency - the habit's frequency
 * @param today - the owner's local day
 */
export function remainingThisPeriod(days: Iterable<IsoDate>, frequency: Frequency, today: IsoDate): number {
  const done = countByPeriod(days, frequency).get(periodOf(today, frequency)) ?? 0;
  return Math.max(0, frequency.num - done);
}
