import { z } from 'zod';
import { defineTool, type PluginContext, type PluginTool } from '../../src/plugins/api.js';
import { UsageError } from '../../src/shared/errors.js';
import type { IsoDate } from '../../src/shared/time.js';
import {
  addHabitParts,
  archive,
  checkIn,
  deleteHabit,
  habitStore,
  listHabits,
  renameHabit,
  setFrequency,
  setReminder,
  skip,
  stats,
  unarchive,
  undo,
  USAGE,
} from './actions.js';
import { readDay } from '../../src/shared/day-phrase.js';
import { parseFrequency } from './frequency.js';

/**
 * The habits plugin's agent tools: every command is also a tool with a zod
 * schema, so "I meditated this morning" checks in `meditation`. The
 * handlers share the commands' actions; the host validates arguments first
 * and hands a thrown UserError's message back to the model.
 */

const habitArgument = z
  .string()
  .min(1)
  .describe('The habit: its name as the owner tracks it (e.g. "meditation"), a distinctive word of it, or "#<id>"');
const dateArgument = z
  .string()
  .optional()
  .describe(
    '"today" (default; also "this morning", "tonight"), "yesterday" (also "last night"), a weekday such as "monday" (the latest one), "last friday", "3 days ago", "dec 3", or YYYY-MM-DD; never a future day',
  );

async function dayOf(date: string | undefined, context: PluginContext): Promise<IsoDate> {
  const day = await readDay(date, context.today());
  if (day === undefined)
    throw new UsageError(
      `"${date}" is not a day; use "today", "yesterday", a weekday, "3 days ago", "dec 3" or YYYY-MM-DD.`,
      USAGE.checkIn,
    );
  return day;
}

/** The tools, in the order the model sees them. */
export const habitTools: PluginTool[] = [
  defineTool({
    name: 'habit_check_in',
    description:
      'Record that the owner did one of their habits ("I meditated this morning" checks in \'meditation\'; "I went for a run yesterday" checks in \'run\' for yesterday).',
    schema: z.object({
      habit: habitArgument,
      date: dateArgument,
      note: z.string().optional().describe('Optional note, e.g. "20 minutes, felt calm"'),
    }),
    handler: async ({ habit, date, note }, context) =>
      checkIn(context, habit, await dayOf(date, context), note === undefined || note === '' ? null : note),
  }),
  defineTool({
    name: 'habit_skip',
    description:
      'Mark a habit as skipped for a day (ill, travelling, rest day): the day neither counts nor breaks its streak.',
    schema: z.object({
      habit: habitArgument,
      date: dateArgument,
      reason: z.string().optional().describe('Why, e.g. "ill"'),
    }),
    handler: async ({ habit, date, reason }, context) =>
      skip(context, habit, await dayOf(date, context), reason === undefined || reason === '' ? null : reason),
  }),
  defineTool({
    name: 'habit_undo',
    description: "Remove a habit's check-in (or skip) for a day, when it was recorded by mistake.",
    schema: z.object({
      habit: habitArgument,
      date: dateArgument,
      what: z.enum(['check-in', 'skip']).optional().describe('Which entry to remove (default "check-in")'),
    }),
    handler: async ({ habit, date, what }, context) =>
      undo(context, habit, await dayOf(date, context), what === 'skip' ? 'skip' : 'done'),
  }),
  defineTool({
    name: 'habit_add',
    description: 'Start tracking a new habit for the owner.',
    schema: z.object({
      name: z.string().min(1).describe('Short name, e.g. "meditation"'),
      frequency: z
        .string()
        .optional()
        .describe(
          '"daily" (default), "weekly", "monthly", "<N> times per week", "<N> times per month" or "on mon,wed,fri"',
        ),
      reminder: z.string().optional().describe('Local time for a daily reminder, HH:MM, e.g. "07:30"'),
    }),
    handler: ({ name, frequency, reminder }, context) => addHabitParts(context, name, frequency ?? '', reminder ?? ''),
  }),
  defineTool({
    name: 'habit_stats',
    description:
      "Show a habit's streaks, strength (0–100 %), completion over 7, 30 and 90 days and a 12-week calendar; all habits when 'habit' is omitted.",
    schema: z.object({ habit: z.string().optional().describe('The habit; omit for all') }),
    handler: ({ habit }, context) => stats(context, habit ?? '', false),
  }),
  defineTool({
    name: 'habit_list',
    description: "List the owner's habits with today's state, streak and strength (or the archived ones).",
    schema: z.object({ archived: z.boolean().optional().describe('true to list archived habits instead') }),
    handler: ({ archived }, context) => listHabits(context, archived === true ? 'archived' : ''),
  }),
  defineTool({
    name: 'habit_set_reminder',
    description:
      'Set the local time at which the owner is reminded of a habit on days it is not yet done, or turn the reminder off.',
    schema: z.object({
      habit: habitArgument,
      time: z.string().min(1).describe('HH:MM (24-hour), e.g. "07:30", or "off"'),
    }),
    handler: ({ habit, time }, context) =>
      setReminder(context, habit, /^(off|none|no)$/i.test(time.trim()) ? null : time),
  }),
  defineTool({
    name: 'habit_set_frequency',
    description: 'Change how often a habit is due.',
    schema: z.object({
      habit: habitArgument,
      frequency: z
        .string()
        .min(1)
        .describe('"daily", "weekly", "monthly", "<N> times per week", "<N> times per month" or "on mon,wed,fri"'),
    }),
    handler: ({ habit, frequency }, context) => {
      const parsed = parseFrequency(frequency);
      if (parsed === undefined || 'error' in parsed)
        throw new UsageError(parsed?.error ?? `"${frequency}" is not a frequency.`, USAGE.frequency);
      return setFrequency(context, habit, parsed);
    },
  }),
  defineTool({
    name: 'habit_rename',
    description: "Rename one of the owner's habits.",
    schema: z.object({ habit: habitArgument, new_name: z.string().min(1).describe('The new name') }),
    handler: ({ habit, new_name: newName }, context) =>
      renameHabit(context, habitStore(context).resolve(habit), newName.trim()),
  }),
  defineTool({
    name: 'habit_archive',
    description:
      'Archive a habit the owner stopped tracking: it leaves lists, briefings and reminders but keeps its history.',
    schema: z.object({ habit: habitArgument }),
    handler: ({ habit }, context) => archive(context, habit),
  }),
  defineTool({
    name: 'habit_unarchive',
    description: 'Bring an archived habit back, with its history.',
    schema: z.object({ habit: habitArgument }),
    handler: ({ habit }, context) => unarchive(context, habit),
  }),
  defineTool({
    name: 'habit_delete',
    description:
      'Delete a habit and all its check-ins for good. Only when the owner clearly asks to delete it; the exact name or "#<id>" is required.',
    schema: z.object({ habit: z.string().min(1).describe('The exact name of the habit, or "#<id>"') }),
    handler: ({ habit }, context) => deleteHabit(context, habit),
  }),
];
