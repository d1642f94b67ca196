/**
 * Column widths that make a cli-table3 table fit a terminal: each column
 * as wide as its widest cell; then, while the table is too wide, the
 * widest flexible column is narrowed (its cells wrap), down to a few
 * columns of text; only then the others (ids, keys), as a last resort.
 */

/** ANSI colour codes: they take no columns. */
const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');

/** Columns a cell's longest line takes (code points, colour codes left out). */
function cellWidth(text: string): number {
  return Math.max(
    0,
    ...text
      .replace(ANSI, '')
      .split('\n')
      .map((line) => [...line].length),
  );
}

/**
 * cli-table3 `colWidths` (each including its one-column padding on both
 * sides) for a table of `head` and `rows` that fits `columns`.
 * @param head - the header cells
 * @param rows - the body rows
 * @param columns - the terminal's width, in columns
 * @param options - `flexible`: indexes of the columns to narrow first (default all); `minimum`: the narrowest a flexible column gets first, in columns of text (default 8)
 * @returns one width per column, padding included
 */
export function fitColumnWidths(
  head: readonly string[],
  rows: ReadonlyArray<readonly string[]>,
  columns: number,
  options: { flexible?: readonly number[]; minimum?: number } = {},
): number[] {
  const widths = head.map(
    (title, index) => Math.max(cellWidth(title), ...rows.map((row) => cellWidth(row[index] ?? ''))) + 2,
  );
  // A border on each side of each column: n + 1 characters.
  const budget = columns - (head.length + 1);
  let total = widths.reduce((sum, width) => sum + width, 0);
  const shrink = (candidates: readonly number[], floor: (index: number) => number): void => {
    while (total > budget) {
      let widest = -1;
      for (const index of candidates)
        if ((widths[index] ?? 0) > floor(index) && (widest < 0 || (widths[index] ?? 0) > (widths[widest] ?? 0)))
          widest = index;
      if (widest < 0) return;
      widths[widest] = (widths[widest] ?? 0) - 1;
      total -= 1;
    }
  };
  const all = head.map((_, index) => index);
  shrink(options.flexible ?? all, () => (options.minimum ?? 8) + 2);
  shrink(all, () => 3 + 2);
  return widths;
}
