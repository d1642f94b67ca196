/**
 * Edit distance for names and command words: the optimal string alignment
 * distance (Damerau–Levenshtein restricted: insertions, deletions,
 * substitutions, and a swap of two neighbouring letters, each 1), so that
 * `reveiw` is one edit from `review` as a person sees it (plain Levenshtein,
 * as fastest-levenshtein computes, counts a swap as 2).
 *
 * Bounded: the caller gives the largest distance it cares about, and texts
 * whose lengths differ by more are answered at once; the work is
 * O(length × length) only for texts that can be that close, and texts are
 * cut at {@link MAX_COMPARED} characters, so a huge name costs no more than
 * a long one.
 */

/** Longest text compared, in characters; longer texts are cut to this. */
export const MAX_COMPARED = 128;

/**
 * The optimal string alignment distance between two texts, or `max + 1`
 * when it is more than `max`.
 * @param left - a text
 * @param right - another text
 * @param max - the largest distance of interest (small: 1 or 2)
 * @returns the distance, capped at `max + 1`
 */
export function editDistance(left: string, right: string, max: number): number {
  const a = left.slice(0, MAX_COMPARED);
  const b = right.slice(0, MAX_COMPARED);
  if (Math.abs(a.length - b.length) > max) return max + 1;
  if (a === b) return 0;
  // Three rows of the dynamic programme: two back (for the swap), one back, current.
  let before = new Array<number>(b.length + 1).fill(0);
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i += 1) {
    const current = new Array<number>(b.length + 1).fill(0);
    current[0] = i;
    let rowMin = i;
    for (let j = 1; j <= b.length; j += 1) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min(
        (previous[j] as number) + 1,
        (current[j - 1] as number) + 1,
        (previous[j - 1] as number) + cost,
      );
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        value = Math.min(value, (before[j - 2] as number) + 1);
      current[j] = value;
      if (value < rowMin) rowMin = value;
    }
    if (rowMin > max) return max + 1;
    before = previous;
    previous = current;
  }
  return Math.min(previous[b.length] as number, max + 1);
}
