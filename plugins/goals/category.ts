/**
 * Goal categories. A goal has one; `other` when none is given. Written in a
 * command as a trailing `#health` or `(health)`.
 */

/** The categories, in the order they are listed. */
export const GOAL_CATEGORIES = [
  'health',
  'finance',
  'career',
  'personal',
  'learning',
  'relationships',
  'other',
] as const;

/** One of {@link GOAL_CATEGORIES}. */
export type GoalCategory = (typeof GOAL_CATEGORIES)[number];

const ALIASES: Record<string, GoalCategory> = {
  fitness: 'health',
  money: 'finance',
  work: 'career',
  job: 'career',
  study: 'learning',
  education: 'learning',
  family: 'relationships',
  friends: 'relationships',
  relationship: 'relationships',
};

/**
 * Read a category name (any case; a few aliases such as `fitness` → `health`).
 * @param word - the word
 * @returns the category, or undefined when it is not one
 */
export function parseCategory(word: string): GoalCategory | undefined {
  const lower = word.trim().toLowerCase();
  if ((GOAL_CATEGORIES as readonly string[]).includes(lower)) return lower as GoalCategory;
  return ALIASES[lower];
}

/**
 * Take a trailing `#category` or `(category)` off a text.
 * @param text - for example `run a marathon by May #health`
 * @returns the rest and the category word as written (undefined when there is none)
 */
export function splitCategory(text: string): { rest: string; word: string | undefined } {
  const match = /\s*(?:#([a-z]+)|\(([a-z]+)\))\s*$/i.exec(text);
  if (match === null) return { rest: text.trim(), word: undefined };
  return { rest: text.slice(0, match.index).trim(), word: match[1] ?? match[2] };
}
