import { describe, expect, it } from 'vitest';
import { NotFoundError } from '../../src/shared/errors.js';
import { resolveByName, suggestNames } from '../../src/shared/resolve.js';

/**
 * Issue 10, item 6: after a goal was named with about 150k words, every
 * lookup that did not match failed with "Maximum call stack size exceeded"
 * (`Math.min(...words)`). Names that long are refused now (`limits.name`),
 * but a database may hold one from before.
 */
describe('a name of 150k words', () => {
  const huge = { id: 1, name: Array.from({ length: 150_000 }, (_, index) => `word${index % 97}`).join(' ') };
  const items = [huge, { id: 2, name: 'run a marathon' }];

  it('leaves the other lookups working', () => {
    expect(resolveByName('goal', 'marathon', items).id).toBe(2);
    expect(() => resolveByName('goal', 'piano', items)).toThrow(NotFoundError);
    expect(suggestNames('maraton', items)).toEqual(['run a marathon']);
  });
});
