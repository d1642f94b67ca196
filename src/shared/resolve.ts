import { editDistance, MAX_COMPARED } from './edit-distance.js';
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

/** Closeness of `query` to `name`, 0 (same) to 1; used to rank suggestions. */
function closeness(name: string, query: string): number {
  const relative = (left: string, right: string): number => {
    const longest = Math.min(MAX_COMPARED, Math.max(left.length, right.length, 1));
    // Only distances up to 60 % of the length matter for a suggestion; beyond that, "far".
    const limit = Math.ceil(longest * 0.6);
    return Math.min(1, editDistance(left, right, limit) / longest);
  };
  let best = Math.min(relative(name, query), name.startsWith(query) || query.startsWith(name) ? 0.2 : 1);
  for (const word of name.split(' ')) best = Math.min(best, relative(word, query));
  return best;
}

/** The items of one matching rule; several is an ambiguity, and the rules after it are not tried. */
function pick<T extends Named>(kind: string, query: string, matches: readonly T[]): T | undefined {
  if (matches.length === 1) return matches[0];
  if (matches.length > 1) throw new AmbiguousReferenceError(kind, query, matches);
  return undefined;
}

/**
 * Find the one item a user meant. The rules, in order; the first rule that
 * matches decides, and when it matches several items the name is
 * ambiguous (the owner picks by number or `#id`), never guessed:
 * 1. `#<id>`;
 * 2. the exact name (any case), so an exact name always beats a prefix or a typo;
 * 3. the name containing the query as whole words ("marathon" finds "run a marathon");
 * 4. a typo of a whole name that keeps its first letter: `runn` is `run`,
 *    one letter too many, even when a `running` also exists;
 * 5. a word of the name starting with the query, from 3 letters ("medit" finds "meditation");
 * 6. a typo of a word of the name (1 edit for 4–7 letters, 2 from 8; a swap of
 *    two letters is one edit).
 *
 * The cost is bounded: typos are compared only between texts of close
 * lengths, each cut at 128 characters.
 *
 * @param kind - what is looked up, for messages: `habit`, `goal`
 * @param query - what the user typed
 * @param items - the candidates
 * @returns the matching item
 * @throws NotFoundError with up to 3 closest names when nothing matches
 * @throws AmbiguousReferenceError listing the candidates, numbered with their `#id`s, when a rule matches several
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
  const names = items.map((item) => ({ item, name: normalise(item.name) }));
  const matching = (test: (name: string) => boolean): T[] =>
    names.filter((entry) => test(entry.name)).map((entry) => entry.item);

  const found =
    pick(
      kind,
      query,
      matching((name) => name === wanted),
    ) ??
    pick(
      kind,
      query,
      matching((name) => containsWords(name, wanted)),
    ) ??
    pick(
      kind,
      query,
      matching(
        (name) =>
          name[0] === wanted[0] &&
          editDistance(name, wanted, typoAllowance(Math.max(name.length, wanted.length))) <=
            typoAllowance(Math.max(name.length, wanted.length)),
      ),
    ) ??
    (wanted.length >= 3
      ? pick(
          kind,
          query,
          matching((name) => ` ${name}`.includes(` ${wanted}`)),
        )
      : undefined) ??
    pick(
      kind,
      query,
      matching((name) => {
        const allowance = typoAllowance(wanted.length);
        if (allowance === 0) return false;
        return (
          editDistance(name, wanted, allowance) <= allowance ||
          name.split(' ').some((word) => word.length >= 4 && editDistance(word, wanted, allowance) <= allowance)
        );
      }),
    );
  if (found !== undefined) return found;
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
