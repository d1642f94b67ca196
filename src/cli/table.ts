import { fitColumnWidths } from '../shared/table-widths.js';

/**
 * A cli-table3 table that fits the terminal: the flexible columns are
 * narrowed (see `fitColumnWidths`) and their cells wrapped by wrap-ansi at
 * word boundaries, breaking a word only when it is longer than its column;
 * the other columns (ids, keys) keep their full text. Without a width the
 * table is as wide as its cells, one line per row.
 * @param head - header cells
 * @param rows - body rows (cells may carry ANSI colours)
 * @param options - `columns`: the terminal's width (undefined: no limit); `flexible`: indexes of the columns that may narrow
 * @returns the table's text
 */
export async function formatTable(
  head: readonly string[],
  rows: ReadonlyArray<readonly string[]>,
  options: { columns: number | undefined; flexible: readonly number[] },
): Promise<string> {
  const { default: Table } = await import('cli-table3');
  if (options.columns === undefined) {
    const table = new Table({ head: [...head], style: { head: [], border: [] } });
    table.push(...rows.map((row) => [...row]));
    return table.toString();
  }
  const { default: wrap } = await import('wrap-ansi');
  const widths = fitColumnWidths(head, rows, options.columns, { flexible: options.flexible });
  const fit = (cell: string, index: number): string =>
    wrap(cell, Math.max(1, (widths[index] ?? 3) - 2), { hard: true, trim: true });
  const table = new Table({ head: head.map(fit), style: { head: [], border: [] }, colWidths: widths });
  table.push(...rows.map((row) => row.map(fit)));
  return table.toString();
}
