import { daysBetween, type IsoDate } from '../../src/shared/time.js';
import type { Goal } from './store.js';

/**
 * Pace against the deadline: the progress a goal would have if it moved
 * evenly from the day it was set (0 %) to its deadline (100 %), against the
 * progress it has. Within {@link PACE_TOLERANCE} points counts as on track,
 * so a goal set yesterday is not "behind by 1%".
 */

/** Percentage points of slack before a goal counts as behind. */
export const PACE_TOLERANCE = 5;

/** Where a goal stands against its deadline. */
export interface Pace {
  /**
   * - `reached`: at 100 %;
   * - `no-deadline`: nothing to compare with;
   * - `overdue`: the deadline passed below 100 %;
   * - `behind`: more than {@link PACE_TOLERANCE} points below the even pace;
   * - `on-track`: otherwise.
   */
  status: 'reached' | 'no-deadline' | 'overdue' | 'behind' | 'on-track';
  /** The progress an even pace would have today, 0–100 (null without a deadline). */
  expected: number | null;
  /** Points below the even pace (negative when ahead), rounded; 0 without a deadline. */
  behindBy: number;
}

/**
 * Compute a goal's pace.
 * @param goal - the goal (its start day, deadline and progress)
 * @param today - the owner's local day
 */
export function paceOf(goal: Pick<Goal, 'startedOn' | 'deadline' | 'progress'>, today: IsoDate): Pace {
  if (goal.progress >= 100) return { status: 'reached', expected: goal.deadline === null ? null : 100, behindBy: 0 };
  if (goal.deadline === null) return { status: 'no-deadline', expected: null, behindBy: 0 };
  const total = daysBetween(goal.startedOn, goal.deadline);
  const elapsed = daysBetween(goal.startedOn, today);
  const expected = total <= 0 ? 100 : Math.min(100, Math.max(0, (elapsed / total) * 100));
  const behindBy = Math.round(expected - goal.progress);
  if (today > goal.deadline) return { status: 'overdue', expected, behindBy };
  return { status: behindBy > PACE_TOLERANCE ? 'behind' : 'on-track', expected, behindBy };
}

/**
 * The pace in words: `on track`, `behind by 12%`, `ahead by 8%`, `overdue`,
 * `reached`, or an empty string without a deadline.
 * @param pace - from {@link paceOf}
 */
export function describePace(pace: Pace): string {
  switch (pace.status) {
    case 'reached':
      return 'reached';
    case 'no-deadline':
      return '';
    case 'overdue':
      return 'overdue';
    case 'behind':
      return `behind by ${pace.behindBy}%`;
    case 'on-track':
      return pace.behindBy < -PACE_TOLERANCE ? `on track (ahead by ${-pace.behindBy}%)` : 'on track';
  }
}
