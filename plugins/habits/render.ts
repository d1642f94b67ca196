import { addDays, type IsoDate } from '../../src/shared/time.js';
import { describeFrequency, streakUnit } from './frequency.js';
import { HabitStore, type HabitSummary } from './store.js';

/**
 * The last `length` days as a strip of marks, oldest first: `#` for a
 * check-in, `.` for none (plain characters, fine in a terminal and on Signal).
 * @param days - days with a check-in
 * @param today - the last day of the strip
 * @param length - days shown
 */
export function recentStrip(days: readonly IsoDate[], today: IsoDate, length = 7): string {
  const done = new Set(days);
  let strip = '';
  for (let offset = length - 1; offset >= 0; offset -= 1) strip += done.has(addDays(today, -offset)) ? '#' : '.';
  return strip;
}

/**
 * One habit's stats block for `habit stats`.
 * @param summary - the habit with its streaks
 * @param today - the owner's day
 */
export function formatHabitStats(summary: HabitSummary, today: IsoDate): string {
  const week = HabitStore.countInWindow(summary.days, today, 7);
  const month = HabitStore.countInWindow(summary.days, today, 30);
  return [
    `${summary.name} (${describeFrequency(summary.frequency)})`,
    `  streak ${streakUnit(summary.frequency, summary.streak)} · best ${streakUnit(summary.frequency, summary.best)} · ${summary.days.length} check-in${summary.days.length === 1 ? '' : 's'} in all`,
    `  last 7 days ${recentStrip(summary.days, today)}  ${week}/7 · last 30 days ${month}/30`,
  ].join('\n');
}

/**
 * One line about a habit's state today, for briefings and the agent.
 * @param summary - the habit with its streaks
 */
export function describeToday(summary: HabitSummary): string {
  const frequency = describeFrequency(summary.frequency);
  const streak = `streak ${streakUnit(summary.frequency, summary.streak)}`;
  if (summary.frequency.den === 1) {
    return `${summary.name} (${frequency}) — ${summary.doneToday ? 'done today' : 'not done yet today'}, ${streak}`;
  }
  const left = summary.remaining === 0 ? 'done for this week' : `${summary.remaining} more this week`;
  return `${summary.name} (${frequency}) — ${left}, ${streak}`;
}
