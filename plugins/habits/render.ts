import { describeDay } from '../../src/shared/time.js';
import { toDayNumber } from './days.js';
import { describeFrequency } from './frequency.js';
import { renderHeatmap } from './heatmap.js';
import { RATE_WINDOWS, type HabitReport } from './report.js';

/**
 * Text for habits: the lines of `habit stats`, `habits`, the briefings and
 * the agent's context. Plain text unless colour is asked for.
 */

/**
 * A count of days: `1 day`, `12 days`.
 * @param days - whole days
 */
export function describeDays(days: number): string {
  return `${days} day${days === 1 ? '' : 's'}`;
}

/**
 * A 0–1 share as a whole percentage: `64%`, or `—` for null.
 * @param share - 0–1 or null
 */
export function percent(share: number | null): string {
  return share === null ? '—' : `${Math.round(share * 100)}%`;
}

/**
 * The habit's name with its frequency and reminder: `meditation (daily, at 07:30)`.
 * @param report - the habit's report
 */
export function habitTitle(report: Pick<HabitReport, 'habit'>): string {
  const reminder = report.habit.reminder === null ? '' : `, at ${report.habit.reminder}`;
  return `${report.habit.name} (${describeFrequency(report.habit.frequency)}${reminder})`;
}

/**
 * How a periodic habit stands in its current window: `2 of 3 in the last 7 days`.
 * @param report - the habit's report
 * @returns the words, or an empty string for daily and weekday habits
 */
export function describeWindow(report: HabitReport): string {
  const { num, den, weekdays } = report.habit.frequency;
  if (weekdays !== null || den === 1) return '';
  return `${report.inWindow} of ${num} in the last ${den} days`;
}

/**
 * The habit's state today in words: `done today`, `skipped today`, `not
 * done yet today`, `not due today`, or for periodic habits `covered (3 of 3
 * in the last 7 days)` and `due: 1 of 3 in the last 7 days`.
 * @param report - the habit's report
 */
export function describeStatus(report: HabitReport): string {
  const window = describeWindow(report);
  switch (report.todayValue) {
    case 'done':
      return window === '' ? 'done today' : `done today, ${window}`;
    case 'skipped':
      return 'skipped today';
    case 'off':
      return 'not due today';
    case 'auto':
      return window === '' ? 'covered for today' : `covered for today (${window})`;
    case 'none':
      return window === '' ? 'not done yet today' : `due: ${window}`;
  }
}

/**
 * The streak in words: `streak 3 days (best 12 days)`.
 * @param report - the habit's report
 */
export function describeStreak(report: HabitReport): string {
  return `streak ${describeDays(report.streak)} (best ${describeDays(report.bestStreak?.length ?? 0)})`;
}

/**
 * One line about a habit today, for `habits`, the briefings and the agent:
 * `meditation (daily) — done today, streak 3 days, strength 24%` (with
 * `withId`, `meditation (daily) #1 — ...`, as `habits` lists it).
 * @param report - the habit's report
 * @param withId - show the habit's `#id` after its title
 */
export function describeToday(report: HabitReport, withId = false): string {
  const id = withId ? ` #${report.habit.id}` : '';
  return `${habitTitle(report)}${id} — ${describeStatus(report)}, streak ${describeDays(report.streak)}, strength ${percent(report.strength)}`;
}

/**
 * The last `length` days as marks, oldest first: `#` checked in, `+`
 * covered, `~` skipped or off, `.` nothing.
 * @param report - the habit's report
 * @param length - days shown
 */
export function recentStrip(report: HabitReport, length = 7): string {
  const today = toDayNumber(report.today);
  let strip = '';
  for (let day = today - length + 1; day <= today; day += 1) {
    const value = report.computed.valueOn(day);
    strip += value === 'done' ? '#' : value === 'auto' ? '+' : value === 'skipped' || value === 'off' ? '~' : '.';
  }
  return strip;
}

/**
 * The full `habit stats` block of one habit: title, streaks, strength,
 * completion rates and the 12-week heatmap.
 * @param report - the habit's report
 * @param color - ANSI colours (a TTY) or plain characters
 */
export function formatHabitStats(report: HabitReport, color: boolean): string {
  const best = report.bestStreak;
  const bestDates = best === null ? '' : ` (${best.start} – ${best.end})`;
  const trend = Math.round(report.strength * 100) - Math.round(report.strengthWeekAgo * 100);
  const trendWords = trend === 0 ? 'no change in 7 days' : `${trend > 0 ? '+' : ''}${trend} in 7 days`;
  const rates = RATE_WINDOWS.map((days) => `${days} days ${percent(report.rate(days))}`).join(' · ');
  const entries = report.entries.filter((entry) => entry.kind === 'done').length;
  const lastNote = [...report.entries]
    .reverse()
    .find((entry) => entry.note !== null && entry.note !== undefined && entry.note !== '');
  const lines = [
    `${habitTitle(report)} #${report.habit.id} — ${describeStatus(report)}`,
    `  streak ${describeDays(report.streak)} · best ${describeDays(best?.length ?? 0)}${bestDates} · ${entries} check-in${entries === 1 ? '' : 's'} in all`,
    `  strength ${percent(report.strength)} (${trendWords})`,
    `  completion ${rates}`,
  ];
  if (lastNote !== undefined) lines.push(`  last note (${describeDay(lastNote.day, report.today)}): ${lastNote.note}`);
  lines.push(
    ...renderHeatmap(report.computed.valueOn, report.startDay, toDayNumber(report.today), { color }).map(
      (line) => `  ${line}`,
    ),
  );
  return lines.join('\n');
}
