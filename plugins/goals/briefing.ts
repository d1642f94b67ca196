import { plural } from '../../src/shared/plural.js';
import { daysBetween, localDate } from '../../src/shared/time.js';
import type { PluginBriefingSection, PluginContext } from '../../src/plugins/api.js';
import { goalStore } from './actions.js';
import { paceOf } from './pace.js';
import { describeDeadlineAndPace, describeMilestones } from './render.js';
import type { Goal } from './store.js';

/**
 * The goals plugin's briefing sections: in the morning the goals that need
 * attention (deadline within 14 days, or behind pace); in the weekly
 * briefing each goal's change in progress and the milestones reached.
 */

/** Days before a deadline from which the morning briefing mentions a goal. */
export const DEADLINE_SOON_DAYS = 14;

const WEEK_MS = 7 * 86_400_000;

/**
 * Whether a goal needs attention this morning: its deadline is within
 * {@link DEADLINE_SOON_DAYS} days (or passed), or it is behind pace.
 * @param goal - an active goal
 * @param today - the owner's local day
 */
export function needsAttention(goal: Goal, today: string): boolean {
  const pace = paceOf(goal, today);
  if (pace.status === 'reached') return false;
  if (pace.status === 'behind' || pace.status === 'overdue') return true;
  return goal.deadline !== null && daysBetween(today, goal.deadline) <= DEADLINE_SOON_DAYS;
}

/** The morning and weekly sections. */
export const goalBriefingSections: PluginBriefingSection[] = [
  {
    name: 'attention',
    kinds: ['morning'],
    order: 20,
    render: (_request, context) => {
      const today = context.today();
      const active = goalStore(context).list();
      if (active.length === 0) return null;
      const goals = active.filter((goal) => needsAttention(goal, today));
      if (goals.length === 0) {
        const next = active
          .filter((goal) => goal.deadline !== null)
          .sort((left, right) => (left.deadline ?? '').localeCompare(right.deadline ?? ''))[0];
        const deadline =
          next === undefined
            ? ''
            : `; the next deadline is ${next.title} on ${next.deadline} (${plural(daysBetween(today, next.deadline as string), 'day')})`;
        return {
          title: 'Goals',
          lines: [`${active.length === 1 ? 'Your goal is' : `All ${active.length} goals are`} on track${deadline}.`],
        };
      }
      return {
        title: 'Goals needing attention',
        lines: goals.map((goal) => `${goal.title} — ${goal.progress}%, ${describeDeadlineAndPace(goal, today)}`),
      };
    },
  },
  {
    name: 'week',
    kinds: ['weekly'],
    order: 20,
    render: (_request, context) => {
      const goals = goalStore(context);
      const weekAgo = new Date(context.clock.now().getTime() - WEEK_MS);
      const today = context.today();
      const lines = goals.list().map((goal) => {
        const change = goal.progress - goals.progressAt(goal.id, weekAgo);
        const moved = change === 0 ? 'no change this week' : `${change > 0 ? '+' : ''}${change}% this week`;
        return `${goal.title} — ${goal.progress}% (${moved}), ${describeDeadlineAndPace(goal, today)}`;
      });
      lines.push(...goals.completedSince(weekAgo).map((goal) => `${goal.title} — completed this week`));
      return lines.length === 0 ? null : { title: 'Goals this week', lines };
    },
  },
  {
    name: 'milestones',
    kinds: ['weekly'],
    order: 21,
    render: (_request, context) => {
      const reached = goalStore(context).milestonesCompletedSince(new Date(context.clock.now().getTime() - WEEK_MS));
      if (reached.length === 0) return null;
      return {
        title: 'Milestones reached',
        lines: reached.map(
          (milestone) =>
            `${milestone.title} (${milestone.goalTitle}), ${localDate(new Date(milestone.completedAt as string), context.timeZone)}`,
        ),
      };
    },
  },
];

/**
 * The goals lines of the agent's context.
 * @param context - the goals plugin's context
 * @returns the text, or null without active goals
 */
export function goalAgentContext(context: PluginContext): string | null {
  const goals = goalStore(context);
  const active = goals.list();
  if (active.length === 0) return null;
  const today = context.today();
  const lines = active.map((goal) => {
    const milestones = describeMilestones(goals.milestones(goal.id));
    return `- #${goal.id} ${goal.title}: ${goal.progress}%, ${describeDeadlineAndPace(goal, today)}; category ${goal.category}${milestones === '' ? '' : `; ${milestones}`}`;
  });
  return `The owner's active goals:\n${lines.join('\n')}`;
}
