import { UserError } from '../../src/shared/errors.js';
import { addDays, parseIsoDate, type IsoDate } from '../../src/shared/time.js';
import { toDayNumber, weekdayOf } from './days.js';
import { parseWeekday } from './frequency.js';

/** A day phrase found in a list of words. */
export interface DayMatch {
  /** The local day it names. */
  day: IsoDate;
  /** How many words it took. */
  words: number;
}

/** What a model may say for today. */
const TODAY_WORDS = new Set(['now', 'this morning', 'this afternoon', 'this evening', 'tonight', 'earlier today']);

/**
 * Read a day phrase at `index` in `words`, relative to the owner's today:
 * `today` (also `tonight`, `this morning`, `this evening` ...), `yesterday`
 * (also `last night`), a weekday (`monday`, `mon`: the latest such day,
 * today included), `last monday` (strictly before today), `3 days ago`, or
 * `YYYY-MM-DD`.
 * @param words - the words of a command
 * @param index - where to look
 * @param today - the owner's local day
 * @returns the day and how many words it used, or undefined when there is no day phrase there
 * @throws UserError for a day after today, or a YYYY-MM-DD that is not in the calendar (2026-02-30)
 */
export function matchDay(words: readonly string[], index: number, today: IsoDate): DayMatch | undefined {
  const word = (words[index] ?? '').toLowerCase();
  const next = (words[index + 1] ?? '').toLowerCase();
  let found: DayMatch | undefined;
  const pair = `${word} ${next}`;
  if (word === 'today' || word === 'tonight' || word === 'now') found = { day: today, words: 1 };
  else if (TODAY_WORDS.has(pair)) found = { day: today, words: 2 };
  else if (pair === 'last night') found = { day: addDays(today, -1), words: 2 };
  else if (word === 'yesterday') found = { day: addDays(today, -1), words: 1 };
  else if (word === 'last' && parseWeekday(next) !== undefined) {
    const back = (weekdayOf(toDayNumber(today)) - (parseWeekday(next) as number) + 7) % 7 || 7;
    found = { day: addDays(today, -back), words: 2 };
  } else if (/^\d+$/.test(word) && /^days?$/.test(next) && (words[index + 2] ?? '').toLowerCase() === 'ago') {
    found = { day: addDays(today, -Number(word)), words: 3 };
  } else if (parseWeekday(word) !== undefined) {
    const back = (weekdayOf(toDayNumber(today)) - (parseWeekday(word) as number) + 7) % 7;
    found = { day: addDays(today, -back), words: 1 };
  } else if (/^\d{4}-\d{2}-\d{2}$/.test(word)) {
    const iso = parseIsoDate(word);
    if (iso === undefined)
      throw new UserError(`${word} is not a date in the calendar; use YYYY-MM-DD, "yesterday" or a weekday.`);
    found = { day: iso, words: 1 };
  }
  if (found !== undefined && found.day > today)
    throw new UserError(`${found.day} is in the future; you can only record today or earlier.`);
  return found;
}

/**
 * Read a whole text as a day phrase (tool arguments): empty, "this
 * morning" and the like mean today, "last night" yesterday.
 * @param text - for example `yesterday`, `tuesday`, `2026-11-20`
 * @param today - the owner's local day
 * @returns the day, or undefined when the text is not a day
 * @throws UserError for a day after today
 */
export function parseDay(text: string | undefined, today: IsoDate): IsoDate | undefined {
  const trimmed = (text ?? '').trim().toLowerCase();
  if (trimmed === '' || TODAY_WORDS.has(trimmed)) return today;
  if (trimmed === 'last night') return addDays(today, -1);
  const words = trimmed.split(/\s+/);
  const match = matchDay(words, 0, today);
  return match !== undefined && match.words === words.length ? match.day : undefined;
}
