import { contentWords, FACT_CATEGORIES, type FactCategory } from '../../src/plugins/api.js';
import { UsageError } from '../../src/shared/errors.js';

/** Usage lines of the profile commands. */
export const USAGE = {
  remember:
    'remember <fact>  (e.g. "remember my coffee order is oat flat white", "remember dentist: Dr Lee #schedule")',
  forget: 'forget <fact>  (its key, a word of it, or #id from "profile")',
  profile: 'profile [<key>]',
  recall: 'recall <query>',
} as const;

/** A fact as the owner stated it. */
export interface StatedFact {
  /** Category (given as #tag, else guessed from the words). */
  category: FactCategory;
  /** Key: what the value is about. */
  key: string;
  /** The value. */
  value: string;
}

const CATEGORY_CUES: Array<[FactCategory, RegExp]> = [
  ['preference', /\b(i|we)\s+(prefer|like|love|enjoy|hate|dislike|can't stand|don't like)\b|\bfavou?rite\b/],
  [
    'relationship',
    /\b(sister|brother|mother|mom|mum|father|dad|parents?|wife|husband|partner|girlfriend|boyfriend|son|daughter|kids?|children|friend|colleague|boss|family|aunt|uncle|cousin|grand\w*|neighbou?r)\b/,
  ],
  [
    'schedule',
    /\b(every|mondays?|tuesdays?|wednesdays?|thursdays?|fridays?|saturdays?|sundays?|weekends?|mornings?|evenings?|nights?|wake|bedtime|o'clock|schedule|appointment|meeting|dentist|doctor|\d{1,2}(:\d{2})?\s*(am|pm)|\d{1,2}:\d{2})\b/,
  ],
  ['goal', /\b(goal|want to|plan to|planning to|aim|target|hoping to|dream)\b/],
  ['habit', /\b(habit|usually|always|routine|every day|daily)\b/],
  [
    'preference',
    /\b(prefers?|like|likes|love|loves|favou?rite|hate|hates|dislike|dislikes|enjoy|enjoys|order|drink|food|diet|vegetarian|vegan|allergic|allergy)\b/,
  ],
];

/**
 * Guess a fact's category from its words (relationship, schedule, goal,
 * habit, preference; else other).
 * @param text - key and value together
 */
export function guessCategory(text: string): FactCategory {
  const lower = text.toLowerCase();
  for (const [category, cue] of CATEGORY_CUES) if (cue.test(lower)) return category;
  return 'other';
}

/** A letter or a digit, in any script: a key or a value without one says nothing. */
const HAS_WORD = /[\p{L}\p{N}]/u;

const PATTERNS: Array<{
  pattern: RegExp;
  key: (match: RegExpExecArray) => string;
  value: (match: RegExpExecArray) => string;
}> = [
  // my sister is called Ana -> sister's name: Ana
  {
    pattern: /^my\s+(.+?)\s+(?:is|are)\s+(?:called|named)\s+(.+)$/i,
    key: (match) => `${match[1] ?? ''}'s name`,
    value: (match) => match[2] ?? '',
  },
  // my sister's name is Ana; my coffee order is an oat flat white
  {
    pattern: /^my\s+(.+?)\s+(?:is|are|was|were)\s+(.+)$/i,
    key: (match) => match[1] ?? '',
    value: (match) => match[2] ?? '',
  },
  // dentist: Dr Lee; wifi = hunter2
  { pattern: /^([^:=]{1,60}?)\s*[:=]\s*(.+)$/, key: (match) => match[1] ?? '', value: (match) => match[2] ?? '' },
  { pattern: /^i\s+live\s+in\s+(.+)$/i, key: () => 'home', value: (match) => match[1] ?? '' },
  { pattern: /^i\s+work\s+(?:at|for)\s+(.+)$/i, key: () => 'employer', value: (match) => match[1] ?? '' },
  { pattern: /^i\s+work\s+as\s+(?:an?\s+)?(.+)$/i, key: () => 'job', value: (match) => match[1] ?? '' },
  { pattern: /^i\s+(?:wake\s+up|get\s+up)\s+at\s+(.+)$/i, key: () => 'wake-up time', value: (match) => match[1] ?? '' },
  { pattern: /^i\s+go\s+to\s+bed\s+at\s+(.+)$/i, key: () => 'bedtime', value: (match) => match[1] ?? '' },
  // Ana's birthday is March 3 (a short subject only, so that sentences stay notes)
  {
    pattern: /^((?:\S+\s+){0,3}\S+)\s+(?:is|are)\s+(.+)$/i,
    key: (match) => match[1] ?? '',
    value: (match) => match[2] ?? '',
  },
];

/**
 * Read the fact in "remember <fact>". "my X is Y", "X: Y", "X is Y" (a
 * short X) and a few fixed sentences ("I live in ...", "I work at ...")
 * give a key and a value, so that "remember my X is Z" later replaces Y.
 * Anything else is kept as a note whose key is its first content words. A
 * trailing `#category` sets the category.
 * @param text - what follows "remember"
 * @returns the fact
 * @throws UsageError when nothing is left to remember, or the #category is unknown
 */
export function parseStatedFact(text: string): StatedFact {
  let rest = text.trim().replace(/[.!]+$/, '');
  let category: FactCategory | undefined;
  const tag = /\s*#([a-z]+)\s*$/i.exec(rest);
  if (tag !== null) {
    const wanted = (tag[1] ?? '').toLowerCase();
    if (!(FACT_CATEGORIES as readonly string[]).includes(wanted))
      throw new UsageError(
        `#${wanted} is not a category: use ${FACT_CATEGORIES.map((name) => `#${name}`).join(', ')}.`,
        USAGE.remember,
      );
    category = wanted as FactCategory;
    rest = rest.slice(0, tag.index).trim();
  }
  rest = rest.replace(/^(?:that|this:?)\s+/i, '').trim();
  if (rest === '') throw new UsageError('Say what to remember.', USAGE.remember);
  // Punctuation alone (`remember ": "`) is nothing to remember: say so, rather than fail deeper down.
  if (!HAS_WORD.test(rest))
    throw new UsageError(`There is nothing to remember in ${rest}: say it in words.`, USAGE.remember);
  for (const { pattern, key, value } of PATTERNS) {
    const match = pattern.exec(rest);
    if (match === null) continue;
    const parsedKey = key(match).trim();
    const parsedValue = value(match).trim();
    if (
      !HAS_WORD.test(parsedKey) ||
      !HAS_WORD.test(parsedValue) ||
      /^(i|we|it|this|there|that|he|she|they|you)\b/i.test(parsedKey)
    )
      continue;
    return { category: category ?? guessCategory(`${parsedKey} ${parsedValue}`), key: parsedKey, value: parsedValue };
  }
  const words = contentWords(rest);
  const key = (words.length > 0 ? words : rest.toLowerCase().split(/\s+/)).slice(0, 6).join(' ');
  return { category: category ?? guessCategory(rest), key: `note: ${key}`, value: rest };
}
