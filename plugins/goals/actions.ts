import type { PluginContext } from '../../src/plugins/api.js';
import { resolveByName } from '../../src/shared/resolve.js';
import { UsageError, UserError } from '../../src/shared/errors.js';
import { localDate } from '../../src/shared/time.js';
import { GOAL_CATEGORIES, parseCategory, splitCategory, type GoalCategory } from './category.js';
import { parseDeadline, splitGoalSpec } from './deadline.js';
import { describePace, paceOf } from './pace.js';
import {
  describeDeadline,
  describeDeadlineAndPace,
  describeMilestones,
  formatGoalLine,
  formatReviewBlock,
  labelWidth,
  progressBar,
  titled,
} from './render.js';
import { GoalStore, type GoalStatus } from './store.js';

/**
 * The goal actions behind both the command grammar and the agent tools.
 * Each returns the reply text; the owner's mistakes throw UserError
 * subclasses (their message is the reply) and write nothing.
 */

/** Usage lines of the goal commands. */
export const USAGE = {
  set: 'set goal <title> [by <date> | in <N> weeks] [#category]',
  progress: 'update progress <goal> <N>% | +<N>% | -<N>% [note]',
  addMilestone: 'add milestone <goal>: <title>',
  completeMilestone: 'complete milestone <goal>: <title>',
  list: 'goals completed | goals abandoned | goals all',
  review: 'goal review',
  show: 'show goal <goal>',
  complete: 'complete goal <goal>',
  abandon: 'abandon goal <goal>',
  reopen: 'reopen goal <goal>',
  deadline: 'goal deadline <goal> <date | none>',
  category: 'goal category <goal> <category>',
} as const;

/**
 * The goal store of a plugin context.
 * @param context - the goals plugin's context
 * @returns a {@link GoalStore} on the context's database and time zone
 */
export function goalStore(context: PluginContext): GoalStore {
  return new GoalStore(context.store, context.timeZone, context.limits.name);
}

/**
 * Read a category word (any case; aliases such as `fitness` for `health`).
 * @param word - the word, without `#` or parentheses; undefined or empty for none
 * @param usage - the usage line the error carries
 * @returns the category, `other` when no word was given
 * @throws UsageError naming the categories when it is not one
 */
export function categoryOf(word: string | undefined, usage: string): GoalCategory {
  if (word === undefined || word.trim() === '') return 'other';
  const category = parseCategory(word);
  if (category === undefined)
    throw new UsageError(`"${word}" is not a category; use one of ${GOAL_CATEGORIES.join(', ')}.`, usage);
  return category;
}

/**
 * `set goal <title> [by <date>] [#category]`.
 * @param context - the goals plugin's context (database, clock, time zone, log)
 * @param args - the `set goal` arguments, for example `run a marathon by 2027-05-01 #health` or `learn piano in 6 weeks`
 * @returns the reply of {@link setGoal}
 * @throws UsageError for an unknown category or an empty title
 * @throws UserError for a deadline in the past (nothing is written)
 */
export async function setGoalCommand(context: PluginContext, args: string): Promise<string> {
  const { rest, word } = splitCategory(args);
  const category = categoryOf(word, USAGE.set);
  const { title, deadline, unreadable } = await splitGoalSpec(rest, context.today());
  const reply = setGoal(context, title, deadline, category);
  if (unreadable === undefined) return reply;
  return `${reply}\nI could not read "${unreadable}" as a date, so it has no deadline yet: say "goal deadline ${title} <date>" (for example 2027-03-31, end of March, in 6 weeks).`;
}

/**
 * Set a new active goal, at 0 %.
 * @param context - the goals plugin's context (database, clock, time zone, log)
 * @param title - the title (trimmed before it is stored)
 * @param deadline - the deadline, a local day `YYYY-MM-DD`, or null for none
 * @param category - its category
 * @returns the reply: the goal set, its deadline, and how to report progress
 * @throws UsageError for an empty title
 * @throws UserError for a deadline before the owner's today (nothing is written)
 */
export function setGoal(
  context: PluginContext,
  title: string,
  deadline: string | null,
  category: GoalCategory,
): string {
  if (title.trim() === '') throw new UsageError('Give the goal a title.', USAGE.set);
  const today = context.today();
  if (deadline !== null && deadline < today) throw new UserError(`The deadline ${deadline} is in the past.`);
  const goal = goalStore(context).add(title.trim(), category, deadline, context.clock.now());
  context.log.info({ goal: goal.id }, 'goal set');
  return `Goal set: ${titled(goal)}, ${describeDeadline(goal, today)}. Report progress with "update progress ${goal.title} 10%".`;
}

/** A progress change: an absolute percentage, or a change in points. */
export type ProgressChange = { to: number } | { by: number };

/**
 * `update progress <goal> [to] <N>% | +N% | -N% | by N% [note]`. `N%` and
 * `to N%` set the progress; `+N%`, `-N%` and `by N%` change it by N points.
 * @param context - the goals plugin's context (database, clock, time zone, log)
 * @param args - the `update progress` arguments, for example `marathon 40% ran 20 km` or `marathon +10%`
 * @returns the reply of {@link updateProgress}
 * @throws UsageError for a line without a goal and a percentage, or a percentage out of range
 * @throws NotFoundError or AmbiguousReferenceError when the name does not pick one active goal
 */
export function updateProgressCommand(context: PluginContext, args: string): string {
  const match = /^(.+?)\s+(?:(to|by)\s+)?([+-]?)\s*(\d{1,3})\s*%(?:\s*[-:,—]?\s*(.*))?$/i.exec(args.trim());
  if (match === null) throw new UsageError('Say the goal and a percentage.', USAGE.progress);
  const amount = Number(match[4]);
  const sign = match[3] ?? '';
  // "to 40%" and "40%" set the progress; "+10%", "-5%" and "by 10%" change it.
  const relative = sign !== '' || match[2]?.toLowerCase() === 'by';
  const change: ProgressChange = relative ? { by: sign === '-' ? -amount : amount } : { to: amount };
  const note = (match[5] ?? '').trim();
  return updateProgress(context, match[1] as string, change, note === '' ? null : note);
}

/**
 * Record a goal's progress, with an optional note, in its history. A change
 * that would leave 0–100 % is capped.
 * @param context - the goals plugin's context (database, clock, time zone, log)
 * @param query - the active goal as named: `#id`, its title, a distinctive word of it or a small typo
 * @param change - `{ to }` a whole percentage 0–100, or `{ by }` a change of whole points -100 to +100
 * @param note - the owner's note, or null
 * @returns the reply: the new percentage (and the old one, or a cap), the deadline and pace, and a nudge to complete the goal at 100 %
 * @throws UsageError for a percentage outside 0–100 or a change outside -100 to +100 (nothing is written)
 * @throws NotFoundError or AmbiguousReferenceError when the name does not pick one active goal (nothing is written)
 */
export function updateProgress(
  context: PluginContext,
  query: string,
  change: ProgressChange,
  note: string | null,
): string {
  if ('to' in change && (!Number.isInteger(change.to) || change.to < 0 || change.to > 100)) {
    throw new UsageError('Progress is a whole percentage from 0 to 100.', USAGE.progress);
  }
  if ('by' in change && (!Number.isInteger(change.by) || Math.abs(change.by) > 100)) {
    throw new UsageError('A change of progress is a whole number of points from -100 to +100.', USAGE.progress);
  }
  const goals = goalStore(context);
  const goal = goals.resolve(query);
  const wanted = 'to' in change ? change.to : goal.progress + change.by;
  const percent = Math.max(0, Math.min(100, wanted));
  const capped = percent === wanted ? '' : ` (capped at ${percent}%)`;
  const before = goals.setProgress(goal.id, percent, context.clock.now(), note);
  const updated = { ...goal, progress: percent };
  const was = before === percent ? 'unchanged' : `was ${before}%`;
  const noted = note === null ? '' : ' Note saved.';
  const reached = percent === 100 ? ` Goal reached, well done! Say "complete goal ${goal.title}" to close it.` : '';
  context.log.info({ goal: goal.id, progress: percent }, 'goal progress');
  return `${goal.title}: ${percent}%${capped} (${was}), ${describeDeadlineAndPace(updated, context.today())}.${noted}${reached}`;
}

/**
 * Split `<goal>: <title>` of the milestone commands.
 * @param args - the command's arguments, for example `marathon: run 10 km`
 * @param usage - the usage line the error carries
 * @returns the goal as named (not yet resolved) and the milestone's title, both trimmed
 * @throws UsageError without a colon or with an empty side
 */
export function splitMilestoneArguments(args: string, usage: string): { goal: string; title: string } {
  const colon = args.indexOf(':');
  const goal = colon < 0 ? '' : args.slice(0, colon).trim();
  const title = colon < 0 ? '' : args.slice(colon + 1).trim();
  if (goal === '' || title === '') throw new UsageError('Say the goal, a colon, and the milestone.', usage);
  return { goal, title };
}

/**
 * Add a milestone to an active goal.
 * @param context - the goals plugin's context (database, clock, time zone, log)
 * @param goalQuery - the active goal as named: `#id`, its title, a distinctive word of it or a small typo
 * @param title - the milestone's title
 * @returns the reply: the milestone added, and how many of the goal's milestones are reached
 * @throws NotFoundError or AmbiguousReferenceError when the name does not pick one active goal
 * @throws UserError when the goal already has a milestone with that title (any case); nothing is written
 */
export function addMilestone(context: PluginContext, goalQuery: string, title: string): string {
  const goals = goalStore(context);
  const goal = goals.resolve(goalQuery);
  const existing = goals.milestones(goal.id);
  if (existing.some((milestone) => milestone.title.toLowerCase() === title.toLowerCase())) {
    throw new UserError(`${goal.title} already has the milestone "${title}".`);
  }
  goals.addMilestone(goal.id, title, context.clock.now());
  return `Milestone added to ${goal.title}: ${title} (${describeMilestones(goals.milestones(goal.id))}).`;
}

/**
 * Mark a milestone of an active goal as reached (matched like names: exact, a distinctive word, a small typo).
 * The goal's progress is left as it is.
 * @param context - the goals plugin's context (database, clock, time zone, log)
 * @param goalQuery - the active goal as named: `#id`, its title, a distinctive word of it or a small typo
 * @param title - the open milestone as named
 * @returns the reply: the milestone reached with the count of reached milestones and the goal's progress in percent, or, for a milestone already reached (exact title), the day it was and that nothing changed
 * @throws NotFoundError or AmbiguousReferenceError when the goal or the open milestone is not picked out (nothing is written)
 * @throws UserError when the goal has no milestones yet
 */
export function completeMilestone(context: PluginContext, goalQuery: string, title: string): string {
  const goals = goalStore(context);
  const goal = goals.resolve(goalQuery);
  const milestones = goals.milestones(goal.id);
  const open = milestones.filter((milestone) => milestone.completedAt === null);
  const done = milestones.find(
    (milestone) => milestone.completedAt !== null && milestone.title.toLowerCase() === title.toLowerCase(),
  );
  if (done !== undefined) {
    return `"${done.title}" of ${goal.title} was already reached on ${localDate(new Date(done.completedAt as string), context.timeZone)}; nothing changed.`;
  }
  if (milestones.length === 0)
    throw new UserError(`${goal.title} has no milestones yet; add one with "add milestone ${goal.title}: ${title}".`);
  goals.checkTitle(title, 'milestone title');
  const milestone = resolveByName(
    `open milestone of ${goal.title}`,
    title,
    open.map((entry) => ({ id: entry.id, name: entry.title })),
  );
  goals.completeMilestone(milestone.id, context.clock.now());
  context.log.info({ goal: goal.id, milestone: milestone.id }, 'milestone reached');
  return `Milestone reached: ${milestone.name} (${goal.title}); ${describeMilestones(goals.milestones(goal.id))}. Progress is ${goal.progress}%; update it with "update progress ${goal.title} <N>%".`;
}

/**
 * `goals`: one line per goal with the given status.
 * @param context - the goals plugin's context (database, clock, time zone, log)
 * @param which - empty or `active`, `all`, `completed`, `abandoned`
 * @param color - ANSI colours (a TTY)
 * @returns one line per goal, oldest first (title and category, progress bar, percentage, then deadline and pace or the closed status), or a sentence saying there are none
 * @throws UsageError for any other word
 */
export function listGoals(context: PluginContext, which: string, color: boolean): string {
  const wanted = which.trim().toLowerCase() || 'active';
  if (!['active', 'all', 'completed', 'abandoned'].includes(wanted))
    throw new UsageError(`There is no "${which}" list of goals.`, USAGE.list);
  const goals = goalStore(context).list(wanted as GoalStatus | 'all');
  if (goals.length === 0) {
    return wanted === 'active'
      ? 'No active goals. Set one with "set goal run a marathon by 2027-05-01".'
      : `No ${wanted === 'all' ? '' : `${wanted} `}goals.`;
  }
  const today = context.today();
  const width = labelWidth(goals);
  return goals.map((goal) => formatGoalLine(goal, today, color, width)).join('\n');
}

/**
 * `goal review`: every active goal with its bar, pace, milestones and last update.
 * @param context - the goals plugin's context (database, clock, time zone, log)
 * @param color - ANSI colours (a TTY)
 * @returns a header (how many goals are behind or overdue) and one block per active goal, separated by blank lines; or a hint to set a goal when there are none
 */
export function reviewGoals(context: PluginContext, color: boolean): string {
  const goals = goalStore(context);
  const active = goals.list();
  if (active.length === 0) return 'No active goals to review. Set one with "set goal run a marathon by 2027-05-01".';
  const today = context.today();
  const behind = active.filter((goal) => ['behind', 'overdue'].includes(paceOf(goal, today).status)).length;
  const header = `Goal review, ${today}: ${active.length} active goal${active.length === 1 ? '' : 's'}${behind === 0 ? ', all on track' : `, ${behind} behind`}.`;
  const width = labelWidth(active);
  const blocks = active.map((goal) =>
    formatReviewBlock(goal, goals.milestones(goal.id), goals.history(goal.id, 1)[0], today, {
      color,
      timeZone: context.timeZone,
      width,
    }),
  );
  return [header, ...blocks].join('\n\n');
}

/**
 * `show goal <goal>`: one goal in full: pace, milestones and progress history.
 * @param context - the goals plugin's context (database, clock, time zone, log)
 * @param query - the goal as named, active, completed or abandoned: `#id`, its title, a distinctive word of it or a small typo
 * @returns the lines: title, id and status; progress bar, percentage, deadline and pace; the day it was set; its milestones; its last 10 progress entries, newest first
 * @throws NotFoundError or AmbiguousReferenceError when the name does not pick one goal
 */
export function showGoal(context: PluginContext, query: string): string {
  const goals = goalStore(context);
  goals.checkTitle(query);
  const goal = resolveByName(
    'goal',
    query,
    goals.list('all').map((entry) => ({ ...entry, name: entry.title })),
  );
  const today = context.today();
  const pace = paceOf(goal, today);
  const expected =
    pace.expected === null || pace.status === 'reached' || goal.status !== 'active'
      ? ''
      : `; an even pace would be at ${Math.round(pace.expected)}% today`;
  const paceWords = goal.status === 'active' ? describePace(pace) : '';
  const lines = [
    `${titled(goal)} #${goal.id} — ${goal.status}${goal.closedAt === null ? '' : ` on ${localDate(new Date(goal.closedAt), context.timeZone)}`}`,
    `  ${progressBar(goal.progress)} ${goal.progress}%  ${describeDeadline(goal, today)}${paceWords === '' ? '' : `, ${paceWords}`}${expected}`,
    `  set on ${goal.startedOn}`,
  ];
  const milestones = goals.milestones(goal.id);
  if (milestones.length > 0) {
    lines.push('  milestones:');
    for (const milestone of milestones) {
      const when =
        milestone.completedAt === null ? '' : ` (${localDate(new Date(milestone.completedAt), context.timeZone)})`;
      lines.push(`    [${milestone.completedAt === null ? ' ' : 'x'}] ${milestone.title}${when}`);
    }
  }
  const history = goals.history(goal.id, 10);
  if (history.length > 0) {
    lines.push('  progress:');
    for (const entry of history)
      lines.push(
        `    ${localDate(new Date(entry.createdAt), context.timeZone)} ${entry.progress}%${entry.note === null ? '' : `  ${entry.note}`}`,
      );
  }
  return lines.join('\n');
}

/**
 * Complete, abandon or reopen a goal. Completing sets its progress to 100 %.
 * @param context - the goals plugin's context (database, clock, time zone, log)
 * @param query - the goal as named: an active one to complete or abandon, a completed or abandoned one to reopen
 * @param status - the new status: `completed`, `abandoned`, or `active` to reopen
 * @returns the reply: the goal completed, abandoned (at its percentage, with how to reopen it) or active again (with its deadline and pace)
 * @throws NotFoundError or AmbiguousReferenceError when the name does not pick one goal of the right kind (nothing is written)
 */
export function setGoalStatus(context: PluginContext, query: string, status: GoalStatus): string {
  const goals = goalStore(context);
  const goal = goals.resolve(query, { closed: status === 'active' });
  goals.setStatus(goal.id, status, context.clock.now());
  context.log.info({ goal: goal.id, status }, 'goal status');
  if (status === 'completed') return `Completed ${goal.title}. Well done!`;
  if (status === 'abandoned')
    return `Abandoned ${goal.title} at ${goal.progress}%. Its history is kept; "reopen goal ${goal.title}" brings it back.`;
  return `${goal.title} is active again, at ${goal.progress}%, ${describeDeadlineAndPace(goal, context.today())}.`;
}

/**
 * `goal deadline <goal> <date | none>`: the longest date phrase at the end is the deadline.
 * @param context - the goals plugin's context (database, clock, time zone, log)
 * @param args - the `goal deadline` arguments, for example `marathon by 2027-05-01`, `marathon end of march` or `marathon none`
 * @returns the reply of {@link setDeadline}
 * @throws UsageError without a date or `none`
 * @throws UserError for a date before the owner's today
 * @throws NotFoundError or AmbiguousReferenceError when the name does not pick one active goal
 */
export async function deadlineCommand(context: PluginContext, args: string): Promise<string> {
  const words = args.trim().split(/\s+/);
  const today = context.today();
  for (let cut = 1; cut < words.length; cut += 1) {
    const phrase = words
      .slice(cut)
      .join(' ')
      .replace(/^(?:by|to|on)\s+/i, '');
    if (/^(?:none|no deadline|off)$/i.test(phrase)) return setDeadline(context, words.slice(0, cut).join(' '), null);
    const deadline = await parseDeadline(phrase, today);
    if (deadline !== undefined)
      return setDeadline(
        context,
        words
          .slice(0, cut)
          .join(' ')
          .replace(/\s+(?:by|to|on)$/i, ''),
        deadline,
      );
  }
  throw new UsageError('Say the goal and the new deadline (or "none").', USAGE.deadline);
}

/**
 * Change a goal's deadline (null: none).
 * @param context - the goals plugin's context (database, clock, time zone, log)
 * @param query - the active goal as named: `#id`, its title, a distinctive word of it or a small typo
 * @param deadline - the new deadline, a local day `YYYY-MM-DD`, or null for none
 * @returns the reply: the goal's new deadline and its pace
 * @throws UserError for a date before the owner's today (nothing is written)
 * @throws NotFoundError or AmbiguousReferenceError when the name does not pick one active goal (nothing is written)
 */
export function setDeadline(context: PluginContext, query: string, deadline: string | null): string {
  if (deadline !== null && deadline < context.today()) throw new UserError(`The deadline ${deadline} is in the past.`);
  const goals = goalStore(context);
  const goal = goals.resolve(query);
  goals.setDeadline(goal.id, deadline, context.clock.now());
  return `${goal.title}: ${describeDeadlineAndPace({ ...goal, deadline }, context.today())}.`;
}

/**
 * `goal category <goal> <category>`: the last word is the category.
 * @param context - the goals plugin's context (database, clock, time zone, log)
 * @param args - the `goal category` arguments, for example `marathon health`
 * @returns the reply of {@link setCategory}
 * @throws UsageError without a goal and a category, or for an unknown category
 * @throws NotFoundError or AmbiguousReferenceError when the name does not pick one active goal
 */
export function categoryCommand(context: PluginContext, args: string): string {
  const match = /^(.+)\s+(\S+)$/.exec(args.trim());
  if (match === null) throw new UsageError('Say the goal and a category.', USAGE.category);
  return setCategory(context, match[1] as string, categoryOf(match[2], USAGE.category));
}

/**
 * Change a goal's category.
 * @param context - the goals plugin's context (database, clock, time zone, log)
 * @param query - the active goal as named: `#id`, its title, a distinctive word of it or a small typo
 * @param category - the new category
 * @returns the reply: the goal and its new category
 * @throws NotFoundError or AmbiguousReferenceError when the name does not pick one active goal (nothing is written)
 */
export function setCategory(context: PluginContext, query: string, category: GoalCategory): string {
  const goals = goalStore(context);
  const goal = goals.resolve(query);
  goals.setCategory(goal.id, category, context.clock.now());
  return `${goal.title} is now in ${category}.`;
}
