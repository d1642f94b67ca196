import { describe, expect, it } from 'vitest';
import { formatTable } from '../../src/cli/table.js';

describe('tables that fit the terminal', () => {
  const head = ['id', 'key', 'status', 'tries', 'when', 'to', 'text', 'last error'];
  const rows = [
    [
      '3',
      'reply:signal:+15551112222:1700000000000',
      'failed',
      '5',
      'queued 3 min ago',
      '+15551112222, +15553334444',
      'Your morning briefing: 3 habits due today, 1 goal behind',
      'Signal send failed for +15551112222: UNREGISTERED_FAILURE (the number is not on Signal)',
    ],
  ];

  it('fits the terminal: the flexible cells wrap at word boundaries first, the key stays whole while it can', async () => {
    const wide = await formatTable(head, rows, { columns: 120, flexible: [4, 5, 6, 7] });
    for (const line of wide.split('\n')) expect([...line].length, line).toBeLessThanOrEqual(120);
    expect(wide).toContain('reply:signal:+15551112222:1700000000000');
    expect(wide).toMatch(/│ Signal send +│/);
    // Narrower still, every column gives way, but no cell is cut short.
    const narrow = await formatTable(head, rows, { columns: 80, flexible: [4, 5, 6, 7] });
    for (const line of narrow.split('\n')) expect([...line].length, line).toBeLessThanOrEqual(80);
    expect(narrow).not.toContain('…');
  });

  it('gives one line per row through a pipe (no width), for grep', async () => {
    const text = await formatTable(head, rows, { columns: undefined, flexible: [4, 5, 6, 7] });
    expect(text.split('\n')).toHaveLength(5);
    expect(text).toMatch(/reply:signal:\+15551112222:1700000000000 .*failed.*Signal send failed for/);
  });
});
