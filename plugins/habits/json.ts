import type { PluginContext } from '../../src/plugins/api.js';
import { UsageError } from '../../src/shared/errors.js';
import { resolveByName } from '../../src/shared/resolve.js';
import { habitStore, reportOf, USAGE } from './actions.js';
import { findStreaks, type Streak } from './streaks.js';
import { describeFrequency } from './frequency.js';
import { RATE_WINDOWS, type HabitReport } from './report.js';
import { toDayNumber } from './days.js';

/**
 * The habit lists as data, for `steward run --json "habits"` and
 * `steward run --json "habit stats [<habit>]"` (shapes in docs/data.md).
 * The same facts as the text replies: streaks in days, strength and
 * completion 0–1 (Loop Habit Tracker's habit strength).
 */

/** One habit in `habits --json`. */
export interface HabitJson {
  /** Row id (`#3`). */
  id: number;
  /** Name. */
  name: string;
  /** `num` times every `den` days, or on `weekdays` (ISO, Monday 1). */
  frequency: { num: number; den: number; weekdays: number[] | null };
  /** The frequency in words (`3 times per week`). */
  frequencyText: string;
  /** Local reminder time `HH:MM`, or null. */
  reminder: string | null;
  /** Whether it is archived. */
  archived: boolean;
  /** Today's computed value: `done`, `auto` (covered by a completed period), `skipped`, `off` (not one of its weekdays), `none`. */
  today: string;
  /** Whether it is still due today. */
  dueToday: boolean;
  /** Current and best streak, in days. */
  streak: { current: number; best: number };
  /** Habit strength, 0–1. */
  strength: number;
}

/** One habit in `habit stats --json`: {@link HabitJson} and the history behind it. */
export interface HabitStatsJson extends HabitJson {
  /** Every streak, oldest first (`start`/`end` are days, `length` in days). */
  streaks: Streak[];
  /** Strength seven days earlier, 0–1. */
  strengthWeekAgo: number;
  /** Completion over the last 7, 30 and 90 days, 0–1, or null when no day counts. */
  completion: Record<string, number | null>;
  /** Check-ins and skips, all time. */
  checkIns: number;
  /** Skips, all time. */
  skips: number;
}

function habitJson(report: HabitReport): HabitJson {
  const { habit } = report;
  return {
    id: habit.id,
    name: habit.name,
    frequency: {
      num: habit.frequency.num,
      den: habit.frequency.den,
      weekdays: habit.frequency.weekdays?.slice() ?? null,
    },
    frequencyText: describeFrequency(habit.frequency),
    reminder: habit.reminder,
    archived: habit.archivedAt !== null,
    today: report.todayValue,
    dueToday: report.dueToday,
    streak: { current: report.streak, best: report.bestStreak?.length ?? 0 },
    strength: report.strength,
  };
}

function statsJson(report: HabitReport): HabitStatsJson {
  const completion: Record<string, number | null> = {};
  for (const days of RATE_WINDOWS) completion[String(days)] = report.rate(days);
  return {
    ...habitJson(report),
    streaks: findStreaks(report.computed, toDayNumber(report.today)).streaks,
    strengthWeekAgo: report.strengthWeekAgo,
    completion,
    checkIns: report.entries.filter((entry) => entry.kind === 'done').length,
    skips: report.entries.filter((entry) => entry.kind === 'skip').length,
  };
}

/**
 * `habits [archived | all]` as data.
 * @param context - the habits plugin's context
 * @param which - empty for the active habits, `archived`, or `all`
 * @returns `{ habits: HabitJson[] }`
 * @throws UsageError for another word
 */
export function habitsData(context: PluginContext, which: string): { habits: HabitJson[] } {
  const store = habitStore(context);
  const wanted = which.trim().toLowerCase();
  if (!['', 'active', 'all', 'archived', 'archive'].includes(wanted))
    throw new UsageError(`There is no "${which}" list of habits.`, USAGE.list);
  const habits = wanted.startsWith('archive')
    ? store.archived()
    : wanted === 'all'
      ? [...store.list(), ...store.archived()]
      : store.list();
  return { habits: habits.map((habit) => habitJson(reportOf(context, habit, store))) };
}

/**
 * `habit stats [<habit>]` as data.
 * @param context - the habits plugin's context
 * @param query - a habit (active or archived) as named, or empty for every active habit
 * @returns `{ habits: HabitStatsJson[] }`
 * @throws NotFoundError or AmbiguousReferenceError when the name does not pick one habit
 */
export function statsData(context: PluginContext, query: string): { habits: HabitStatsJson[] } {
  const store = habitStore(context);
  const chosen =
    query.trim() === '' ? store.list() : [resolveByName('habit', query, [...store.list(), ...store.archived()])];
  return { habits: chosen.map((habit) => statsJson(reportOf(context, habit, store))) };
}
