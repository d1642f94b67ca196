import type { IsoDate } from '../../src/shared/time.js';
import { toDayNumber, type DayNumber } from './days.js';
import { computeEntries, type ComputedEntries, type DayValue, type Entry } from './entries.js';
import { findStreaks, type Streak } from './streaks.js';
import { strengthSeries, type StrengthSeries } from './strength.js';
import type { Habit } from './store.js';

/** Completion-rate windows shown by `habit stats`, in days. */
export const RATE_WINDOWS = [7, 30, 90] as const;

/** Everything `habit stats`, the briefings and the agent say about one habit on one day. */
export interface HabitReport {
  /** The habit. */
  habit: Habit;
  /** The owner's local day the report is for. */
  today: IsoDate;
  /** The owner's check-ins and skips, oldest first. */
  entries: Entry[];
  /** Loop's computed entries. */
  computed: ComputedEntries;
  /** First day the habit counts from: the day it was added or its first entry, whichever is earlier. */
  startDay: DayNumber;
  /** Today's computed value. */
  todayValue: DayValue;
  /** The streak alive today (length 0 when none), in days. */
  streak: number;
  /** The current streak, or null. */
  currentStreak: Streak | null;
  /** The best streak ever, or null. */
  bestStreak: Streak | null;
  /**
   * Habit strength, 0–1: Loop's score at the end of today once today is
   * entered (checked in, skipped or covered), else at the end of yesterday.
   */
  strength: number;
  /** The same score seven days earlier, 0–1. */
  strengthWeekAgo: number;
  /** Whether the habit is due today: a day it is on, not checked in, skipped or covered by a completed period. */
  dueToday: boolean;
  /** Whether a streak ends if the habit is not done today. */
  atRisk: boolean;
  /** Check-ins in the current window of the habit's period (`den` days ending today). */
  inWindow: number;
  /**
   * Completion over the `days` ending today (or `daysAgo` days before
   * today), 0–1, or null when no day in the window counts yet (see
   * {@link completionRate}).
   */
  rate(days: number, daysAgo?: number): number | null;
}

/**
 * Completion over a window of `days` days: check-ins against what the
 * frequency asks for (`num / den` per day) on the days that count, capped
 * at 1. Days before the habit's start, skipped days, days off its weekdays
 * and today (until it is entered) do not count.
 * @param report - the habit's computed entries, frequency and start
 * @param days - window length
 * @param daysAgo - how many days before today the window ends (0: it ends today)
 * @returns 0–1, or null when no day counts
 */
export function completionRate(
  report: Pick<HabitReport, 'computed' | 'startDay' | 'habit' | 'today'>,
  days: number,
  daysAgo = 0,
): number | null {
  const today = toDayNumber(report.today);
  const last = today - daysAgo;
  const first = Math.max(last - days + 1, report.startDay);
  let counted = 0;
  let done = 0;
  for (let day = first; day <= last; day += 1) {
    const value = report.computed.valueOn(day);
    if (value === 'skipped' || value === 'off' || (day === today && value === 'none')) continue;
    counted += 1;
    if (value === 'done') done += 1;
  }
  if (counted === 0) return null;
  const { num, den } = report.habit.frequency;
  return Math.min(1, done / ((counted * num) / den));
}

/**
 * Analyse a habit as of `today`.
 * @param habit - the habit
 * @param entries - its check-ins and skips
 * @param today - the owner's local day
 * @returns the report
 */
export function analyseHabit(habit: Habit, entries: Entry[], today: IsoDate): HabitReport {
  const computed = computeEntries(entries, habit.frequency);
  const todayNumber = toDayNumber(today);
  const created = toDayNumber(habit.createdOn);
  const firstEntry = entries[0];
  const startDay = firstEntry === undefined ? created : Math.min(created, toDayNumber(firstEntry.day));
  const todayValue = computed.valueOn(todayNumber);
  const { current, best } = findStreaks(computed, todayNumber);
  const series: StrengthSeries = strengthSeries(computed, habit.frequency, todayNumber);
  const shownDay = todayValue === 'none' ? todayNumber - 1 : todayNumber;
  const period = habit.frequency.weekdays === null ? habit.frequency.den : 1;
  let inWindow = 0;
  for (const day of computed.doneDays) if (day > todayNumber - period && day <= todayNumber) inWindow += 1;
  const dueToday = todayValue === 'none';
  const report: HabitReport = {
    habit,
    today,
    entries,
    computed,
    startDay,
    todayValue,
    streak: current?.length ?? 0,
    currentStreak: current,
    bestStreak: best,
    strength: series.on(shownDay),
    strengthWeekAgo: series.on(shownDay - 7),
    dueToday,
    atRisk: dueToday && (current?.length ?? 0) > 0,
    inWindow,
    rate: (days, daysAgo = 0) => completionRate(report, days, daysAgo),
  };
  return report;
}
