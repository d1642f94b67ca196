import { z } from 'zod';
import { defineTool, type PluginTool } from '../../src/plugins/api.js';
import { UsageError } from '../../src/shared/errors.js';
import {
  addMilestone,
  categoryOf,
  completeMilestone,
  listGoals,
  reviewGoals,
  setCategory,
  setDeadline,
  setGoal,
  setGoalStatus,
  showGoal,
  updateProgress,
  USAGE,
} from './actions.js';
import { GOAL_CATEGORIES } from './category.js';
import { parseDeadline } from './deadline.js';

/**
 * The goals plugin's agent tools: every command is also a tool with a zod
 * schema, so "I'm 40% through the marathon plan" updates the goal. They
 * share the commands' actions.
 */

const goalArgument = z
  .string()
  .min(1)
  .describe('The goal: its title, a distinctive part of it (e.g. "marathon"), or "#<id>"');
// A string rather than an enum, so that an alias ("fitness") works and a wrong word gets a clear answer.
const categoryDescription = `One of ${GOAL_CATEGORIES.join(', ')}`;

async function deadlineOf(text: string, today: string): Promise<string> {
  const day = await parseDeadline(text, today);
  if (day === undefined)
    throw new UsageError(
      `"${text}" is not a date I can read; use YYYY-MM-DD or words such as "in 6 weeks".`,
      USAGE.deadline,
    );
  return day;
}

/** The tools, in the order the model sees them. */
export const goalTools: PluginTool[] = [
  defineTool({
    name: 'goal_update_progress',
    description:
      'Record progress on one of the owner\'s goals: an absolute percentage ("I\'m 40% through the marathon plan" → percent 40) or a change ("another 10%" → change 10), with an optional note.',
    schema: z.object({
      goal: goalArgument,
      percent: z.number().int().min(0).max(100).optional().describe('New progress, 0–100'),
      change: z
        .number()
        .int()
        .min(-100)
        .max(100)
        .optional()
        .describe('Change in percentage points, e.g. 10 or -5 (instead of percent)'),
      note: z.string().optional().describe('What happened, e.g. "ran 20 km"'),
    }),
    handler: ({ goal, percent, change, note }, context) => {
      if ((percent === undefined) === (change === undefined))
        throw new UsageError('Give either percent or change.', USAGE.progress);
      const update = percent !== undefined ? { to: percent } : { by: change as number };
      return updateProgress(context, goal, update, note === undefined || note === '' ? null : note);
    },
  }),
  defineTool({
    name: 'goal_set',
    description: 'Set a new goal for the owner, optionally with a deadline and a category.',
    schema: z.object({
      title: z.string().min(1).describe('Short title, e.g. "run a marathon"'),
      deadline: z.string().optional().describe('YYYY-MM-DD or words such as "end of March", "in 6 weeks"'),
      category: z.string().optional().describe(`${categoryDescription} (default other)`),
    }),
    handler: async ({ title, deadline, category }, context) => {
      const chosen = categoryOf(category, USAGE.set);
      const day = deadline === undefined || deadline === '' ? null : await deadlineOf(deadline, context.today());
      return setGoal(context, title, day, chosen);
    },
  }),
  defineTool({
    name: 'goal_add_milestone',
    description: "Add a milestone (an intermediate step) to one of the owner's goals.",
    schema: z.object({
      goal: goalArgument,
      milestone: z.string().min(1).describe('The milestone, e.g. "run a half marathon"'),
    }),
    handler: ({ goal, milestone }, context) => addMilestone(context, goal, milestone),
  }),
  defineTool({
    name: 'goal_complete_milestone',
    description: 'Mark a milestone of a goal as reached.',
    schema: z.object({
      goal: goalArgument,
      milestone: z.string().min(1).describe('The milestone, or a distinctive word of it'),
    }),
    handler: ({ goal, milestone }, context) => completeMilestone(context, goal, milestone),
  }),
  defineTool({
    name: 'goal_review',
    description: 'Review all active goals: progress bars, pace against deadlines, milestones and last updates.',
    schema: z.object({}),
    handler: (_args, context) => reviewGoals(context, false),
  }),
  defineTool({
    name: 'goals_list',
    description: "List the owner's goals (active by default) with progress, deadline and pace.",
    schema: z.object({
      status: z.enum(['active', 'completed', 'abandoned', 'all']).optional().describe('Which goals (default active)'),
    }),
    handler: ({ status }, context) => listGoals(context, status ?? 'active', false),
  }),
  defineTool({
    name: 'goal_show',
    description: 'Show one goal in full: pace, milestones and progress history.',
    schema: z.object({ goal: goalArgument }),
    handler: ({ goal }, context) => showGoal(context, goal),
  }),
  defineTool({
    name: 'goal_complete',
    description: "Mark one of the owner's goals as completed.",
    schema: z.object({ goal: goalArgument }),
    handler: ({ goal }, context) => setGoalStatus(context, goal, 'completed'),
  }),
  defineTool({
    name: 'goal_abandon',
    description: "Abandon one of the owner's goals (it is kept in the history).",
    schema: z.object({ goal: goalArgument }),
    handler: ({ goal }, context) => setGoalStatus(context, goal, 'abandoned'),
  }),
  defineTool({
    name: 'goal_reopen',
    description: 'Make a completed or abandoned goal active again.',
    schema: z.object({ goal: goalArgument }),
    handler: ({ goal }, context) => setGoalStatus(context, goal, 'active'),
  }),
  defineTool({
    name: 'goal_set_deadline',
    description: 'Change a goal\'s deadline, or remove it with "none".',
    schema: z.object({
      goal: goalArgument,
      deadline: z.string().min(1).describe('YYYY-MM-DD, words such as "end of March", or "none"'),
    }),
    handler: async ({ goal, deadline }, context) => {
      if (/^(none|no deadline|off)$/i.test(deadline.trim())) return setDeadline(context, goal, null);
      return setDeadline(context, goal, await deadlineOf(deadline, context.today()));
    },
  }),
  defineTool({
    name: 'goal_set_category',
    description: "Change a goal's category.",
    schema: z.object({ goal: goalArgument, category: z.string().min(1).describe(categoryDescription) }),
    handler: ({ goal, category }, context) => setCategory(context, goal, categoryOf(category, USAGE.category)),
  }),
];
