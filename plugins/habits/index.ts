import { definePlugin } from '../../src/plugins/api.js';
import { plural } from '../../src/shared/plural.js';
import {
  addHabit,
  allReports,
  archive,
  checkIn,
  deleteHabit,
  frequencyCommand,
  habitStore,
  listHabits,
  reminderCommand,
  rename,
  skip,
  splitDayArguments,
  stats,
  unarchive,
  undo,
  undoLast,
  USAGE,
} from './actions.js';
import { habitAgentContext, habitBriefingSections } from './briefing.js';
import { exportHabits, HABITS_DATA_VERSION, importHabits } from './data.js';
import { readLoopCsvExport, isLoopCsvExport } from './loop/csv-read.js';
import { writeLoopCsvExport } from './loop/csv-write.js';
import { isLoopBackup, readLoopBackup } from './loop/db.js';
import { habitsData, statsData } from './json.js';
import { HABIT_MIGRATIONS } from './migrations.js';
import { replReminders, sendDueReminders } from './reminders.js';
import { habitSettingsSchema } from './settings.js';
import { habitTools } from './tools.js';

/**
 * Habits done the Loop Habit Tracker way: daily, weekly, monthly, N times
 * per week or month, or on set weekdays; check-ins, skips and undo on the
 * owner's local days; Loop's streaks and exponential habit strength;
 * `habit stats` with completion rates and a 12-week heatmap; reminders;
 * briefing sections; and an agent tool for every command.
 */
export default definePlugin({
  name: 'habits',
  description: 'Habits with check-ins, skips, streaks, habit strength, heatmaps and reminders',
  settings: habitSettingsSchema,
  migrations: HABIT_MIGRATIONS,
  commands: [
    {
      name: 'add-habit',
      phrases: ['add habit', 'new habit'],
      usage: USAGE.add,
      description:
        'Start tracking a habit; frequency: daily, weekly, monthly, 3 times per week, twice a month, on mon,wed,fri',
      args: 'required',
      handler: ({ args }, context) => addHabit(context, args),
    },
    {
      name: 'check-in',
      phrases: ['check in', 'checkin'],
      usage: USAGE.checkIn,
      description: 'Record that you did a habit',
      args: 'required',
      handler: async ({ args }, context) => {
        const { habit, day, note } = await splitDayArguments(args, context.today(), habitStore(context).list(), {
          allowNote: true,
          usage: USAGE.checkIn,
        });
        return checkIn(context, habit, day, note);
      },
    },
    {
      name: 'skip',
      phrases: ['skip'],
      usage: USAGE.skip,
      description: 'Skip a day: it neither counts nor breaks the streak',
      args: 'required',
      handler: async ({ args }, context) => {
        const { habit, day, note } = await splitDayArguments(args, context.today(), habitStore(context).list(), {
          allowNote: true,
          usage: USAGE.skip,
        });
        return skip(context, habit, day, note);
      },
    },
    {
      name: 'undo-check-in',
      phrases: ['undo check in', 'undo checkin'],
      usage: USAGE.undo,
      description: 'Remove a check-in recorded by mistake',
      args: 'required',
      handler: async ({ args }, context) => {
        const { habit, day } = await splitDayArguments(args, context.today(), habitStore(context).list(), {
          allowNote: false,
          usage: USAGE.undo,
        });
        return undo(context, habit, day, 'done');
      },
    },
    {
      name: 'undo-skip',
      phrases: ['undo skip'],
      usage: USAGE.undoSkip,
      description: 'Remove a skip',
      args: 'required',
      handler: async ({ args }, context) => {
        const { habit, day } = await splitDayArguments(args, context.today(), habitStore(context).list(), {
          allowNote: false,
          usage: USAGE.undoSkip,
        });
        return undo(context, habit, day, 'skip');
      },
    },
    {
      name: 'undo',
      phrases: ['undo'],
      usage: 'undo',
      description: 'Take back the check-in or skip just recorded (within the hour)',
      args: 'none',
      handler: (_match, context) => undoLast(context),
    },
    {
      name: 'habit-stats',
      phrases: ['habit stats'],
      usage: USAGE.stats,
      description: 'Streaks, strength, completion and a 12-week heatmap',
      args: 'optional',
      handler: ({ args, color }, context) => stats(context, args, color),
      data: ({ args }, context) => statsData(context, args),
    },
    {
      // No arguments, so that "habits are hard" goes to the model.
      name: 'habits',
      phrases: ['habits'],
      usage: 'habits',
      description: 'Your habits today, one line each',
      args: 'none',
      handler: (_input, context) => listHabits(context, ''),
      data: (_input, context) => habitsData(context, ''),
    },
    {
      name: 'archived-habits',
      phrases: ['habits archived', 'archived habits', 'habits all', 'all habits'],
      usage: USAGE.list,
      description: 'The archived habits (or all of them)',
      args: 'none',
      handler: ({ phrase }, context) => listHabits(context, phrase.includes('all') ? 'all' : 'archived'),
      data: ({ phrase }, context) => habitsData(context, phrase.includes('all') ? 'all' : 'archived'),
    },
    {
      name: 'archive-habit',
      phrases: ['archive habit'],
      usage: USAGE.archive,
      description: 'Stop tracking a habit, keeping its history',
      args: 'required',
      handler: ({ args }, context) => archive(context, args),
    },
    {
      name: 'unarchive-habit',
      phrases: ['unarchive habit'],
      usage: USAGE.unarchive,
      description: 'Bring an archived habit back',
      args: 'required',
      handler: ({ args }, context) => unarchive(context, args),
    },
    {
      name: 'rename-habit',
      phrases: ['rename habit'],
      usage: USAGE.rename,
      description: 'Rename a habit',
      args: 'required',
      handler: ({ args }, context) => rename(context, args),
    },
    {
      name: 'delete-habit',
      phrases: ['delete habit'],
      usage: USAGE.delete,
      description: 'Delete a habit and its check-ins for good',
      args: 'required',
      handler: ({ args }, context) => deleteHabit(context, args),
    },
    {
      name: 'habit-reminder',
      phrases: ['habit reminder'],
      usage: USAGE.reminder,
      description: "Set or turn off a habit's reminder",
      args: 'required',
      handler: ({ args }, context) => reminderCommand(context, args),
    },
    {
      name: 'habit-frequency',
      phrases: ['habit frequency'],
      usage: USAGE.frequency,
      description: 'Change how often a habit is due',
      args: 'required',
      handler: ({ args }, context) => frequencyCommand(context, args),
    },
  ],
  tools: habitTools,
  schedules: [
    {
      name: 'reminders',
      cron: (context) => context.settings.reminders.cron,
      enabled: (context) => context.settings.reminders.enabled,
      catchUp: { policy: 'ignore' },
      handler: ({ scheduledFor }, context) => sendDueReminders(context, scheduledFor),
    },
  ],
  briefingSections: habitBriefingSections,
  agentContext: habitAgentContext,
  notices: replReminders,
  data: {
    version: HABITS_DATA_VERSION,
    export: exportHabits,
    import: importHabits,
    formats: [
      {
        name: 'loop-db',
        description: 'a Loop Habit Tracker full backup (.db, any schema version up to 25)',
        detect: isLoopBackup,
        read: (path) => readLoopBackup(path),
      },
      {
        name: 'loop-csv',
        description:
          'a Loop Habit Tracker CSV export folder (Habits.csv, Checkmarks.csv, Scores.csv, a folder per habit)',
        detect: isLoopCsvExport,
        read: (path) => readLoopCsvExport(path),
        write: (directory, context) => writeLoopCsvExport(directory, context),
      },
    ],
  },
  completions: (context) =>
    habitStore(context)
      .list()
      .map((habit) => habit.name),
  statusLine: (context) => {
    const due = allReports(context).filter((report) => report.dueToday && report.todayValue === 'none');
    if (due.length === 0) return null;
    const names = due.map((report) => report.habit.name);
    return `${plural(due.length, 'habit')} due today: ${names.slice(0, 4).join(', ')}${names.length > 4 ? ', ...' : ''}`;
  },
});
