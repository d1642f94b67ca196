import type { PluginContext } from '../../src/plugins/api.js';
import { resolveByName } from '../../src/shared/resolve.js';
import { UsageError, UserError } from '../../src/shared/errors.js';
import { describeDay, type IsoDate } from '../../src/shared/time.js';
import { readDayPhrase } from '../../src/shared/day-phrase.js';
import { toDayNumber } from './days.js';
import {
  DAILY,
  describeFrequency,
  parseFrequency,
  parseHabitSpec,
  parseTimeOfDay,
  type Frequency,
} from './frequency.js';
import { analyseHabit, type HabitReport } from './report.js';
import {
  describeDays,
  describeStatus,
  describeToday,
  describeWindow,
  formatHabitStats,
  habitTitle,
  percent,
} from './render.js';
import { HabitStore, type Habit } from './store.js';

/**
 * The habit actions behind both the command grammar and the agent tools:
 * each takes already-split arguments, writes through {@link HabitStore} and
 * returns the reply text. The owner's mistakes throw UserError subclasses
 * (their message is the reply) and write nothing.
 */

/** Usage lines of the habit commands. */
export const USAGE = {
  add: 'add habit <name> [<frequency>] [at HH:MM]',
  checkIn: 'check in <habit> [<day>] [note]',
  skip: 'skip <habit> [<day>] [reason]',
  undo: 'undo check in <habit> [<day>]',
  undoSkip: 'undo skip <habit> [<day>]',
  stats: 'habit stats [<habit>]',
  list: 'habits archived | habits all',
  archive: 'archive habit <habit>',
  unarchive: 'unarchive habit <habit>',
  rename: 'rename habit <habit> to <new name>',
  delete: 'delete habit <habit>',
  reminder: 'habit reminder <habit> <HH:MM | off>',
  frequency: 'habit frequency <habit> <frequency>',
} as const;

/**
 * The habit store of a plugin context.
 * @param context - the habits plugin's context
 * @returns a {@link HabitStore} on the context's database and time zone
 */
export function habitStore(context: PluginContext): HabitStore {
  return new HabitStore(context.store, context.timeZone, context.limits.name);
}

/**
 * A habit's report as of the owner's today.
 * @param context - the plugin context
 * @param habit - the habit
 * @param store - the store to read from (a new one on the context's database by default)
 * @returns the report: streaks in days, strength 0–1 (Loop Habit Tracker's exponential habit strength), whether it is due today, completion rates
 */
export function reportOf(context: PluginContext, habit: Habit, store = habitStore(context)): HabitReport {
  return analyseHabit(habit, store.entries(habit.id), context.today());
}

/**
 * Reports of every active habit, oldest first.
 * @param context - the plugin context
 * @returns one {@link HabitReport} per active habit, as of the owner's today (none when there are no habits)
 */
export function allReports(context: PluginContext): HabitReport[] {
  const store = habitStore(context);
  return store.list().map((habit) => reportOf(context, habit, store));
}

/** A habit reference with an optional day and note, split from command words. */
export interface DayArguments {
  /** The habit as the owner named it. */
  habit: string;
  /** The local day (today when none was given). */
  day: IsoDate;
  /** The note, or null. */
  note: string | null;
}

/**
 * Split `<habit> [day] [note]`. The habit is the longest run of leading
 * words that is exactly a habit's name (or `#id`); then a day phrase, then
 * the note. When no prefix is an exact name, the words before the first day
 * phrase are the habit (matched fuzzily later), and without a day phrase the
 * whole text is. A note can also follow a colon (`check in run: felt
 * great`), and a day phrase can end it (`check in run felt great
 * yesterday`). Day phrases are read by `readDayPhrase` (src/shared/day-phrase.ts):
 * words that are not a day stay a note, but a day that cannot be recorded
 * (`tomorrow`, `next tuesday`) is refused, never taken as today.
 * @param args - the command's arguments
 * @param today - the owner's local day
 * @param habits - the habits names may refer to
 * @param options - `allowNote: false` for commands that take no note; `usage` for errors
 * @returns the habit as named (not yet resolved), the day (today when none was given) and the note or null
 * @throws UsageError for a missing habit or an unexpected note; UserError for a future day or a date not in the calendar
 */
export async function splitDayArguments(
  args: string,
  today: IsoDate,
  habits: readonly Habit[],
  options: { allowNote: boolean; usage: string },
): Promise<DayArguments> {
  const colon = args.indexOf(':');
  const main = (colon >= 0 ? args.slice(0, colon) : args).trim();
  let note: string | null = colon >= 0 ? args.slice(colon + 1).trim() || null : null;
  const words = main.split(/\s+/).filter((word) => word !== '');
  const names = new Set(habits.map((habit) => habit.name.toLowerCase()));
  let habit = '';
  let rest: string[] = [];
  for (let length = words.length; length >= 1; length -= 1) {
    const prefix = words.slice(0, length).join(' ');
    if (names.has(prefix.toLowerCase()) || (length === 1 && /^#\d+$/.test(prefix))) {
      habit = prefix;
      rest = words.slice(length);
      break;
    }
  }
  let day = today;
  if (habit === '') {
    let at = -1;
    for (let index = 1; index < words.length && at < 0; index += 1)
      if ((await readDayPhrase(words, index, today)) !== undefined) at = index;
    habit = (at < 0 ? words : words.slice(0, at)).join(' ');
    rest = at < 0 ? [] : words.slice(at);
  }
  if (rest.length > 0) {
    const leading = await readDayPhrase(rest, 0, today);
    if (leading !== undefined) {
      day = leading.day;
      rest = rest.slice(leading.words);
    } else {
      // A day phrase that ends the note: "felt great yesterday".
      for (let index = 1; index < rest.length; index += 1) {
        const trailing = await readDayPhrase(rest, index, today);
        if (trailing === undefined || index + trailing.words !== rest.length) continue;
        day = trailing.day;
        rest = rest.slice(0, index);
        break;
      }
    }
  }
  if (rest.length > 0) note = [rest.join(' '), note].filter((part) => part !== null).join(': ');
  if (habit === '') throw new UsageError('Say which habit.', options.usage);
  if (!options.allowNote && note !== null) {
    throw new UsageError(
      `"${note}" is not a day; say the habit, then optionally yesterday, a weekday, "3 days ago", "dec 3" or YYYY-MM-DD.`,
      options.usage,
    );
  }
  return { habit, day, note };
}

function streakSentence(report: HabitReport): string {
  const best = report.bestStreak?.length ?? 0;
  return `Streak: ${describeDays(report.streak)} (best ${describeDays(best)}). Strength ${percent(report.strength)}.`;
}

/**
 * Add a habit from a spec such as `meditation daily at 07:30`.
 * @param context - the habits plugin's context (database, clock, time zone, log)
 * @param spec - the `add habit` arguments: the name, then an optional frequency (daily by default) and `at HH:MM` reminder, in either order
 * @returns the reply: the habit added, with its frequency and reminder, and how to check it in
 * @throws UsageError for a missing name, a name that looks like an id (`#3`), an impossible frequency or a time that is not one
 * @throws UserError when an active habit already has that name (any case); nothing is written
 */
export function addHabit(context: PluginContext, spec: string): string {
  const parsed = parseHabitSpec(spec);
  if ('error' in parsed) throw new UsageError(parsed.error, USAGE.add);
  const habit = habitStore(context).add(parsed.name, parsed.frequency, parsed.reminder, context.clock.now());
  if (habit === undefined) throw new UserError(`You already have a habit named "${parsed.name}".`);
  context.log.info({ habit: habit.id }, 'habit added');
  return `Added habit ${habitTitle({ habit })}. Check in with "check in ${habit.name}".`;
}

/**
 * Add a habit from separate parts, as the agent tool gives them.
 * @param context - the habits plugin's context (database, clock, time zone, log)
 * @param name - the name
 * @param frequency - words such as `3 times per week` (daily when empty)
 * @param reminder - a time of day such as `07:30` (none when empty)
 * @returns the reply: the habit added, with its frequency and reminder, and how to check it in
 * @throws UsageError for a frequency or time that is not one, or an empty name or one that looks like an id (`#3`)
 * @throws UserError when an active habit already has that name (any case); nothing is written
 */
export function addHabitParts(context: PluginContext, name: string, frequency: string, reminder: string): string {
  const parsedFrequency = frequency.trim() === '' ? DAILY : parseFrequency(frequency);
  if (parsedFrequency === undefined || 'error' in parsedFrequency) {
    throw new UsageError(parsedFrequency?.error ?? `"${frequency}" is not a frequency.`, USAGE.add);
  }
  const time = reminder.trim() === '' ? null : parseTimeOfDay(reminder);
  if (time === undefined)
    throw new UsageError(`"${reminder}" is not a time of day; use HH:MM, for example 07:30.`, USAGE.add);
  if (name.trim() === '' || /^#\d+$/.test(name.trim())) throw new UsageError('Give the habit a name.', USAGE.add);
  const habit = habitStore(context).add(name.trim(), parsedFrequency, time, context.clock.now());
  if (habit === undefined) throw new UserError(`You already have a habit named "${name.trim()}".`);
  context.log.info({ habit: habit.id }, 'habit added');
  return `Added habit ${habitTitle({ habit })}. Check in with "check in ${habit.name}".`;
}

/**
 * Check a habit in for a day. A check-in replaces a skip of that day; a
 * second check-in changes nothing.
 * @param context - the plugin context
 * @param query - the active habit as named: `#id`, its name, a word of it or a small typo
 * @param day - the owner's local day, `YYYY-MM-DD`
 * @param note - an optional note, or null
 * @returns the reply: what was recorded (or that nothing changed), progress in the current period, the streak in days and the strength in percent (Loop Habit Tracker's exponential habit strength)
 * @throws NotFoundError or AmbiguousReferenceError when the name does not pick one active habit (nothing is written)
 */
export function checkIn(context: PluginContext, query: string, day: IsoDate, note: string | null): string {
  const store = habitStore(context);
  const habit = store.resolve(query);
  const outcome = store.record(habit.id, day, 'done', context.clock.now(), note);
  const report = reportOf(context, habit, store);
  const when = describeDay(day, report.today);
  const window = describeWindow(report);
  const progress = window === '' ? '' : ` ${window[0]?.toUpperCase()}${window.slice(1)}.`;
  if (outcome === 'unchanged')
    return `${habit.name} was already checked in for ${when}; nothing changed.${progress} ${streakSentence(report)}`;
  if (outcome === 'noted')
    return `${habit.name} was already checked in for ${when}; note added.${progress} ${streakSentence(report)}`;
  context.log.info({ habit: habit.id, day }, 'habit checked in');
  const noted = note === null ? '' : ' Note saved.';
  const replaced = outcome === 'replaced' ? ' (it was skipped)' : '';
  if (report.computed.valueOn(toDayNumber(day)) === 'off') {
    return `Checked in ${habit.name} for ${when}${replaced}, which is not one of its days (${describeFrequency(habit.frequency)}): it neither counts nor breaks the streak.${noted} ${streakSentence(report)}`;
  }
  return `Checked in ${habit.name} for ${when}${replaced}.${progress}${noted} ${streakSentence(report)}`;
}

/**
 * Skip a habit for a day: the day neither counts nor breaks its streak
 * (Loop Habit Tracker's SKIP). A day already checked in is not skipped.
 * @param context - the habits plugin's context (database, clock, time zone, log)
 * @param query - the active habit as named: `#id`, its name, a word of it or a small typo
 * @param day - the owner's local day, `YYYY-MM-DD`
 * @param note - the reason, or null
 * @returns the reply: the skip recorded, or why nothing changed (already skipped, or checked in: undo that first), with the streak in days and the strength in percent
 * @throws NotFoundError or AmbiguousReferenceError when the name does not pick one active habit (nothing is written)
 */
export function skip(context: PluginContext, query: string, day: IsoDate, note: string | null): string {
  const store = habitStore(context);
  const habit = store.resolve(query);
  const existing = store.entryOn(habit.id, day);
  const when = describeDay(day, context.today());
  if (existing?.kind === 'done') {
    return `${habit.name} is checked in for ${when}, so it was not skipped. To skip it instead, first say "undo check in ${habit.name}${day === context.today() ? '' : ` ${day}`}".`;
  }
  const outcome = store.record(habit.id, day, 'skip', context.clock.now(), note);
  const report = reportOf(context, habit, store);
  if (outcome === 'unchanged')
    return `${habit.name} was already skipped for ${when}; nothing changed. ${streakSentence(report)}`;
  if (outcome === 'noted')
    return `${habit.name} was already skipped for ${when}; note added. ${streakSentence(report)}`;
  context.log.info({ habit: habit.id, day }, 'habit skipped');
  return `Skipped ${habit.name} for ${when}: it neither counts nor breaks the streak. ${streakSentence(report)}`;
}

/**
 * Remove a day's check-in (`done`) or skip.
 * @param context - the habits plugin's context (database, clock, time zone, log)
 * @param query - the active habit as named: `#id`, its name, a word of it or a small typo
 * @param day - the owner's local day, `YYYY-MM-DD`
 * @param kind - `done` to remove a check-in, `skip` to remove a skip; an entry of the other kind is left alone
 * @returns the reply: what was removed with the new streak and strength, or why nothing was (no entry that day, or one of the other kind and the command that removes it)
 * @throws NotFoundError or AmbiguousReferenceError when the name does not pick one active habit (nothing is written)
 */
export function undo(context: PluginContext, query: string, day: IsoDate, kind: 'done' | 'skip'): string {
  const store = habitStore(context);
  const habit = store.resolve(query);
  const when = describeDay(day, context.today());
  const existing = store.entryOn(habit.id, day);
  const what = kind === 'done' ? 'check-in' : 'skip';
  if (existing === undefined) return `${habit.name} has no ${what} for ${when}; nothing to undo.`;
  if (existing.kind !== kind) {
    const other = existing.kind === 'done' ? 'checked in' : 'skipped';
    const phrase = existing.kind === 'done' ? 'undo check in' : 'undo skip';
    return `${habit.name} was ${other}, not ${kind === 'done' ? 'checked in' : 'skipped'}, for ${when}; to remove that, say "${phrase} ${habit.name}${day === context.today() ? '' : ` ${day}`}".`;
  }
  store.undo(habit.id, day, kind);
  context.log.info({ habit: habit.id, day, kind }, 'habit entry removed');
  return `Removed the ${what} of ${habit.name} for ${when}. ${streakSentence(reportOf(context, habit, store))}`;
}

/** How long after it was recorded a bare `undo` still takes back a check-in or skip, in ms. */
export const UNDO_LAST_WINDOW_MS = 60 * 60_000;

/**
 * `undo`: take back the check-in or skip recorded last, when it was
 * recorded in the last hour (a slip just made); otherwise say how to name
 * what to undo, and change nothing.
 * @param context - the habits plugin's context
 * @returns the reply: what was removed, with the streak, or how to undo something older
 */
export function undoLast(context: PluginContext): string {
  const store = habitStore(context);
  const last = store.lastRecorded();
  const habit = last === undefined ? undefined : store.get(last.habitId);
  const age = last === undefined ? Infinity : context.clock.now().getTime() - Date.parse(last.recordedAt);
  if (last === undefined || habit === undefined || age > UNDO_LAST_WINDOW_MS)
    return `Nothing recorded in the last hour to undo. Say "${USAGE.undo}" or "${USAGE.undoSkip}".`;
  return undo(context, habit.name, last.day, last.kind);
}

/**
 * `habit stats`: the full block of one habit, or of every active habit.
 * @param context - the habits plugin's context (database, clock, time zone, log)
 * @param query - the habit as named, active or archived; empty for every active habit
 * @param color - ANSI colours for a TTY
 * @returns the stats blocks (streaks, strength, completion rates), separated by blank lines, or a hint to add a habit when there are none
 * @throws NotFoundError or AmbiguousReferenceError when the name does not pick one habit
 */
export function stats(context: PluginContext, query: string, color: boolean): string {
  const store = habitStore(context);
  const chosen = query.trim() === '' ? store.list() : [resolveAny(store, query)];
  if (chosen.length === 0) return 'No habits yet. Add one with "add habit meditation daily".';
  return chosen.map((habit) => formatHabitStats(reportOf(context, habit, store), color)).join('\n\n');
}

/**
 * `habits`: one line per active habit (or per archived one).
 * @param context - the habits plugin's context (database, clock, time zone, log)
 * @param which - empty or `active` for the active habits, `archived` (or `archive`) for the archived ones, `all` for both
 * @returns one line per habit (`name (frequency) #id — ` today's status, or `archived (#id)`), or a sentence saying there are none
 * @throws UsageError for any other word
 */
export function listHabits(context: PluginContext, which: string): string {
  const store = habitStore(context);
  const wanted = which.trim().toLowerCase();
  if (wanted === 'archived' || wanted === 'archive') {
    const archived = store.archived();
    if (archived.length === 0) return 'No archived habits.';
    return archived.map((habit) => `${habitTitle({ habit })} — archived (#${habit.id})`).join('\n');
  }
  if (wanted !== '' && wanted !== 'active' && wanted !== 'all')
    throw new UsageError(`There is no "${which}" list of habits.`, USAGE.list);
  const active = store.list();
  const lines = active.map((habit) => describeToday(reportOf(context, habit, store), true));
  if (wanted === 'all')
    lines.push(...store.archived().map((habit) => `${habitTitle({ habit })} — archived (#${habit.id})`));
  if (lines.length === 0) return 'No habits yet. Add one with "add habit meditation daily".';
  return lines.join('\n');
}

function describeHistory(checkIns: number, skips: number): string {
  const parts = [`${checkIns} check-in${checkIns === 1 ? '' : 's'}`];
  if (skips > 0) parts.push(`${skips} skip${skips === 1 ? '' : 's'}`);
  return `its ${parts.join(' and ')}`;
}

function resolveAny(store: HabitStore, query: string): Habit {
  store.checkName(query);
  return resolveByName('habit', query, [...store.list(), ...store.archived()]);
}

/**
 * Archive a habit: it leaves lists, briefings and reminders, and keeps its history.
 * @param context - the habits plugin's context (database, clock, time zone, log)
 * @param query - the active habit as named: `#id`, its name, a word of it or a small typo
 * @returns the reply: the habit archived, and how to bring it back
 * @throws NotFoundError or AmbiguousReferenceError when the name does not pick one active habit (nothing is written)
 */
export function archive(context: PluginContext, query: string): string {
  const store = habitStore(context);
  const habit = store.resolve(query);
  store.archive(habit.id, context.clock.now());
  return `Archived ${habit.name}; its history is kept. Bring it back with "unarchive habit ${habit.name}".`;
}

/**
 * Bring an archived habit back, with its history.
 * @param context - the habits plugin's context (database, clock, time zone, log)
 * @param query - the archived habit as named: `#id`, its name, a word of it or a small typo
 * @returns the reply: the habit active again, with its streak in days and strength in percent
 * @throws NotFoundError or AmbiguousReferenceError when the name does not pick one archived habit
 * @throws UserError when an active habit already has its name (nothing is written)
 */
export function unarchive(context: PluginContext, query: string): string {
  const store = habitStore(context);
  const habit = store.resolve(query, { archived: true });
  if (!store.unarchive(habit.id))
    throw new UserError(`An active habit is already named "${habit.name}"; rename one of them first.`);
  return `${habit.name} is active again, with its history. ${streakSentence(reportOf(context, habit, store))}`;
}

/**
 * Rename a habit: `<habit> to <new name>` (the first " to " after which the
 * left part names a habit).
 * @param context - the habits plugin's context (database, clock, time zone, log)
 * @param args - the `rename habit` arguments, for example `run to morning run`
 * @returns the reply: the old and the new name
 * @throws UsageError without " to ", or for an empty new name or one that looks like an id (`#3`)
 * @throws NotFoundError or AmbiguousReferenceError when the left part does not pick one active habit
 * @throws UserError when another active habit already has the new name (nothing is written)
 */
export function rename(context: PluginContext, args: string): string {
  const store = habitStore(context);
  const cuts = [...args.matchAll(/\s+to\s+/gi)];
  const exact = new Set(store.list().map((habit) => habit.name.toLowerCase()));
  const [first] = cuts;
  if (first === undefined) throw new UsageError('Say the habit, "to", and the new name.', USAGE.rename);
  const chosen = cuts.find((cut) => exact.has(args.slice(0, cut.index).trim().toLowerCase())) ?? first;
  const habit = store.resolve(args.slice(0, chosen.index).trim());
  const name = args.slice(chosen.index + chosen[0].length).trim();
  return renameHabit(context, habit, name);
}

/**
 * Give a resolved habit a new name.
 * @param context - the habits plugin's context (database, clock, time zone, log)
 * @param habit - the habit, already resolved
 * @param name - the new name, trimmed
 * @returns the reply: the old and the new name
 * @throws UsageError for an empty name or one that looks like an id (`#3`)
 * @throws UserError when another active habit already has that name (any case); nothing is written
 */
export function renameHabit(context: PluginContext, habit: Habit, name: string): string {
  if (name === '' || /^#\d+$/.test(name)) throw new UsageError('Give the new name.', USAGE.rename);
  if (!habitStore(context).rename(habit.id, name)) throw new UserError(`You already have a habit named "${name}".`);
  return `Renamed ${habit.name} to ${name}.`;
}

/**
 * Delete a habit with its check-ins, in one transaction. Deleting cannot be
 * undone, so a fuzzy match is not enough: the habit must be named exactly
 * or by `#id`.
 * @param context - the habits plugin's context (database, clock, time zone, log)
 * @param query - the habit, active or archived, by its exact name (any case) or `#id`
 * @returns the reply: the habit deleted, with how many check-ins and skips went with it
 * @throws NotFoundError or AmbiguousReferenceError when the name does not pick one habit
 * @throws UserError for an inexact name, saying the exact command and what would be deleted (nothing is deleted)
 */
export function deleteHabit(context: PluginContext, query: string): string {
  const store = habitStore(context);
  const habit = resolveAny(store, query);
  const exact = query.trim().toLowerCase() === habit.name.toLowerCase() || query.trim() === `#${habit.id}`;
  const entries = store.entries(habit.id);
  const history = describeHistory(
    entries.filter((entry) => entry.kind === 'done').length,
    entries.filter((entry) => entry.kind === 'skip').length,
  );
  if (!exact) {
    throw new UserError(
      `Deleting cannot be undone, so name the habit exactly: "delete habit ${habit.name}" or "delete habit #${habit.id}" deletes it with ${history}. "archive habit ${habit.name}" keeps its history.`,
    );
  }
  const removed = store.delete(habit.id);
  context.log.info({ habit: habit.id, entries: removed }, 'habit deleted');
  return `Deleted ${habit.name} with ${history}.`;
}

/**
 * Set or clear a habit's reminder: `<habit> <HH:MM | off>`.
 * @param context - the habits plugin's context (database, clock, time zone, log)
 * @param args - the `habit reminder` arguments: the habit, an optional `at`, then a time (`07:30`, `7am`, `19h30`) or `off`, `none`, `no`
 * @returns the reply of {@link setReminder}
 * @throws UsageError without a time, or for a time that is not one (`25:00`)
 * @throws NotFoundError or AmbiguousReferenceError when the name does not pick one active habit
 */
export function reminderCommand(context: PluginContext, args: string): string {
  const match = /^(.+?)\s+(?:at\s+)?(off|none|no|\d{1,2}(?::\d{2})?\s*(?:am|pm)?|\d{1,2}h\d{0,2})$/i.exec(args.trim());
  if (match === null) throw new UsageError('Say the habit and a time (HH:MM) or "off".', USAGE.reminder);
  const word = (match[2] ?? '').toLowerCase();
  return setReminder(context, match[1] as string, word === 'off' || word === 'none' || word === 'no' ? null : word);
}

/**
 * Set (a time of day) or clear (null) a habit's reminder.
 * @param context - the habits plugin's context (database, clock, time zone, log)
 * @param query - the active habit as named: `#id`, its name, a word of it or a small typo
 * @param time - a local time of day such as `07:30`, `7am` or `19h30` (see {@link parseTimeOfDay}), or null for no reminder
 * @returns the reply: the reminder time (`HH:MM`, 24-hour) in the owner's time zone, or that there are no more reminders
 * @throws UsageError for a time that is not one (nothing is written)
 * @throws NotFoundError or AmbiguousReferenceError when the name does not pick one active habit
 */
export function setReminder(context: PluginContext, query: string, time: string | null): string {
  const parsed = time === null ? null : parseTimeOfDay(time);
  if (parsed === undefined)
    throw new UsageError(`"${time}" is not a time of day; use HH:MM, for example 07:30.`, USAGE.reminder);
  const store = habitStore(context);
  const habit = store.resolve(query);
  store.setReminder(habit.id, parsed);
  if (parsed === null) return `No more reminders for ${habit.name}.`;
  return `I'll remind you of ${habit.name} at ${parsed} (${context.timeZone}) on days it is due and not yet done.`;
}

/**
 * Change a habit's frequency: `<habit> <frequency>`. The habit is the
 * shortest run of leading words after which the rest reads as a frequency.
 * @param context - the habits plugin's context (database, clock, time zone, log)
 * @param args - the `habit frequency` arguments, for example `gym 3 times per week` or `piano on mon,wed,fri`
 * @returns the reply of {@link setFrequency}
 * @throws UsageError without a frequency, or for an impossible one (`9 times per week`)
 * @throws NotFoundError or AmbiguousReferenceError when the name does not pick one active habit
 */
export function frequencyCommand(context: PluginContext, args: string): string {
  const words = args.trim().split(/\s+/);
  for (let cut = 1; cut < words.length; cut += 1) {
    const frequency = parseFrequency(words.slice(cut).join(' '));
    if (frequency === undefined) continue;
    if ('error' in frequency) throw new UsageError(frequency.error, USAGE.frequency);
    return setFrequency(context, words.slice(0, cut).join(' '), frequency);
  }
  throw new UsageError('Say the habit and its new frequency.', USAGE.frequency);
}

/**
 * Give a habit a new frequency; its history is kept and read anew.
 * @param context - the habits plugin's context (database, clock, time zone, log)
 * @param query - the active habit as named: `#id`, its name, a word of it or a small typo
 * @param frequency - the new frequency (`num` times every `den` days, or on weekdays; Loop Habit Tracker's)
 * @returns the reply: the new frequency, today's status under it, the streak in days and the strength in percent
 * @throws NotFoundError or AmbiguousReferenceError when the name does not pick one active habit (nothing is written)
 */
export function setFrequency(context: PluginContext, query: string, frequency: Frequency): string {
  const store = habitStore(context);
  const habit = store.resolve(query);
  store.setFrequency(habit.id, frequency);
  const report = reportOf(context, { ...habit, frequency }, store);
  return `${habit.name} is now ${describeFrequency(frequency)}: ${describeStatus(report)}. ${streakSentence(report)}`;
}
