import { definePlugin } from '../../src/plugins/api.js';
import { plural } from '../../src/shared/plural.js';
import { paceOf } from './pace.js';
import {
  addMilestone,
  categoryCommand,
  completeMilestone,
  deadlineCommand,
  goalStore,
  listGoals,
  reviewGoals,
  setGoalCommand,
  setGoalStatus,
  showGoal,
  splitMilestoneArguments,
  updateProgressCommand,
  USAGE,
} from './actions.js';
import { goalAgentContext, goalBriefingSections } from './briefing.js';
import { GOAL_CATEGORIES } from './category.js';
import { exportGoals, GOALS_DATA_VERSION, importGoals } from './data.js';
import { goalsData } from './json.js';
import { GOAL_MIGRATIONS } from './migrations.js';
import { goalTools } from './tools.js';

/**
 * Goals with categories, natural-language deadlines, progress entries with
 * notes, milestones, pace against the deadline, a review, completion and
 * abandonment; briefing sections; and an agent tool for every command.
 */
export default definePlugin({
  name: 'goals',
  description: 'Goals with categories, deadlines, progress, milestones, pace and reviews',
  migrations: GOAL_MIGRATIONS,
  commands: [
    {
      name: 'set-goal',
      phrases: ['set goal', 'new goal', 'add goal'],
      usage: USAGE.set,
      description: 'Set a goal; a deadline such as "by end of March" or "in 6 weeks"; a category such as #health',
      args: 'required',
      handler: ({ args }, context) => setGoalCommand(context, args),
    },
    {
      name: 'update-progress',
      phrases: ['update progress'],
      usage: USAGE.progress,
      description: "Record a goal's progress, with an optional note",
      args: 'required',
      handler: ({ args }, context) => updateProgressCommand(context, args),
    },
    {
      name: 'add-milestone',
      phrases: ['add milestone'],
      usage: USAGE.addMilestone,
      description: 'Add a milestone to a goal',
      args: 'required',
      handler: ({ args }, context) => {
        const { goal, title } = splitMilestoneArguments(args, USAGE.addMilestone);
        return addMilestone(context, goal, title);
      },
    },
    {
      name: 'complete-milestone',
      phrases: ['complete milestone'],
      usage: USAGE.completeMilestone,
      description: 'Mark a milestone as reached',
      args: 'required',
      handler: ({ args }, context) => {
        const { goal, title } = splitMilestoneArguments(args, USAGE.completeMilestone);
        return completeMilestone(context, goal, title);
      },
    },
    {
      // No arguments, so that "goals are hard" goes to the model.
      name: 'goals',
      phrases: ['goals'],
      usage: 'goals',
      description: 'Active goals with progress, deadline and pace',
      args: 'none',
      handler: ({ color }, context) => listGoals(context, 'active', color),
      data: (_input, context) => goalsData(context, 'active'),
    },
    {
      name: 'goals-by-status',
      phrases: ['goals completed', 'completed goals', 'goals abandoned', 'abandoned goals', 'goals all', 'all goals'],
      usage: USAGE.list,
      description: 'Completed, abandoned or all goals',
      args: 'none',
      handler: ({ phrase, color }, context) => listGoals(context, phrase.replace(/\s*goals\s*/, ''), color),
      data: ({ phrase }, context) => goalsData(context, phrase.replace(/\s*goals\s*/, '')),
    },
    {
      name: 'goal-review',
      phrases: ['goal review', 'review goals'],
      usage: USAGE.review,
      description: 'Every active goal with its bar, pace and milestones',
      args: 'none',
      handler: ({ color }, context) => reviewGoals(context, color),
      data: (_input, context) => goalsData(context, 'active'),
    },
    {
      name: 'show-goal',
      phrases: ['show goal'],
      usage: USAGE.show,
      description: 'One goal in full: milestones and progress history',
      args: 'required',
      handler: ({ args }, context) => showGoal(context, args),
    },
    {
      name: 'complete-goal',
      phrases: ['complete goal'],
      usage: USAGE.complete,
      description: 'Mark a goal as completed',
      args: 'required',
      handler: ({ args }, context) => setGoalStatus(context, args, 'completed'),
    },
    {
      name: 'abandon-goal',
      phrases: ['abandon goal'],
      usage: USAGE.abandon,
      description: 'Abandon a goal (its history is kept)',
      args: 'required',
      handler: ({ args }, context) => setGoalStatus(context, args, 'abandoned'),
    },
    {
      name: 'reopen-goal',
      phrases: ['reopen goal'],
      usage: USAGE.reopen,
      description: 'Make a completed or abandoned goal active again',
      args: 'required',
      handler: ({ args }, context) => setGoalStatus(context, args, 'active'),
    },
    {
      name: 'goal-deadline',
      phrases: ['goal deadline'],
      usage: USAGE.deadline,
      description: "Change or remove a goal's deadline",
      args: 'required',
      handler: ({ args }, context) => deadlineCommand(context, args),
    },
    {
      name: 'goal-category',
      phrases: ['goal category'],
      usage: USAGE.category,
      description: `Change a goal's category: ${GOAL_CATEGORIES.join(', ')}`,
      args: 'required',
      handler: ({ args }, context) => categoryCommand(context, args),
    },
  ],
  tools: goalTools,
  briefingSections: goalBriefingSections,
  agentContext: goalAgentContext,
  data: { version: GOALS_DATA_VERSION, export: exportGoals, import: importGoals },
  completions: (context) =>
    goalStore(context)
      .list()
      .map((goal) => goal.title),
  statusLine: (context) => {
    const today = context.today();
    const goals = goalStore(context).list();
    const due = goals.filter((goal) => goal.deadline === today).length;
    const behind = goals.filter((goal) => ['behind', 'overdue'].includes(paceOf(goal, today).status)).length;
    if (due > 0) return `${plural(due, 'goal')} due today${behind > 0 ? `, ${behind} behind` : ''}`;
    return behind > 0 ? `${plural(behind, 'goal')} behind` : null;
  },
});
