import { WEEKDAYS } from '../../src/shared/day-phrase.js';
import { WEEKDAY_NAMES, type Weekday } from './days.js';

/**
 * How often a habit is due, as Loop Habit Tracker stores it: `num` times
 * every `den` days (daily 1/1, weekly 1/7, three times per week 3/7, monthly
 * 1/30, twice a month 2/30, every 5 days 1/5, 2 times every 3 days 2/3),
 * plus Loop's "skip days" for habits on specific
 * weekdays: `on mon,wed,fri` is daily on those days, and the other days are
 * neither due nor missed.
 */
export interface Frequency {
  /** Times per period, 1 or more. */
  num: number;
  /**
   * Period length in days, 1 to 366, at least `num`: 1 (a day), 7 (a week),
   * 30 or 31 (a month: Loop sizes it by the calendar month), or any other
   * length (Loop's "every N days").
   */
  den: number;
  /** ISO weekdays the habit is on (then `num/den` is 1/1), or null for any day. Ascending, no repeats. */
  weekdays: readonly Weekday[] | null;
}

/** The longest period a frequency may have, in days (Loop's "every N days" goes up to a year). */
export const MAX_PERIOD_DAYS = 366;

/**
 * A frequency as Loop Habit Tracker keeps it: `num` equal to `den` is daily
 * (Loop's `Frequency` constructor does the same).
 * @param frequency - any frequency
 * @returns the same frequency, or {@link DAILY} when `num` equals `den`
 */
export function normaliseFrequency(frequency: Frequency): Frequency {
  return frequency.weekdays === null && frequency.num === frequency.den ? DAILY : frequency;
}

/** Daily: 1 time per day, any day. */
export const DAILY: Frequency = { num: 1, den: 1, weekdays: null };

/** A habit spec from `add habit`: the name, its frequency and reminder time. */
export interface HabitSpec {
  /** The habit's name. */
  name: string;
  /** How often it is due (daily when none was given). */
  frequency: Frequency;
  /** Local reminder time `HH:MM`, or null. */
  reminder: string | null;
}

const NUMBER_WORDS: Record<string, number> = {
  once: 1,
  twice: 2,
  thrice: 3,
  one: 1,
  two: 2,
  three: 3,
  four: 4,
  five: 5,
  six: 6,
  seven: 7,
  eight: 8,
  nine: 9,
  ten: 10,
};

const SIMPLE =
  /(?:^|\s)(daily|every ?day|each day|weekly|once a week|once per week|every week|monthly|once a month|once per month|every month)$/i;
const TIMES =
  /(?:^|\s)(\d+|once|twice|thrice|one|two|three|four|five|six|seven|eight|nine|ten)\s*(?:x|times?)?\s*(?:per|a|an|each|every)\s+(week|month)$/i;
const EVERY_DAYS =
  /(?:^|\s)(?:(\d+|once|twice|thrice|one|two|three|four|five|six|seven|eight|nine|ten)\s*(?:x|times?)?\s*(?:every|in|per)|every)\s+(\d+)\s+days$/i;
const ON_DAYS = /(?:^|\s)(?:on|every)\s+/gi;
/** A list of two or more day words with commas at the end of the text: `mon, wed, fri`, `tue,thu`. */
const DAY_LIST_END = /(?:^|\s)([a-z]+(?:\s*,\s*[a-z]+)+)$/i;
const WEEK_PART = /(?:^|\s)(?:on\s+|every\s+)?(weekdays|weekends)$/i;
const AT_TIME = /(?:^|\s)(?:at|@)\s*(\d{1,2}(?::\d{2})?\s*(?:am|pm)?|\d{1,2}h\d{0,2})$/i;

/**
 * Read a weekday word: `mon`, `Monday`, `mondays`.
 * @param word - one word, any case; a trailing plural `s` is allowed
 * @returns the ISO weekday (Monday 1 to Sunday 7), or undefined when the word is not a day
 */
export function parseWeekday(word: string): Weekday | undefined {
  const lower = word.toLowerCase();
  return WEEKDAYS[lower] ?? (lower.endsWith('s') ? WEEKDAYS[lower.slice(0, -1)] : undefined);
}

/**
 * Read a list of days: `mon,wed,fri`, `mondays and thursdays`, `weekdays`, `weekends`.
 * @param text - day words separated by spaces, commas, `/`, `&`, `+` or `and`; `weekdays` is Monday to Friday, `weekends` Saturday and Sunday
 * @returns the ISO weekdays (Monday 1 to Sunday 7) ascending without repeats, or undefined when the text is empty or any word is not a day
 */
export function parseWeekdayList(text: string): Weekday[] | undefined {
  const words = text
    .toLowerCase()
    .split(/[\s,/&+]+/)
    .filter((word) => word !== '' && word !== 'and');
  if (words.length === 0) return undefined;
  const days = new Set<Weekday>();
  for (const word of words) {
    if (word === 'weekdays' || word === 'weekday') [1, 2, 3, 4, 5].forEach((day) => days.add(day as Weekday));
    else if (word === 'weekends' || word === 'weekend') [6, 7].forEach((day) => days.add(day as Weekday));
    else {
      const day = parseWeekday(word);
      if (day === undefined) return undefined;
      days.add(day);
    }
  }
  return [...days].sort((left, right) => left - right);
}

/**
 * Read a reminder time: `07:30`, `7:30`, `7am`, `7:30 pm`, `19h`, `19h30`.
 * @param text - the time as typed; with `am`/`pm` the hour is 1–12, without it 0–23
 * @returns `HH:MM` (24-hour), or undefined when it is not a time of day
 */
export function parseTimeOfDay(text: string): string | undefined {
  const match = /^(\d{1,2})(?:[:h](\d{2})?)?\s*(am|pm)?$/i.exec(text.trim());
  if (match === null) return undefined;
  let hours = Number(match[1]);
  const minutes = Number(match[2] ?? '0');
  const half = match[3]?.toLowerCase();
  if (half !== undefined) {
    if (hours < 1 || hours > 12) return undefined;
    hours = (hours % 12) + (half === 'pm' ? 12 : 0);
  }
  if (hours > 23 || minutes > 59) return undefined;
  return `${String(hours).padStart(2, '0')}:${String(minutes).padStart(2, '0')}`;
}

/** The result of matching a frequency at the end of a text. */
type FrequencyMatch = { frequency: Frequency; rest: string } | { error: string } | undefined;

function matchFrequency(text: string): FrequencyMatch {
  const simple = SIMPLE.exec(text);
  if (simple !== null) {
    const word = (simple[1] ?? '').toLowerCase();
    const rest = text.slice(0, simple.index).trim();
    if (/day/.test(word) || word === 'daily') return { frequency: DAILY, rest };
    if (/week/.test(word)) return { frequency: { num: 1, den: 7, weekdays: null }, rest };
    return { frequency: { num: 1, den: 30, weekdays: null }, rest };
  }
  const times = TIMES.exec(text);
  if (times !== null) {
    const countWord = (times[1] ?? '').toLowerCase();
    const count = NUMBER_WORDS[countWord] ?? Number(countWord);
    const period = (times[2] ?? '').toLowerCase();
    const rest = text.slice(0, times.index).trim();
    const most = period === 'week' ? 7 : 30;
    if (!Number.isInteger(count) || count < 1 || count > most)
      return { error: `"${count} times per ${period}" must be between 1 and ${most}.` };
    if (period === 'week') return { frequency: count === 7 ? DAILY : { num: count, den: 7, weekdays: null }, rest };
    return { frequency: { num: count, den: 30, weekdays: null }, rest };
  }
  const every = EVERY_DAYS.exec(text);
  if (every !== null) {
    const countWord = (every[1] ?? '1').toLowerCase();
    const count = NUMBER_WORDS[countWord] ?? Number(countWord);
    const period = Number(every[2]);
    const rest = text.slice(0, every.index).trim();
    if (!Number.isInteger(period) || period < 1 || period > MAX_PERIOD_DAYS)
      return { error: `"every ${every[2] ?? ''} days" must be between 1 and ${MAX_PERIOD_DAYS} days.` };
    if (!Number.isInteger(count) || count < 1 || count > period)
      return { error: `"${count} times every ${period} days" must be between 1 and ${period} times.` };
    return { frequency: normaliseFrequency({ num: count, den: period, weekdays: null }), rest };
  }
  const weekPart = WEEK_PART.exec(text);
  if (weekPart !== null) {
    const weekdays = parseWeekdayList(weekPart[1] ?? '') as Weekday[];
    return { frequency: { num: 1, den: 1, weekdays }, rest: text.slice(0, weekPart.index).trim() };
  }
  // "on mon,wed,fri": try each "on"/"every" from the last one, so "catch up on news on mondays" works.
  const starts = [...text.matchAll(ON_DAYS)].reverse();
  for (const start of starts) {
    const weekdays = parseWeekdayList(text.slice(start.index + start[0].length));
    if (weekdays === undefined) continue;
    const rest = text.slice(0, start.index).trim();
    return { frequency: weekdays.length === 7 ? DAILY : { num: 1, den: 1, weekdays }, rest };
  }
  // "mon, wed, fri" with no "on": a comma list of day words ends the text (a name such as
  // "sun salutation" has no comma, so it stays a name).
  const list = DAY_LIST_END.exec(text);
  if (list !== null && text.slice(0, list.index).trim() !== '') {
    const weekdays = parseWeekdayList(list[1] ?? '');
    if (weekdays !== undefined)
      return {
        frequency: weekdays.length === 7 ? DAILY : { num: 1, den: 1, weekdays },
        rest: text.slice(0, list.index).trim(),
      };
  }
  return undefined;
}

/**
 * Read a frequency on its own: `daily`, `weekly`, `monthly`, `3 times per
 * week`, `twice a month`, `every 5 days`, `2 times every 3 days`, `on
 * mon,wed,fri`, `weekdays`.
 * @param text - the words
 * @returns the frequency, an error message for an impossible count, or undefined when it is not a frequency
 */
export function parseFrequency(text: string): Frequency | { error: string } | undefined {
  const match = matchFrequency(text.trim());
  if (match === undefined) return undefined;
  if ('error' in match) return match;
  return match.rest === '' ? match.frequency : undefined;
}

/**
 * Split `add habit` arguments into the name, its frequency and an optional
 * reminder time, both read from the end in either order.
 * @param text - for example `meditation daily at 7:30`, `gym 3 times per week`, `piano on mon,wed,fri`, `read`
 * @returns the spec (daily, no reminder when none is given), or an error message
 */
export function parseHabitSpec(text: string): HabitSpec | { error: string } {
  let rest = text.trim();
  let frequency: Frequency | undefined;
  let reminder: string | null = null;
  for (let round = 0; round < 2; round += 1) {
    const at = reminder === null ? AT_TIME.exec(rest) : null;
    if (at !== null) {
      const time = parseTimeOfDay(at[1] ?? '');
      if (time === undefined)
        return { error: `"${(at[1] ?? '').trim()}" is not a time of day; use HH:MM, for example 07:30.` };
      reminder = time;
      rest = rest.slice(0, at.index).trim();
      continue;
    }
    if (frequency === undefined) {
      const match = matchFrequency(rest);
      if (match !== undefined && 'error' in match) return match;
      if (match !== undefined) {
        frequency = match.frequency;
        rest = match.rest;
        continue;
      }
    }
    break;
  }
  if (rest === '') return { error: 'Give the habit a name.' };
  if (/^#\d+$/.test(rest)) return { error: 'A habit name cannot look like an id (#3).' };
  return { name: rest, frequency: frequency ?? DAILY, reminder };
}

/**
 * The value Loop's formulas use: `num / den` (daily 1, 3 per week 0.43).
 * @param frequency - the frequency
 * @returns times due per day, above 0 and at most 1 (Loop Habit Tracker's `Frequency.toDouble`)
 */
export function frequencyValue(frequency: Frequency): number {
  return frequency.num / frequency.den;
}

/**
 * Words for a frequency: `daily`, `weekly`, `3 times per week`, `monthly`,
 * `2 times per month`, `every 5 days`, `2 times every 3 days`, `on mon,
 * wed, fri`, `on weekdays`.
 * @param frequency - the frequency
 * @returns the words, which {@link parseFrequency} reads back
 */
export function describeFrequency(frequency: Frequency): string {
  if (frequency.weekdays !== null) {
    const days = frequency.weekdays.join(',');
    if (days === '1,2,3,4,5') return 'on weekdays';
    if (days === '6,7') return 'on weekends';
    return `on ${frequency.weekdays.map((day) => WEEKDAY_NAMES[day]).join(', ')}`;
  }
  if (frequency.den === 1) return 'daily';
  if (frequency.den !== 7 && frequency.den !== 30)
    return frequency.num === 1 ? `every ${frequency.den} days` : `${frequency.num} times every ${frequency.den} days`;
  const period = frequency.den === 7 ? 'week' : 'month';
  if (frequency.num === 1) return frequency.den === 7 ? 'weekly' : 'monthly';
  return `${frequency.num} times per ${period}`;
}

/**
 * The weekdays as a bit mask for storage (Monday = 1, Tuesday = 2, … Sunday = 64).
 * @param weekdays - ISO weekdays, or null
 * @returns the mask, or null for "any day"
 */
export function weekdaysToMask(weekdays: readonly Weekday[] | null): number | null {
  if (weekdays === null) return null;
  return weekdays.reduce((mask, day) => mask | (1 << (day - 1)), 0);
}

/**
 * The weekdays of a stored bit mask (see {@link weekdaysToMask}).
 * @param mask - the mask (Monday = 1, Tuesday = 2, … Sunday = 64), or null
 * @returns the ISO weekdays ascending, or null for "any day" (a null or 0 mask)
 */
export function maskToWeekdays(mask: number | null): Weekday[] | null {
  if (mask === null || mask === 0) return null;
  const days: Weekday[] = [];
  for (let day = 1; day <= 7; day += 1) if ((mask & (1 << (day - 1))) !== 0) days.push(day as Weekday);
  return days;
}
