import { random } from '../lib/stats.js';
import { OPENAI_KEY } from './world.js';

/**
 * Fuzzed command lines: the phrases of the command grammar with arguments
 * drawn from a pool of hostile pieces (huge, empty, out of range, unicode
 * oddities, quoting and injection attempts, control characters), plus
 * plain random text. Seeded, so a run can be repeated (`CHAOS_SEED`).
 */

const PHRASES = [
  'add habit',
  'check in',
  'skip',
  'undo check in',
  'undo skip',
  'habit stats',
  'habits',
  'habits archived',
  'habit reminder',
  'habit frequency',
  'rename habit',
  'archive habit',
  'delete habit',
  'set goal',
  'update progress',
  'add milestone',
  'complete milestone',
  'goals',
  'goal review',
  'show goal',
  'complete goal',
  'abandon goal',
  'reopen goal',
  'remember',
  'forget',
  'profile',
  'recall',
  'briefing',
  'help',
  '/fast',
  '/quality',
  '/why',
  '',
];

const PIECES: ReadonlyArray<string | ((next: () => number) => string)> = [
  'meditation',
  'run a marathon',
  '#1',
  '#0',
  '#999999999999999999999',
  '#-1',
  '100%',
  '-5%',
  '+3%',
  '1e308%',
  'NaN%',
  '200%',
  'yesterday',
  'tomorrow',
  '2026-02-30',
  '9999-12-31',
  '0000-00-00',
  'by end of March',
  'in 6 weeks',
  'in -3 weeks',
  'by 275760-09-13',
  'daily',
  '3 times per week',
  '99999 times per week',
  'on mon,wed,fri',
  'on funday',
  'at 25:99',
  'at 7am',
  'off',
  'to',
  ':',
  '": "',
  ': :',
  '#health',
  '#nonsense',
  '?',
  "'; DROP TABLE habits; --",
  '<script>alert(1)</script>',
  '%s%d%n',
  '${process.exit(1)}',
  '../../../../etc/passwd',
  '\\',
  '"',
  '🧘‍♀️🏃🏽‍♂️',
  'מדיטציה',
  'e\u0301\u0301\u0301',
  'zero\u200bwidth',
  '\u202eright to left',
  '\ud800',
  '\t\t',
  `my api key is ${OPENAI_KEY}`,
  (next) => 'x'.repeat(Math.floor(next() * 5000)),
  (next) => Array.from({ length: Math.floor(next() * 400) }, () => 'word').join(' '),
  (next) => String(Math.floor(next() * 1e9)),
  (next) => String.fromCodePoint(...Array.from({ length: 12 }, () => 0x20 + Math.floor(next() * 0x2fff))),
];

/**
 * A fuzzer.
 * @param seed - the seed (same seed, same lines)
 * @returns `line(options)`: the next line; `controlCharacters` allows NUL and escapes (stdin, not argv); `maxLength` caps it
 */
export function fuzzer(seed: number): {
  line(options?: { controlCharacters?: boolean; huge?: boolean }): string;
} {
  const next = random(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
  return {
    line(options = {}) {
      const roll = next();
      if (options.huge === true && roll < 0.05) return `check in ${'meditation '.repeat(110_000)}`;
      if (roll < 0.08)
        return String.fromCodePoint(...Array.from({ length: 40 }, () => 0x20 + Math.floor(next() * 0xd000)));
      const parts = [pick(PHRASES)];
      const count = Math.floor(next() * 4);
      for (let index = 0; index < count; index += 1) {
        const piece = pick(PIECES);
        parts.push(typeof piece === 'string' ? piece : piece(next));
      }
      let line = parts.join(next() < 0.2 ? '  ' : ' ');
      if (options.controlCharacters === true && next() < 0.15) line += pick(['\u0000', '\u001b[2J', '\u0007', '\r']);
      // A line as argv cannot hold NUL; on stdin, a newline ends it.
      line = line.replace(/\n/g, ' ');
      return options.controlCharacters === true ? line : line.split('\u0000').join('');
    },
  };
}
