import { addDays, parseIsoDate, type IsoDate } from '../../src/shared/time.js';

/**
 * Read a deadline such as `2027-05-01`, `May 1 2027`, `next friday`, `end of
 * March`, `the end of the year` or `in 6 weeks`, relative to the owner's
 * today (chrono-node, forward dates; imported only when the text is not an
 * ISO date, as it takes 0.1 s to load).
 * @param text - the words after "by"
 * @param today - the owner's local day
 * @returns the day, or undefined when the whole text is not a date
 */
export async function parseDeadline(text: string, today: IsoDate): Promise<IsoDate | undefined> {
  const trimmed = text.trim().replace(/^the\s+/i, '');
  const iso = parseIsoDate(trimmed);
  if (iso !== undefined) return iso;
  const endOfYear = /^end of (?:the |this )?year$|^year end$/i.test(trimmed);
  if (endOfYear) return `${today.slice(0, 4)}-12-31`;
  if (/^end of next year$/i.test(trimmed)) return `${Number(today.slice(0, 4)) + 1}-12-31`;
  if (/^tomorrow$/i.test(trimmed)) return addDays(today, 1);
  const chrono = await import('chrono-node');
  const reference = new Date(`${today}T12:00:00Z`);
  const results = chrono.parse(trimmed, { instant: reference, timezone: 'UTC' }, { forwardDate: true });
  const first = results[0];
  if (first === undefined || results.length !== 1) return undefined;
  // The date must be the whole text, or "stand by my friends" would get a deadline.
  if (first.index > 1 || first.text.length < trimmed.length - 2) return undefined;
  const year = first.start.get('year');
  const month = first.start.get('month');
  const day = first.start.get('day');
  if (year === null || month === null || day === null) return undefined;
  return parseIsoDate(
    `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`,
  );
}

const RELATIVE =
  /\s+((?:in|within)\s+(?:\d+|a|an|one|two|three|four|five|six|seven|eight|nine|ten|twelve)\s+(?:days?|weeks?|months?|years?))$/i;

/** Words that say the text after "by" was meant as a date ("by christmas", "by mid-April"). */
const DATE_LIKE =
  /\b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\b|\b\w+day\b|\b(week|month|year|end|mid|christmas|easter|summer|winter|spring|autumn|fall|tomorrow|next)\b|\d/i;

/**
 * Split `set goal` arguments into the title and an optional deadline: the
 * text after the last " by " when it reads as a date, or a trailing
 * "in 6 weeks" / "within 3 months". A " by ..." that looks like a date but
 * cannot be read ("by christmas") is taken off the title and returned as
 * `unreadable`, so the owner is told instead of getting a goal titled with it.
 * @param args - for example `run a marathon by 2027-05-01`, `learn piano in 6 weeks`
 * @param today - the owner's local day
 * @returns the title, the deadline (or null), and the date text that could not be read, if any
 */
export async function splitGoalSpec(
  args: string,
  today: IsoDate,
): Promise<{ title: string; deadline: IsoDate | null; unreadable?: string }> {
  const cut = args.toLowerCase().lastIndexOf(' by ');
  let unreadable: string | undefined;
  if (cut > 0) {
    const deadline = await parseDeadline(args.slice(cut + 4), today);
    if (deadline !== undefined) return { title: args.slice(0, cut).trim(), deadline };
    if (DATE_LIKE.test(args.slice(cut + 4))) unreadable = args.slice(cut + 4).trim();
  }
  const relative = RELATIVE.exec(args);
  if (relative !== null && relative.index > 0) {
    const deadline = await parseDeadline((relative[1] ?? '').replace(/^within/i, 'in'), today);
    if (deadline !== undefined) return { title: args.slice(0, relative.index).trim(), deadline };
  }
  if (unreadable !== undefined) return { title: args.slice(0, cut).trim(), deadline: null, unreadable };
  return { title: args.trim(), deadline: null };
}
