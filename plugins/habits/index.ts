import { z } from 'zod';
import { definePlugin, defineTool, type PluginContext } from '../../src/plugins/api.js';
import { UsageError, UserError } from '../../src/shared/errors.js';
import { addDays, describeDay, parseIsoDate, type IsoDate } from '../../src/shared/time.js';
import { describeFrequency, parseHabitSpec, streakUnit } from './frequency.js';
import { describeToday, formatHabitStats } from './render.js';
import { HABITS_SCHEMA, HabitStore, type HabitSummary } from './store.js';

const ADD_USAGE = 'add habit <name> [daily | weekly | <N> times per week]';
const CHECK_IN_USAGE = 'check in <habit> [yesterday | YYYY-MM-DD]';
const STATS_USAGE = 'habit stats [<habit>]';

function store(context: PluginContext): HabitStore {
  return new HabitStore(context.database);
}

/**
 * Turn a day word into a local day.
 * @returns the day, or undefined if `word` is not a day word
 * @throws UserError for a day in the future
 */
function parseDayWord(word: string, today: IsoDate): IsoDate | undefined {
  const lower = word.toLowerCase();
  let day: IsoDate | undefined;
  if (lower === 'today') day = today;
  else if (lower === 'yesterday') day = addDays(today, -1);
  else day = parseIsoDate(lower);
  if (day !== undefined && day > today) throw new UserError(`${day} is in the future; you can only check in for today or earlier.`);
  return day;
}

/** Split `check in` arguments into the habit name and the day. */
function parseCheckIn(args: string, today: IsoDate): { habit: string; day: IsoDate } {
  const words = args.split(' ');
  const last = words[words.length - 1] ?? '';
  const day = words.length > 1 ? parseDayWord(last, today) : undefined;
  const habit = (day === undefined ? args : words.slice(0, -1).join(' ')).trim();
  if (habit === '') throw new UsageError('Say which habit.', CHECK_IN_USAGE);
  return { habit, day: day ?? today };
}

function checkIn(context: PluginContext, habitName: string, day: IsoDate, note: string | null = null): string {
  const habits = store(context);
  const habit = habits.resolve(habitName);
  const today = context.today();
  const written = habits.checkIn(habit.id, day, context.clock.now(), note);
  const summary = habits.summarise(habit, today);
  const when = describeDay(day, today);
  let streak = `Streak: ${streakUnit(summary.frequency, summary.streak)} (best ${streakUnit(summary.frequency, summary.best)}).`;
  if (summary.frequency.den === 7) {
    const done = summary.frequency.num - summary.remaining;
    streak = `${done} of ${summary.frequency.num} this week. ${streak}`;
  }
  if (!written) return `${habit.name} was already checked in for ${when}; nothing changed. ${streak}`;
  context.log.info({ habit: habit.id, day }, 'habit checked in');
  return `Checked in ${habit.name} for ${when}. ${streak}`;
}

function addHabit(context: PluginContext, spec: string): string {
  const parsed = parseHabitSpec(spec);
  if ('error' in parsed) throw new UsageError(parsed.error, ADD_USAGE);
  const habit = store(context).add(parsed.name, parsed.frequency, context.clock.now());
  if (habit === undefined) throw new UserError(`You already have a habit named "${parsed.name}".`);
  return `Added habit ${habit.name} (${describeFrequency(habit.frequency)}). Check in with "check in ${habit.name}".`;
}

function stats(context: PluginContext, habitName: string): string {
  const habits = store(context);
  const today = context.today();
  const chosen = habitName === '' ? habits.list() : [habits.resolve(habitName)];
  if (chosen.length === 0) return 'No habits yet. Add one with "add habit meditation daily".';
  return chosen.map((habit) => formatHabitStats(habits.summarise(habit, today), today)).join('\n\n');
}

function summaries(context: PluginContext): HabitSummary[] {
  const habits = store(context);
  const today = context.today();
  return habits.list().map((habit) => habits.summarise(habit, today));
}

/** Habits with daily, weekly and N-per-week frequencies, check-ins and streaks. */
export default definePlugin({
  name: 'habits',
  description: 'Habits with check-ins and streaks',
  migrations: [{ id: '001_create_habits', sql: HABITS_SCHEMA }],
  commands: [
    {
      name: 'add-habit',
      phrases: ['add habit', 'new habit'],
      usage: ADD_USAGE,
      description: 'Start tracking a habit',
      args: 'required',
      handler: ({ args }, context) => addHabit(context, args),
    },
    {
      name: 'check-in',
      phrases: ['check in', 'checkin'],
      usage: CHECK_IN_USAGE,
      description: 'Record that you did a habit',
      args: 'required',
      handler: ({ args }, context) => {
        const { habit, day } = parseCheckIn(args, context.today());
        return checkIn(context, habit, day);
      },
    },
    {
      name: 'habit-stats',
      phrases: ['habit stats'],
      usage: STATS_USAGE,
      description: 'Streaks and recent check-ins',
      args: 'optional',
      handler: ({ args }, context) => stats(context, args),
    },
    {
      name: 'habits',
      phrases: ['habits'],
      usage: 'habits',
      description: 'Stats of every habit',
      args: 'none',
      handler: (_input, context) => stats(context, ''),
    },
  ],
  tools: [
    defineTool({
      name: 'habit_check_in',
      description:
        "Record that the owner did one of their habits (for example 'I went for a run' checks in the habit 'run'). Use the habit's name as the owner tracks it.",
      schema: z.object({
        habit: z.string().min(1).describe('Name of the habit, e.g. "meditation"'),
        date: z.string().optional().describe('"today" (default), "yesterday" or YYYY-MM-DD'),
      }),
      handler: ({ habit, date }, context) => {
        const today = context.today();
        const day = date === undefined || date === '' ? today : parseDayWord(date, today);
        if (day === undefined) return `"${date}" is not a date; use "today", "yesterday" or YYYY-MM-DD.`;
        return checkIn(context, habit, day);
      },
    }),
    defineTool({
      name: 'habit_add',
      description: 'Start tracking a new habit for the owner.',
      schema: z.object({
        name: z.string().min(1).describe('Short name, e.g. "meditation"'),
        frequency: z.string().optional().describe('"daily" (default), "weekly" or "<N> times per week"'),
      }),
      handler: ({ name, frequency }, context) => addHabit(context, frequency === undefined ? name : `${name} ${frequency}`),
    }),
    defineTool({
      name: 'habit_stats',
      description: "Show streaks and recent check-ins of one habit, or of all habits when 'habit' is omitted.",
      schema: z.object({ habit: z.string().optional().describe('Name of the habit; omit for all') }),
      handler: ({ habit }, context) => stats(context, habit ?? ''),
    }),
  ],
  briefingSections: [
    {
      name: 'due-today',
      kinds: ['morning'],
      order: 10,
      render: (_request, context) => {
        const due = summaries(context).filter((summary) => summary.remaining > 0 && !summary.doneToday);
        if (due.length === 0) return null;
        return { title: 'Habits due today', lines: due.map(describeToday) };
      },
    },
    {
      name: 'week',
      kinds: ['weekly'],
      order: 10,
      render: (_request, context) => {
        const today = context.today();
        const all = summaries(context);
        if (all.length === 0) return null;
        return {
          title: 'Habits this week',
          lines: all.map((summary) => `${summary.name}: ${HabitStore.countInWindow(summary.days, today, 7)} check-ins in the last 7 days, streak ${streakUnit(summary.frequency, summary.streak)}`),
        };
      },
    },
  ],
  agentContext: (context) => {
    const all = summaries(context);
    if (all.length === 0) return null;
    return `The owner's habits (today is ${context.today()}):\n${all.map((summary) => `- ${describeToday(summary)}`).join('\n')}`;
  },
});
