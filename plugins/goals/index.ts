import { z } from 'zod';
import { definePlugin, defineTool, type PluginContext } from '../../src/plugins/api.js';
import { UsageError, UserError } from '../../src/shared/errors.js';
import { parseDeadline, splitGoalSpec } from './deadline.js';
import { describeDeadline, formatGoalLine } from './render.js';
import { GOALS_SCHEMA, GoalStore } from './store.js';

const SET_USAGE = 'set goal <title> [by <date>]';
const PROGRESS_USAGE = 'update progress <goal> <N>%';

function store(context: PluginContext): GoalStore {
  return new GoalStore(context.database);
}

function setGoal(context: PluginContext, title: string, deadline: string | null): string {
  if (title === '') throw new UsageError('Give the goal a title.', SET_USAGE);
  const today = context.today();
  if (deadline !== null && deadline < today) throw new UserError(`The deadline ${deadline} is in the past.`);
  const goal = store(context).add(title, deadline, context.clock.now());
  return `Goal set: ${goal.title}, ${describeDeadline(goal, today)}. Report progress with "update progress ${goal.title} 10%".`;
}

function updateProgress(context: PluginContext, goalName: string, percent: number): string {
  if (!Number.isInteger(percent) || percent < 0 || percent > 100) throw new UsageError('Progress is a whole percentage from 0 to 100.', PROGRESS_USAGE);
  const goals = store(context);
  const goal = goals.resolve(goalName);
  const before = goals.setProgress(goal.id, percent, context.clock.now());
  const updated = { ...goal, progress: percent };
  const change = before === percent ? 'unchanged' : `was ${before}%`;
  const done = percent === 100 ? ' Goal reached, well done!' : '';
  return `${goal.title}: ${percent}% (${change}), ${describeDeadline(updated, context.today())}.${done}`;
}

function listGoals(context: PluginContext): string {
  const goals = store(context).active();
  if (goals.length === 0) return 'No active goals. Set one with "set goal run a marathon by 2027-05-01".';
  const today = context.today();
  return goals.map((goal) => formatGoalLine(goal, today)).join('\n');
}

/** Goals with deadlines and progress. */
export default definePlugin({
  name: 'goals',
  description: 'Goals with deadlines and progress',
  migrations: [{ id: '001_create_goals', sql: GOALS_SCHEMA }],
  commands: [
    {
      name: 'set-goal',
      phrases: ['set goal', 'new goal', 'add goal'],
      usage: SET_USAGE,
      description: 'Set a goal, with an optional deadline',
      args: 'required',
      handler: async ({ args }, context) => {
        const { title, deadline } = await splitGoalSpec(args, context.today());
        return setGoal(context, title, deadline);
      },
    },
    {
      name: 'update-progress',
      phrases: ['update progress'],
      usage: PROGRESS_USAGE,
      description: "Record a goal's progress",
      args: 'required',
      handler: ({ args }, context) => {
        const match = /^(.+?)\s+(?:to\s+)?(\d{1,3})\s*%$/i.exec(args);
        if (match === null) throw new UsageError('Say the goal and a percentage.', PROGRESS_USAGE);
        return updateProgress(context, match[1] as string, Number(match[2]));
      },
    },
    {
      name: 'goals',
      phrases: ['goals'],
      usage: 'goals',
      description: 'List active goals with progress and deadline',
      args: 'none',
      handler: (_input, context) => listGoals(context),
    },
  ],
  tools: [
    defineTool({
      name: 'goal_set',
      description: 'Set a new goal for the owner, optionally with a deadline.',
      schema: z.object({
        title: z.string().min(1).describe('Short title, e.g. "run a marathon"'),
        deadline: z.string().optional().describe('YYYY-MM-DD or words such as "in 6 weeks"'),
      }),
      handler: async ({ title, deadline }, context) => {
        if (deadline === undefined || deadline === '') return setGoal(context, title, null);
        const day = await parseDeadline(deadline, context.today());
        if (day === undefined) return `"${deadline}" is not a date I can read; use YYYY-MM-DD.`;
        return setGoal(context, title, day);
      },
    }),
    defineTool({
      name: 'goal_update_progress',
      description: "Record progress on one of the owner's goals as a percentage from 0 to 100.",
      schema: z.object({
        goal: z.string().min(1).describe('Goal title or a distinctive part of it, e.g. "marathon"'),
        percent: z.number().int().min(0).max(100).describe('Progress in percent'),
      }),
      handler: ({ goal, percent }, context) => updateProgress(context, goal, percent),
    }),
    defineTool({
      name: 'goals_list',
      description: "List the owner's active goals with progress and deadlines.",
      schema: z.object({}),
      handler: (_args, context) => listGoals(context),
    }),
  ],
  briefingSections: [
    {
      name: 'active',
      kinds: ['morning'],
      order: 20,
      render: (_request, context) => {
        const goals = store(context).active();
        if (goals.length === 0) return null;
        const today = context.today();
        return { title: 'Goals', lines: goals.map((goal) => `${goal.title} — ${goal.progress}%, ${describeDeadline(goal, today)}`) };
      },
    },
    {
      name: 'week',
      kinds: ['weekly'],
      order: 20,
      render: (_request, context) => {
        const goals = store(context);
        const active = goals.active();
        if (active.length === 0) return null;
        const weekAgo = new Date(context.clock.now().getTime() - 7 * 86_400_000);
        const today = context.today();
        return {
          title: 'Goals this week',
          lines: active.map((goal) => {
            const change = goal.progress - goals.progressAt(goal.id, weekAgo);
            const moved = change === 0 ? 'no change this week' : `${change > 0 ? '+' : ''}${change}% this week`;
            return `${goal.title} — ${goal.progress}% (${moved}), ${describeDeadline(goal, today)}`;
          }),
        };
      },
    },
  ],
  agentContext: (context) => {
    const goals = store(context).active();
    if (goals.length === 0) return null;
    const today = context.today();
    return `The owner's active goals:\n${goals.map((goal) => `- ${goal.title}: ${goal.progress}%, ${describeDeadline(goal, today)}`).join('\n')}`;
  },
});
