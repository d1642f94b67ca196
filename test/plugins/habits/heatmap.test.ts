import { describe, expect, it } from 'vitest';
import { toDayNumber } from '../../../plugins/habits/days.js';
import { renderHeatmap } from '../../../plugins/habits/heatmap.js';

/** The heatmap as documented: 12 weeks, one column each, month names over the week that holds the 1st. */
describe('the habit heatmap', () => {
  const render = (today: string): string[] =>
    renderHeatmap(() => 'done', toDayNumber('2026-01-01'), toDayNumber(today), { color: false });

  it('has 12 week columns, the current week last', () => {
    const lines = render('2026-11-21');
    // Saturday: Monday to Saturday of this week are drawn, Sunday (tomorrow) is blank.
    expect(lines[1]).toBe(`Mo  ${Array.from({ length: 12 }, () => '#').join(' ')}`);
    expect(lines[7]).toBe(`Su  ${Array.from({ length: 11 }, () => '#').join(' ')}`);
  });

  it('puts a month name over the week that holds its 1st day, not a week late', () => {
    // Weeks from Mon 2026-08-31: Sep 1 is in the first column, Oct 1 (a Thursday) in the fifth, Nov 1 (a Sunday) in the ninth.
    expect(render('2026-11-21')[0]).toBe('    Sep     Oct     Nov');
    // On Tuesday 1 December the current week holds the 1st: December is named over the last column.
    const december = render('2026-12-01')[0] ?? '';
    expect(december.endsWith('Dec')).toBe(true);
    expect(december.indexOf('Dec')).toBe(4 + 11 * 2);
    // On Monday 30 November the current week's 1 December is still to come: no December yet.
    expect(render('2026-11-30')[0]).not.toContain('Dec');
  });
});
