import { z } from 'zod';
import { definePlugin, defineTool, truncate, type BriefingSection, type PluginContext } from '../../src/plugins/api.js';
import { addDays } from '../../src/shared/time.js';
import {
  forgetCommand,
  formatHit,
  profileCommand,
  profileData,
  recallCommand,
  rememberCommand,
  rememberFact,
  toCategory,
} from './actions.js';
import { guessCategory, USAGE } from './parse.js';

/** Open follow-ups of the episodes that ended in the last `days` days, newest first, without repeats. */
function followUps(context: PluginContext, days: number): string[] {
  const since = `${addDays(context.today(), -days)}T00:00:00.000Z`;
  const seen = new Set<string>();
  const lines: string[] = [];
  for (const episode of context.services.memory.episodes(20, { since })) {
    for (const item of episode.followups) {
      const key = item.toLowerCase();
      if (seen.has(key)) continue;
      seen.add(key);
      lines.push(`${truncate(item, 160)} (from ${episode.ended.slice(0, 10)})`);
    }
  }
  return lines.slice(0, 8);
}

/**
 * The owner's memory, in their hands: `remember`, `forget`, `profile`
 * and `recall` (also as agent tools), and the open follow-ups of recent
 * conversations in the briefings.
 */
export default definePlugin({
  name: 'profile',
  description: 'What steward remembers: facts about you, recall, and follow-ups from recent conversations',
  commands: [
    {
      name: 'remember',
      phrases: ['remember'],
      usage: USAGE.remember,
      description: 'Store a fact about you (confidence 1); "my X is Y" lets a later "my X is Z" replace it',
      args: 'required',
      handler: ({ args }, context) => rememberCommand(context, args),
    },
    {
      name: 'forget',
      phrases: ['forget'],
      usage: USAGE.forget,
      description: 'Retire a fact: never used again, kept in its history',
      args: 'required',
      handler: ({ args }, context) => forgetCommand(context, args),
    },
    {
      name: 'profile',
      phrases: ['profile'],
      usage: USAGE.profile,
      description: 'The facts steward knows about you, by category; with a key, its dated history',
      args: 'optional',
      handler: ({ args }, context) => profileCommand(context, args),
      data: ({ args }, context) => profileData(context, args),
    },
    {
      name: 'recall',
      phrases: ['recall'],
      usage: USAGE.recall,
      description: 'Search memory (BM25 + vectors, fused by rank), with why each hit came up',
      args: 'required',
      handler: ({ args }, context) => recallCommand(context, args),
    },
  ],
  tools: [
    defineTool({
      name: 'remember_fact',
      description:
        'Store a fact about the owner that they asked you to remember, or stated plainly ("my sister is called Ana"). Use a short key naming what the value is about, and the same key to update a fact.',
      schema: z.object({
        key: z
          .string()
          .min(1)
          .describe('What the fact is about, short and lower case: "sister\'s name", "coffee order", "wake-up time"'),
        value: z.string().min(1).describe('The value: "Ana", "oat flat white", "6:30"'),
        category: z.string().optional().describe('preference, habit, goal, relationship, schedule or other'),
      }),
      handler: ({ key, value, category }, context) =>
        rememberFact(context, { key, value, category: toCategory(category) ?? guessCategory(`${key} ${value}`) }),
    }),
    defineTool({
      name: 'recall_memory',
      description:
        'Search what steward remembers (past conversations, episode summaries, facts about the owner) when the owner refers to something from before that is not in the context.',
      schema: z.object({ query: z.string().min(1).describe('What to look for, in a few words') }),
      handler: async ({ query }, context) => {
        const result = await context.services.memory.recall(query);
        if (result.hits.length === 0) return `Nothing in memory matches "${query}".`;
        return result.hits.map((hit, index) => formatHit(hit, index + 1)).join('\n');
      },
    }),
    defineTool({
      name: 'forget_fact',
      description: 'Retire a fact about the owner when they ask you to forget it or say it is wrong.',
      schema: z.object({ fact: z.string().min(1).describe("The fact's key, a word of it, or #id") }),
      handler: ({ fact }, context) => forgetCommand(context, fact),
    }),
  ],
  briefingSections: [
    {
      name: 'follow-ups',
      kinds: ['morning', 'weekly'],
      order: 30,
      render: ({ kind }, context): BriefingSection | null => {
        const lines = followUps(context, kind === 'weekly' ? 7 : 3);
        return lines.length === 0 ? null : { title: 'Open from recent conversations', lines };
      },
    },
  ],
});
