import { addDays, weekStart, type IsoDate } from '../../src/shared/time.js';

/**
 * How often a habit is due, as Loop Habit Tracker stores it: `num` times
 * every `den` days. Daily is 1/1, weekly 1/7, three times per week 3/7.
 */
export interface Frequency {
  /** Times per period, 1 or more. */
  num: number;
  /** Period length in days: 1 (a day) or 7 (an ISO week, Monday to Sunday). */
  den: 1 | 7;
}

/** Daily: 1 time per day. */
export const DAILY: Frequency = { num: 1, den: 1 };

const FREQUENCY_SUFFIX = /^(?:(.*?)\s+)?(daily|every day|weekly|once a week|(\d+)\s*(?:x|times?)\s*(?:per|a|each)\s*week)$/i;

/**
 * Split `add habit` arguments into the name and its frequency.
 * @param text - for example `meditation daily`, `gym 3 times per week`, `read`
 * @returns the name and the frequency (daily when none is given), or an error message
 */
export function parseHabitSpec(text: string): { name: string; frequency: Frequency } | { error: string } {
  const trimmed = text.trim();
  const match = FREQUENCY_SUFFIX.exec(trimmed);
  if (match === null) return trimmed === '' ? { error: 'Give the habit a name.' } : { name: trimmed, frequency: DAILY };
  const name = (match[1] ?? '').trim();
  const word = (match[2] ?? '').toLowerCase();
  if (name === '') return { error: 'Give the habit a name.' };
  if (word === 'daily' || word === 'every day') return { name, frequency: DAILY };
  if (word === 'weekly' || word === 'once a week') return { name, frequency: { num: 1, den: 7 } };
  const times = Number(match[3]);
  if (!Number.isInteger(times) || times < 1 || times > 7) return { error: `"${times} times per week" must be between 1 and 7.` };
  if (times === 7) return { name, frequency: DAILY };
  return { name, frequency: { num: times, den: 7 } };
}

/**
 * Words for a frequency: `daily`, `weekly`, `3 times per week`.
 * @param frequency - the frequency
 */
export function describeFrequency(frequency: Frequency): string {
  if (frequency.den === 1) return 'daily';
  return frequency.num === 1 ? 'weekly' : `${frequency.num} times per week`;
}

/**
 * The period a day falls in: the day itself for daily habits, its ISO week's
 * Monday otherwise.
 * @param day - `YYYY-MM-DD`
 * @param frequency - the habit's frequency
 */
export function periodOf(day: IsoDate, frequency: Frequency): IsoDate {
  return frequency.den === 1 ? day : weekStart(day);
}

/**
 * The period before the one that starts on `period`.
 * @param period - a period key from {@link periodOf}
 * @param frequency - the habit's frequency
 */
export function previousPeriod(period: IsoDate, frequency: Frequency): IsoDate {
  return addDays(period, -frequency.den);
}

/** Unit of a streak: `day` or `week`. */
export function streakUnit(frequency: Frequency, count: number): string {
  const unit = frequency.den === 1 ? 'day' : 'week';
  return `${count} ${unit}${count === 1 ? '' : 's'}`;
}
