import { distance } from 'fastest-levenshtein';
import { AmbiguousReferenceError, NotFoundError } from './errors.js';

/** Anything a user refers to by name: a habit, a goal, ... */
export interface Named {
  /** Row id. */
  id: number;
  /** Display name. */
  name: string;
}

function normalise(text: string): string {
  return text.toLowerCase().replace(/\s+/g, ' ').trim();
}

/** Edit distance allowed for a typo in a word of this length (0 = exact only). */
function typoAllowance(length: number): number {
  if (length >= 8) return 2;
  if (length >= 4) return 1;
  return 0;
}

function containsWords(name: string, query: string): boolean {
  return ` ${name} `.includes(` ${query} `);
}

/** Closeness of `query` to `name`, 0 (same) upwards; used to rank suggestions. */
function closeness(name: string, query: string): number {
  const whole = distance(name, query) / Math.max(name.length, query.length, 1);
  const prefix = name.startsWith(query) || query.startsWith(name) ? 0.2 : 1;
  // A loop, not Math.min(...words): spreading a name of 150k words overflowed the stack (issue 10, item 6).
  let best = Math.min(whole, prefix);
  for (const word of name.split(' '))
    best = Math.min(best, distance(word, query) / Math.max(word.length, query.length, 1));
  return best;
}

/**
 * Find the one item a user meant. In order: `#<id>`; the exact name (any
 * case); the only name that contains the query as whole words ("marathon"
 * finds "run a marathon"); the only name with a word starting with the
 * query, from 3 letters ("medit" finds "meditation"); the only name within a
 * small edit distance (1 edit for 4–7 letters, 2 from 8).
 *
 * @param kind - what is looked up, for messages: `habit`, `goal`
 * @param query - what the user typed
 * @param items - the candidates
 * @returns the matching item
 * @throws NotFoundError with up to 3 closest names when nothing matches
 * @throws AmbiguousReferenceError listing the candidates when several match equally
 */
export function resolveByName<T extends Named>(kind: string, query: string, items: readonly T[]): T {
  const wanted = normalise(query);
  const byId = /^#(\d+)$/.exec(wanted);
  if (byId !== null) {
    const found = items.find((item) => item.id === Number(byId[1]));
    if (found !== undefined) return found;
    throw new NotFoundError(
      kind,
      query,
      [],
      items.map((item) => `${item.name} (#${item.id})`),
    );
  }
  const exact = items.filter((item) => normalise(item.name) === wanted);
  if (exact.length === 1) return exact[0] as T;
  if (exact.length > 1)
    throw new AmbiguousReferenceError(
      kind,
      query,
      exact.map((item) => `${item.name} (#${item.id})`),
    );

  const containing = items.filter((item) => containsWords(normalise(item.name), wanted));
  if (containing.length === 1) return containing[0] as T;
  if (containing.length > 1)
    throw new AmbiguousReferenceError(
      kind,
      query,
      containing.map((item) => item.name),
    );

  if (wanted.length >= 3) {
    const prefixed = items.filter((item) => ` ${normalise(item.name)}`.includes(` ${wanted}`));
    if (prefixed.length === 1) return prefixed[0] as T;
    if (prefixed.length > 1)
      throw new AmbiguousReferenceError(
        kind,
        query,
        prefixed.map((item) => item.name),
      );
  }

  const allowance = typoAllowance(wanted.length);
  if (allowance > 0) {
    const typos = items.filter((item) => {
      const name = normalise(item.name);
      return (
        distance(name, wanted) <= allowance ||
        name.split(' ').some((word) => word.length >= 4 && distance(word, wanted) <= allowance)
      );
    });
    if (typos.length === 1) return typos[0] as T;
    if (typos.length > 1)
      throw new AmbiguousReferenceError(
        kind,
        query,
        typos.map((item) => item.name),
      );
  }

  throw new NotFoundError(
    kind,
    query,
    suggestNames(query, items),
    items.map((item) => item.name),
  );
}

/**
 * Up to `limit` names closest to `query`, best first; names that are not
 * remotely close are left out.
 * @param query - what the user typed
 * @param items - the candidates
 * @param limit - how many names at most
 */
export function suggestNames(query: string, items: readonly Named[], limit = 3): string[] {
  const wanted = normalise(query);
  return items
    .map((item) => ({ name: item.name, score: closeness(normalise(item.name), wanted) }))
    .filter((candidate) => candidate.score <= 0.6)
    .sort((left, right) => left.score - right.score || left.name.localeCompare(right.name))
    .slice(0, limit)
    .map((candidate) => candidate.name);
}
