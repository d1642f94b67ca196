import { createColors } from 'picocolors';
import { fromDayNumber, weekdayOf, type DayNumber } from './days.js';
import type { DayValue } from './entries.js';

/**
 * A calendar heatmap of a habit in text, after GitHub's contribution graph
 * and Loop's history card: one column per week (Monday first), one row per
 * weekday, oldest week on the left, month names on top.
 */

/** What one cell shows. */
type Cell = DayValue | 'today' | 'blank';

const PLAIN: Record<Cell, string> = { done: '#', auto: '+', skipped: '~', off: '-', none: '.', today: '_', blank: ' ' };

const LEGEND: Array<[Cell, string]> = [
  ['done', 'done'],
  ['auto', 'covered'],
  ['skipped', 'skipped'],
  ['off', 'off day'],
  ['none', 'missed'],
  ['today', 'today, not yet'],
];

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const ROW_NAMES = ['Mo', 'Tu', 'We', 'Th', 'Fr', 'Sa', 'Su'];

/** Options of {@link renderHeatmap}. */
export interface HeatmapOptions {
  /** Weeks shown, the current one included (default 12). */
  weeks?: number;
  /** ANSI colours (a TTY) or plain characters (pipes, Signal, the model). */
  color: boolean;
}

/**
 * Render the heatmap.
 * @param valueOn - the computed value of a day
 * @param startDay - the habit's first day (earlier days are blank)
 * @param today - the owner's day (later days are blank)
 * @param options - weeks and colour
 * @returns the lines: month header, seven weekday rows, legend
 */
export function renderHeatmap(
  valueOn: (day: DayNumber) => DayValue,
  startDay: DayNumber,
  today: DayNumber,
  options: HeatmapOptions,
): string[] {
  const weeks = options.weeks ?? 12;
  const colors = createColors(options.color);
  const paint: Record<Cell, (text: string) => string> = {
    done: colors.green,
    auto: (text) => colors.dim(colors.green(text)),
    skipped: colors.yellow,
    off: colors.dim,
    none: colors.gray,
    today: colors.bold,
    blank: (text) => text,
  };
  const glyph = (cell: Cell): string => {
    if (!options.color) return PLAIN[cell];
    return paint[cell](cell === 'done' || cell === 'auto' ? '■' : cell === 'none' ? '·' : PLAIN[cell]);
  };
  const firstMonday = today - (weekdayOf(today) - 1) - (weeks - 1) * 7;
  const seen = new Set<Cell>();
  const cellOf = (day: DayNumber): Cell => {
    if (day > today) return 'blank';
    const value = valueOn(day);
    if (day === today && value === 'none') return 'today';
    if (day < startDay && (value === 'none' || value === 'off')) return 'blank';
    return value;
  };

  // A month's name sits over the week that holds its 1st day (GitHub's contribution graph), counting
  // only the days shown (this week ends today); the first week is named after its own month. When two
  // names would overlap, the later one wins.
  const monthOf = (day: DayNumber): number => Number(fromDayNumber(day).slice(5, 7)) - 1;
  const labels: Array<{ column: number; text: string }> = [];
  for (let week = 0; week < weeks; week += 1) {
    const start = firstMonday + week * 7;
    const end = Math.min(start + 6, today);
    const month = monthOf(end);
    if (week > 0 && month === monthOf(start) && fromDayNumber(start).slice(8) !== '01') continue;
    const column = 4 + week * 2;
    const last = labels[labels.length - 1];
    if (last !== undefined && last.column + last.text.length >= column) labels.pop();
    labels.push({ column, text: MONTHS[month] ?? '' });
  }
  const header = labels.reduce((text, label) => text.padEnd(label.column) + label.text, '');
  const lines = [header];
  for (let row = 0; row < 7; row += 1) {
    const cells: string[] = [];
    for (let week = 0; week < weeks; week += 1) {
      const cell = cellOf(firstMonday + week * 7 + row);
      if (cell !== 'blank') seen.add(cell);
      cells.push(glyph(cell));
    }
    lines.push(`${ROW_NAMES[row]}  ${cells.join(' ')}`.trimEnd());
  }
  const legend = LEGEND.filter(([cell]) => seen.has(cell)).map(([cell, words]) => `${glyph(cell)} ${words}`);
  if (legend.length > 0) lines.push(`    ${legend.join('  ')}`);
  return lines;
}
