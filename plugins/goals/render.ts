import { createColors } from 'picocolors';
import { daysBetween, localDate, type IsoDate } from '../../src/shared/time.js';
import { describePace, paceOf } from './pace.js';
import type { Goal, Milestone, ProgressEntry } from './store.js';

/**
 * A goal's title with its category unless it is `other`: `run a marathon (health)`.
 * @param goal - the goal
 */
export function titled(goal: Pick<Goal, 'title' | 'category'>): string {
  return goal.category === 'other' ? goal.title : `${goal.title} (${goal.category})`;
}

/**
 * A text progress bar, for example `[###-------]` for 30 %. On a colour
 * terminal the filled part is painted (`fill`) and the rest dimmed.
 * @param percent - 0–100
 * @param width - characters inside the brackets
 * @param paint - colours for the filled and the empty part (default: none)
 */
export function progressBar(
  percent: number,
  width = 10,
  paint: { fill: (text: string) => string; empty: (text: string) => string } = {
    fill: (text) => text,
    empty: (text) => text,
  },
): string {
  const filled = Math.round((Math.max(0, Math.min(100, percent)) / 100) * width);
  return `[${paint.fill('#'.repeat(filled))}${paint.empty('-'.repeat(width - filled))}]`;
}

/** Width of a text in terminal columns, counted in code points (titles are short, mostly Latin). */
function columns(text: string): number {
  return [...text].length;
}

/**
 * The title column of a goal line: `run a marathon (health) #1`.
 * @param goal - the goal
 */
export function goalLabel(goal: Pick<Goal, 'id' | 'title' | 'category'>): string {
  return `${titled(goal)} #${goal.id}`;
}

/**
 * The width that lines up the bars of these goals: their longest label, at most 48 columns.
 * @param goals - the goals listed together
 */
export function labelWidth(goals: ReadonlyArray<Pick<Goal, 'id' | 'title' | 'category'>>): number {
  return Math.min(48, Math.max(0, ...goals.map((goal) => columns(goalLabel(goal)))));
}

/**
 * The deadline in words: `by 2027-05-01 (161 days left)`, `due today`, `overdue by 3 days`, or `no deadline`.
 * @param goal - the goal
 * @param today - the owner's local day
 */
export function describeDeadline(goal: Pick<Goal, 'deadline'>, today: IsoDate): string {
  if (goal.deadline === null) return 'no deadline';
  const left = daysBetween(today, goal.deadline);
  if (left > 0) return `by ${goal.deadline} (${left} day${left === 1 ? '' : 's'} left)`;
  if (left === 0) return `due today (${goal.deadline})`;
  return `overdue by ${-left} day${left === -1 ? '' : 's'} (${goal.deadline})`;
}

/**
 * The deadline and pace together: `by 2027-05-01 (161 days left), on track`.
 * @param goal - the goal
 * @param today - the owner's local day
 */
export function describeDeadlineAndPace(goal: Goal, today: IsoDate): string {
  const pace = paceOf(goal, today);
  const words = pace.status === 'overdue' ? '' : describePace(pace);
  return [describeDeadline(goal, today), words].filter((part) => part !== '').join(', ');
}

/**
 * One line per goal: title, category and `#id`, bar, percent, then deadline
 * and pace (or `completed` / `abandoned` for a closed goal). Lines given the
 * same `width` line their bars up; on a colour terminal the bar is green,
 * or red when the goal is behind or overdue.
 * @param goal - the goal
 * @param today - the owner's local day
 * @param color - ANSI colours (a TTY)
 * @param width - columns of the label (see {@link labelWidth}); default its own
 */
export function formatGoalLine(goal: Goal, today: IsoDate, color = false, width = 0): string {
  const colors = createColors(color);
  const pace = paceOf(goal, today);
  const late = pace.status === 'behind' || pace.status === 'overdue';
  const paint = late ? colors.red : pace.status === 'reached' ? colors.green : (text: string) => text;
  const tail = goal.status === 'active' ? paint(describeDeadlineAndPace(goal, today)) : goal.status;
  const label = goalLabel(goal);
  const bar = progressBar(goal.progress, 10, { fill: late ? colors.red : colors.green, empty: colors.dim });
  return `${label}${' '.repeat(Math.max(0, width - columns(label)))}  ${bar} ${`${goal.progress}%`.padStart(4)}  ${tail}`;
}

/**
 * Milestones in brief: `milestones 1 of 3 done, next: run a half marathon`.
 * @param milestones - the goal's milestones
 * @returns the words, or an empty string without milestones
 */
export function describeMilestones(milestones: readonly Milestone[]): string {
  if (milestones.length === 0) return '';
  const done = milestones.filter((milestone) => milestone.completedAt !== null).length;
  const next = milestones.find((milestone) => milestone.completedAt === null);
  return `milestones ${done} of ${milestones.length} done${next === undefined ? '' : `, next: ${next.title}`}`;
}

/**
 * A goal's block in `goal review`: its line, milestones and last note.
 * @param goal - the goal
 * @param milestones - its milestones
 * @param latest - its latest progress entry, if any
 * @param today - the owner's local day
 * @param options - ANSI colours (a TTY), the owner's zone (for the day of the last update), the label width that lines up the bars
 */
export function formatReviewBlock(
  goal: Goal,
  milestones: readonly Milestone[],
  latest: ProgressEntry | undefined,
  today: IsoDate,
  options: { color: boolean; timeZone: string; width?: number },
): string {
  const lines = [formatGoalLine(goal, today, options.color, options.width ?? 0)];
  const milestoneWords = describeMilestones(milestones);
  if (milestoneWords !== '') lines.push(`  ${milestoneWords}`);
  if (latest !== undefined) {
    const note = latest.note === null ? '' : `: ${latest.note}`;
    lines.push(`  last update ${localDate(new Date(latest.createdAt), options.timeZone)}, ${latest.progress}%${note}`);
  } else {
    lines.push('  no progress reported yet');
  }
  return lines.join('\n');
}
