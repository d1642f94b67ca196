import { createHash } from 'node:crypto';

/**
 * Small text helpers shared by the offline embedder, the FTS5 query builder
 * and the heuristic episode summary: one tokenizer, so that all three see
 * the same words.
 */

/** English words too common to say anything about a memory. */
export const STOPWORDS: ReadonlySet<string> = new Set(
  (
    'a about above after again against all am an and any are as at be because been before being below between both but by ' +
    'can could did do does doing down during each few for from further had has have having he her here hers herself him ' +
    'himself his how i if in into is it its itself just me more most my myself no nor not now of off on once only or other ' +
    'our ours ourselves out over own same she should so some such than that the their theirs them themselves then there ' +
    'these they this those through to too under until up very was we were what when where which while who whom why will ' +
    'with would you your yours yourself yourselves also get got ok okay please thanks thank hi hello hey yes yeah let lets ' +
    "im i'm i've ive i'd id don't dont can't cant it's whats what's tell know"
  ).split(' '),
);

/**
 * Lower-case words of a text, diacritics removed, split on anything that is
 * not a letter or a digit (Unicode aware).
 * @param text - any text
 * @returns the words in order, stopwords included
 */
export function words(text: string): string[] {
  return text
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .split(/[^\p{L}\p{N}']+/u)
    .map((word) => word.replace(/^'+|'+$/g, ''))
    .filter((word) => word !== '');
}

/**
 * A light suffix-stripping stemmer ("running" and "runs" → "run",
 * "meditated" → "meditat"). Cruder than FTS5's Porter stemmer, which is
 * fine: it only has to map a word's forms to one feature of the hashing
 * embedder.
 * @param word - a lower-case word
 * @returns its stem
 */
export function stem(word: string): string {
  if (word.endsWith("'s")) word = word.slice(0, -2); // sister's -> sister
  if (word.length <= 4) return word;
  for (const suffix of ['ingly', 'edly', 'ing', 'ed', 'ies', 'es', 'ly', 's']) {
    if (word.endsWith(suffix) && word.length - suffix.length >= 3) {
      let base = word.slice(0, -suffix.length);
      if (suffix === 'ies') base += 'y';
      // running -> runn -> run
      if (
        base.length >= 3 &&
        base[base.length - 1] === base[base.length - 2] &&
        !/[aeiou]/.test(base[base.length - 1] ?? '')
      )
        base = base.slice(0, -1);
      return base;
    }
  }
  return word;
}

/**
 * The content words of a text: words without stopwords and one-letter words.
 * @param text - any text
 */
export function contentWords(text: string): string[] {
  return words(text).filter((word) => word.length > 1 && !STOPWORDS.has(word));
}

/**
 * sha256 of a text as hex: the `text_hash` of the embeddings table.
 * @param text - the text embedded
 */
export function textHash(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * A rough token count for prompt budgets: about 4 characters a token, as
 * OpenAI's tokenizer averages on English text. Local models tokenize
 * differently, so budgets are approximate by design.
 * @param text - any text
 * @returns estimated tokens, at least 1 for non-empty text
 */
export function estimateTokens(text: string): number {
  return text === '' ? 0 : Math.max(1, Math.ceil(text.length / 4));
}

/**
 * Shorten a text to at most `max` characters on a word boundary, with "…".
 * @param text - the text
 * @param max - maximum length in characters
 */
export function truncate(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (flat.length <= max) return flat;
  const cut = flat.slice(0, Math.max(1, max - 1));
  const space = cut.lastIndexOf(' ');
  return `${space > max / 2 ? cut.slice(0, space) : cut}…`;
}
