import { UserError } from './errors.js';
import { addDays, describeDay, isoWeekday, parseIsoDate, type IsoDate } from './time.js';

/**
 * The one reader of the day phrases that commands recording the past take
 * (`check in`, `skip`, `undo`, and the agent's tools for them): `today`,
 * `yesterday`, `last night`, weekday names (`friday`, `on friday`: the latest
 * such day, today included), `last friday` (before today), `3 days ago`,
 * `a week ago`, `dec 3`, `11/20`, ISO dates. Days are the owner's calendar
 * days: phrases are read relative to `today`, which the caller computed in
 * the owner's time zone, so the result never depends on the machine's zone.
 *
 * The common phrases are read here directly; anything else goes to
 * chrono-node (the parser goals use for deadlines), imported on first use
 * because it takes about 0.1 s to load. A phrase that names a day after
 * today is refused, never recorded as today.
 */

/** A day phrase found in a list of words. */
export interface DayPhrase {
  /** The local day it names. */
  day: IsoDate;
  /** How many words it took. */
  words: number;
}

/** Phrases that mean today. */
const TODAY_WORDS = new Set([
  'today',
  'tonight',
  'now',
  'this morning',
  'this afternoon',
  'this evening',
  'earlier today',
]);

/** Weekday names and their usual abbreviations, lower case → ISO weekday (1 = Monday … 7 = Sunday). */
export const WEEKDAYS: Readonly<Record<string, 1 | 2 | 3 | 4 | 5 | 6 | 7>> = {
  mon: 1,
  monday: 1,
  tue: 2,
  tues: 2,
  tuesday: 2,
  wed: 3,
  weds: 3,
  wednesday: 3,
  thu: 4,
  thur: 4,
  thurs: 4,
  thursday: 4,
  fri: 5,
  friday: 5,
  sat: 6,
  saturday: 6,
  sun: 7,
  sunday: 7,
};

/** Words that may lead a day phrase and mean nothing by themselves: `on friday`, `for dec 3`. */
const LEADING = new Set(['on', 'for']);

/** The longest phrase tried, in words (`the day before yesterday`). */
const MAX_WORDS = 5;

/** The latest `weekday` on or before `today` (`strictly`: before it). */
function latestWeekday(today: IsoDate, weekday: number, strictly: boolean): IsoDate {
  const back = (isoWeekday(today) - weekday + 7) % 7;
  return addDays(today, -(back === 0 && strictly ? 7 : back));
}

/** The phrases read without chrono-node; undefined when the phrase is none of them. */
function readCommon(phrase: string, today: IsoDate): IsoDate | undefined {
  if (TODAY_WORDS.has(phrase)) return today;
  if (phrase === 'yesterday' || phrase === 'last night') return addDays(today, -1);
  const words = phrase.split(' ');
  const [first = '', second = ''] = words;
  if (words.length === 1 && WEEKDAYS[first] !== undefined) return latestWeekday(today, WEEKDAYS[first], false);
  if (words.length === 2 && first === 'last' && WEEKDAYS[second] !== undefined)
    return latestWeekday(today, WEEKDAYS[second], true);
  const ago = /^(\d{1,4}) days? ago$/.exec(phrase);
  if (ago !== null) return addDays(today, -Number(ago[1]));
  if (/^\d{4}-\d{2}-\d{2}$/.test(phrase)) {
    const day = parseIsoDate(phrase);
    if (day === undefined)
      throw new UserError(`${phrase} is not a date in the calendar; use YYYY-MM-DD, "yesterday" or a weekday.`);
    return day;
  }
  return undefined;
}

type Chrono = typeof import('chrono-node');
let chronoModule: Promise<Chrono> | undefined;

/** What chrono-node reads in a whole phrase: the day, and whether its year was given. */
async function readWithChrono(
  phrase: string,
  today: IsoDate,
): Promise<{ day: IsoDate; yearGiven: boolean } | undefined> {
  // Cheap refusals first: no digit and no word chrono reads as a date, so chrono is not even loaded.
  if (
    !/\d|ago|before|week|month|year|day|night|morning|jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|next|last|past|this|tomorrow/.test(
      phrase,
    )
  )
    return undefined;
  chronoModule ??= import('chrono-node');
  const chrono = await chronoModule;
  // Noon UTC of the owner's today: chrono then does calendar arithmetic on that day, whatever the machine's zone.
  const results = chrono.parse(phrase, { instant: new Date(`${today}T12:00:00Z`), timezone: 'UTC' });
  const [first] = results;
  if (first === undefined || results.length !== 1 || first.text.toLowerCase() !== phrase) return undefined;
  const start = first.start;
  // A time alone ("at 7am") is not a day.
  if (!start.isCertain('day') && !start.isCertain('weekday') && !start.isCertain('month')) return undefined;
  const pad = (value: number | null, width: number): string => String(value ?? 0).padStart(width, '0');
  const day = parseIsoDate(`${pad(start.get('year'), 4)}-${pad(start.get('month'), 2)}-${pad(start.get('day'), 2)}`);
  return day === undefined ? undefined : { day, yearGiven: start.isCertain('year') };
}

/**
 * Read a day phrase at `index` in `words`: the longest one that starts
 * there (an `on` or `for` before it is taken with it).
 * @param words - the words of a command, in any case
 * @param index - where the phrase would start
 * @param today - the owner's local day
 * @returns the day and how many words it used, or undefined when no day phrase starts there
 * @throws UserError for a day after today (`tomorrow`, `next tuesday`, a `dec 3` still to come), or a YYYY-MM-DD that is not in the calendar; nothing should be recorded then
 */
export async function readDayPhrase(
  words: readonly string[],
  index: number,
  today: IsoDate,
): Promise<DayPhrase | undefined> {
  const lead = LEADING.has((words[index] ?? '').toLowerCase()) ? 1 : 0;
  const start = index + lead;
  const longest = Math.min(MAX_WORDS, words.length - start);
  for (let length = longest; length >= 1; length -= 1) {
    const phrase = words
      .slice(start, start + length)
      .join(' ')
      .toLowerCase()
      .replace(/[.,!?]+$/, '');
    let day = readCommon(phrase, today);
    let yearGiven = true;
    if (day === undefined) {
      const read = await readWithChrono(phrase, today);
      if (read === undefined) continue;
      ({ day, yearGiven } = read);
    }
    if (day > today) {
      const typed = words.slice(index, start + length).join(' ');
      const what = typed === day ? day : `"${typed}" is ${describeDay(day, today)}, which`;
      const lastYear = yearGiven ? '' : ` For last year's, say ${Number(day.slice(0, 4)) - 1}${day.slice(4)}.`;
      throw new UserError(
        `${what} is in the future; you can only record today or earlier. Nothing was recorded.${lastYear}`,
      );
    }
    return { day, words: lead + length };
  }
  return undefined;
}

/**
 * Read a whole text as a day phrase (the agent's tool arguments): empty
 * means today.
 * @param text - for example `yesterday`, `tuesday`, `dec 3`, `2026-11-20`
 * @param today - the owner's local day
 * @returns the day, or undefined when the text is not (all) a day phrase
 * @throws UserError for a day after today, or an ISO date not in the calendar
 */
export async function readDay(text: string | undefined, today: IsoDate): Promise<IsoDate | undefined> {
  const words = (text ?? '')
    .trim()
    .split(/\s+/)
    .filter((word) => word !== '');
  if (words.length === 0) return today;
  const found = await readDayPhrase(words, 0, today);
  return found !== undefined && found.words === words.length ? found.day : undefined;
}
