import type { PluginContext } from '../../src/plugins/api.js';
import { UsageError } from '../../src/shared/errors.js';
import { goalStore, USAGE } from './actions.js';
import { paceOf, type Pace } from './pace.js';
import type { Goal, GoalStatus, Milestone } from './store.js';

/**
 * The goal lists as data, for `steward run --json "goals"` (and `goals
 * completed`, `goals abandoned`, `goals all`, `goal review`); shapes in
 * docs/data.md. Progress and pace are in percent (0–100).
 */

/** One goal in `goals --json`. */
export interface GoalJson {
  /** Row id (`#2`). */
  id: number;
  /** Title. */
  title: string;
  /** Category (`health`, `finance`, ...). */
  category: string;
  /** `active`, `completed` or `abandoned`. */
  status: GoalStatus;
  /** Progress, 0–100. */
  progress: number;
  /** Deadline (local day) or null. */
  deadline: string | null;
  /** The local day it was set. */
  startedOn: string;
  /** ISO instant it was completed or abandoned, or null. */
  closedAt: string | null;
  /** Pace against the deadline: status, the even pace today (0–100 or null), points behind (negative: ahead). */
  pace: Pace;
  /** Milestones, oldest first. */
  milestones: Array<Pick<Milestone, 'id' | 'title' | 'createdAt' | 'completedAt'>>;
}

function goalJson(goal: Goal, milestones: Milestone[], today: string): GoalJson {
  return {
    id: goal.id,
    title: goal.title,
    category: goal.category,
    status: goal.status,
    progress: goal.progress,
    deadline: goal.deadline,
    startedOn: goal.startedOn,
    closedAt: goal.closedAt,
    pace: paceOf(goal, today),
    milestones: milestones.map(({ id, title, createdAt, completedAt }) => ({ id, title, createdAt, completedAt })),
  };
}

/**
 * The goals with a status, as data.
 * @param context - the goals plugin's context
 * @param which - empty or `active`, `completed`, `abandoned`, `all`
 * @returns `{ goals: GoalJson[] }`, oldest first
 * @throws UsageError for another word
 */
export function goalsData(context: PluginContext, which: string): { goals: GoalJson[] } {
  const wanted = which.trim().toLowerCase() || 'active';
  if (!['active', 'all', 'completed', 'abandoned'].includes(wanted))
    throw new UsageError(`There is no "${which}" list of goals.`, USAGE.list);
  const store = goalStore(context);
  const today = context.today();
  return {
    goals: store.list(wanted as GoalStatus | 'all').map((goal) => goalJson(goal, store.milestones(goal.id), today)),
  };
}
