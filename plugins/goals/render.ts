import { daysBetween, type IsoDate } from '../../src/shared/time.js';
import type { Goal } from './store.js';

/**
 * A text progress bar, for example `[###-------]` for 30 %.
 * @param percent - 0–100
 * @param width - characters inside the brackets
 */
export function progressBar(percent: number, width = 10): string {
  const filled = Math.round((Math.max(0, Math.min(100, percent)) / 100) * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}]`;
}

/**
 * The deadline in words: `by 2027-05-01 (161 days left)`, `due today`, `overdue by 3 days`, or `no deadline`.
 * @param goal - the goal
 * @param today - the owner's local day
 */
export function describeDeadline(goal: Goal, today: IsoDate): string {
  if (goal.deadline === null) return 'no deadline';
  const left = daysBetween(today, goal.deadline);
  if (left > 0) return `by ${goal.deadline} (${left} day${left === 1 ? '' : 's'} left)`;
  if (left === 0) return `due today (${goal.deadline})`;
  return `overdue by ${-left} day${left === -1 ? '' : 's'} (${goal.deadline})`;
}

/**
 * One line per goal: title, bar, percent and deadline.
 * @param goal - the goal
 * @param today - the owner's local day
 */
export function formatGoalLine(goal: Goal, today: IsoDate): string {
  return `${goal.title}  ${progressBar(goal.progress)} ${goal.progress}%  ${describeDeadline(goal, today)}`;
}
