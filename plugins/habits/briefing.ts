import type { PluginBriefingSection, PluginContext } from '../../src/plugins/api.js';
import { DateTime } from 'luxon';
import { allReports } from './actions.js';
import { describeStatus, describeToday, habitTitle, percent } from './render.js';
import type { HabitReport } from './report.js';

/**
 * The habits plugin's briefing sections: in the morning the habits due
 * today and the streaks at risk; in the weekly briefing each habit's
 * completion against the week before and its strength trend.
 */

/**
 * A change of strength in words: `up 8 points`, `down 3 points`, `steady`.
 * @param report - the habit's report
 */
export function strengthTrend(report: HabitReport): string {
  const change = Math.round(report.strength * 100) - Math.round(report.strengthWeekAgo * 100);
  if (change === 0) return 'steady';
  return `${change > 0 ? 'up' : 'down'} ${Math.abs(change)} point${Math.abs(change) === 1 ? '' : 's'}`;
}

/**
 * One habit's week: `meditation (daily): 86% this week (last week 57%), strength 64%, up 8 points`.
 * @param report - the habit's report
 */
export function describeWeek(report: HabitReport): string {
  const thisWeek = report.rate(7);
  const lastWeek = report.rate(7, 7);
  const previous = lastWeek === null ? 'new this week' : `last week ${percent(lastWeek)}`;
  return `${habitTitle(report)}: ${percent(thisWeek)} this week (${previous}), strength ${percent(report.strength)}, ${strengthTrend(report)}`;
}

/** The morning and weekly sections. */
export const habitBriefingSections: PluginBriefingSection[] = [
  {
    name: 'due-today',
    kinds: ['morning'],
    order: 10,
    render: (_request, context) => {
      const reports = allReports(context);
      if (reports.length === 0) return null;
      const due = reports.filter((report) => report.dueToday);
      // Nothing due is news too: the briefing must not read as if there were no habits.
      if (due.length === 0)
        return {
          title: 'Habits due today',
          lines: [
            `None: ${reports.length === 1 ? 'your habit is' : `all ${reports.length} habits are`} done or not due today.`,
          ],
        };
      return {
        title: 'Habits due today',
        lines: due.map((report) => `${habitTitle(report)} — ${describeStatus(report)}`),
      };
    },
  },
  {
    name: 'streaks-at-risk',
    kinds: ['morning'],
    order: 11,
    render: (_request, context) => {
      const risky = allReports(context).filter((report) => report.atRisk);
      if (risky.length === 0) return null;
      return {
        title: 'Streaks at risk',
        lines: risky.map(
          (report) => `${report.habit.name}: the ${report.streak}-day streak ends if it is not done today`,
        ),
      };
    },
  },
  {
    name: 'week',
    kinds: ['weekly'],
    order: 10,
    render: (_request, context) => {
      const reports = allReports(context);
      if (reports.length === 0) return null;
      return { title: 'Habits this week', lines: reports.map(describeWeek) };
    },
  },
];

/**
 * The habits lines of the agent's context: today's state of each habit.
 * @param context - the habits plugin's context
 * @returns the text, or null without habits
 */
export function habitAgentContext(context: PluginContext): string | null {
  const reports = allReports(context);
  if (reports.length === 0) return null;
  const weekday = DateTime.fromISO(context.today(), { zone: 'utc' }).toFormat('cccc');
  return `The owner's habits (today is ${weekday} ${context.today()}):\n${reports.map((report) => `- #${report.habit.id} ${describeToday(report)}`).join('\n')}`;
}
