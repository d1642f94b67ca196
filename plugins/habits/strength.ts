import type { DayNumber } from './days.js';
import type { ComputedEntries } from './entries.js';
import { frequencyValue, type Frequency } from './frequency.js';

/**
 * Habit strength: Loop Habit Tracker's exponential score (`Score.compute`
 * and `ScoreList.recompute` in uhabits-core). Each day,
 *
 *     multiplier = 0.5 ^ (√freq / 13)
 *     score      = previous × multiplier + value × (1 − multiplier)
 *
 * where `freq = num / den` and `value` is the share of the target met in the
 * last `den` days: `min(1, check-ins in the window / num)`. For habits done
 * less than daily Loop doubles `num` and `den` to smooth irregular schedules.
 * Skipped days (and days off a habit's weekdays) leave the score unchanged.
 * A daily habit done every day from 0 reaches 50 % after 13 days.
 */

/**
 * The daily decay factor: `0.5 ^ (√freq / 13)`.
 * @param frequency - the habit's frequency (a weekday habit counts as daily on its days)
 * @returns a number in (0, 1): 0.9481 for daily habits
 */
export function strengthMultiplier(frequency: Frequency): number {
  const freq = frequency.weekdays === null ? frequencyValue(frequency) : 1;
  return Math.pow(0.5, Math.sqrt(freq) / 13);
}

/**
 * One step of the score.
 * @param multiplier - from {@link strengthMultiplier}
 * @param previous - yesterday's score, 0–1
 * @param value - today's share of the target met, 0–1
 * @returns today's score, 0–1
 */
export function nextScore(multiplier: number, previous: number, value: number): number {
  return previous * multiplier + value * (1 - multiplier);
}

/** Scores of a habit, day by day. */
export interface StrengthSeries {
  /**
   * The score at the end of `day`, 0–1 (0 before the first computed day,
   * and the last computed score for days after `through`).
   */
  on(day: DayNumber): number;
}

/**
 * Compute a habit's scores from its first computed day through `through`.
 * @param computed - the habit's computed entries
 * @param frequency - the habit's frequency
 * @param through - the last day to compute (usually today)
 * @returns the series
 */
export function strengthSeries(computed: ComputedEntries, frequency: Frequency, through: DayNumber): StrengthSeries {
  const from = computed.from;
  if (Number.isNaN(from) || through < from) return { on: () => 0 };
  const daily = frequency.weekdays !== null || frequency.den === 1;
  const num = daily ? 1 : frequency.num * (frequencyValue(frequency) < 1 ? 2 : 1);
  const den = daily ? 1 : frequency.den * (frequencyValue(frequency) < 1 ? 2 : 1);
  const multiplier = strengthMultiplier(frequency);
  const scores = new Float64Array(through - from + 1);
  let rollingSum = 0;
  let score = 0;
  for (let day = from; day <= through; day += 1) {
    const value = computed.valueOn(day);
    if (value === 'done') rollingSum += 1;
    if (day - den >= from && computed.valueOn(day - den) === 'done') rollingSum -= 1;
    if (value !== 'skipped' && value !== 'off') score = nextScore(multiplier, score, Math.min(1, rollingSum / num));
    scores[day - from] = score;
  }
  return {
    on: (day) => {
      if (day < from) return 0;
      return scores[Math.min(day, through) - from] as number;
    },
  };
}
