import { describe, expect, it } from 'vitest';
import { resolveByName } from '../../src/shared/resolve.js';
import { AmbiguousReferenceError, NotFoundError } from '../../src/shared/errors.js';

const goals = [
  { id: 1, name: 'run a marathon' },
  { id: 2, name: 'read 20 books' },
  { id: 3, name: 'run a half marathon' },
  { id: 4, name: 'learn Spanish' },
];

describe('resolveByName', () => {
  it('finds by #id, exact name (any case) and a unique word', () => {
    expect(resolveByName('goal', '#2', goals).id).toBe(2);
    expect(resolveByName('goal', 'Run A Marathon', goals).id).toBe(1);
    expect(resolveByName('goal', 'spanish', goals).id).toBe(4);
    expect(resolveByName('goal', 'books', goals).id).toBe(2);
  });

  it('finds the only name with a word starting with the query, from 3 letters', () => {
    expect(resolveByName('goal', 'span', goals).id).toBe(4);
    expect(resolveByName('goal', 'rea', goals).id).toBe(2);
    expect(resolveByName('goal', 'run a half', goals).id).toBe(3);
    expect(() => resolveByName('goal', 'mara', goals)).toThrow(AmbiguousReferenceError);
    expect(() => resolveByName('goal', 'sp', goals)).toThrow(NotFoundError);
  });

  it('accepts a small typo when only one name is that close', () => {
    expect(resolveByName('goal', 'spansh', goals).id).toBe(4);
  });

  it('lists the candidates when the name is ambiguous', () => {
    expect(() => resolveByName('goal', 'marathon', goals)).toThrow(AmbiguousReferenceError);
    try {
      resolveByName('goal', 'marathon', goals);
    } catch (error) {
      expect((error as AmbiguousReferenceError).candidates).toEqual(['run a marathon', 'run a half marathon']);
    }
  });

  it('suggests the closest names when nothing matches', () => {
    try {
      resolveByName('goal', 'learn spanish fluently', goals);
      throw new Error('expected NotFoundError');
    } catch (error) {
      expect(error).toBeInstanceOf(NotFoundError);
      expect((error as NotFoundError).suggestions[0]).toBe('learn Spanish');
      expect((error as NotFoundError).message).toContain('Did you mean: learn Spanish');
    }
  });

  it('lists the existing names when none is close', () => {
    expect(() => resolveByName('habit', 'zzz', [{ id: 1, name: 'meditation' }])).toThrow('Your habits: meditation.');
    expect(() => resolveByName('habit', 'zzz', [])).toThrow('You have no habits yet.');
  });
});

describe('resolveByName never guesses wrong', () => {
  const habits = [
    { id: 1, name: 'run' },
    { id: 2, name: 'running' },
    { id: 3, name: 'meditation' },
    { id: 4, name: 'edit photos' },
  ];

  it('takes the exact name over a prefix or a typo, and a typo of a whole name over a prefix of another', () => {
    expect(resolveByName('habit', 'run', habits).id).toBe(1);
    expect(resolveByName('habit', 'RUNNING', habits).id).toBe(2);
    // "runn": one letter too many for "run", the start of "running": the existing name one edit away wins.
    expect(resolveByName('habit', 'runn', habits).id).toBe(1);
    expect(resolveByName('habit', 'runnin', habits).id).toBe(2);
    // A typo that changes the first letter is no whole-name typo: "medit" stays the start of "meditation".
    expect(resolveByName('habit', 'medit', habits).id).toBe(3);
    // A swap of two letters is one edit.
    expect(resolveByName('habit', 'meditaiton', habits).id).toBe(3);
  });

  it('numbers the candidates of an ambiguous name with their #ids', () => {
    try {
      resolveByName('goal', 'marathon', goals);
      throw new Error('expected AmbiguousReferenceError');
    } catch (error) {
      expect(error).toBeInstanceOf(AmbiguousReferenceError);
      expect((error as AmbiguousReferenceError).choices).toEqual([
        { id: 1, name: 'run a marathon' },
        { id: 3, name: 'run a half marathon' },
      ]);
      expect((error as Error).message).toBe(
        '"marathon" matches more than one goal:\n  1. run a marathon #1\n  2. run a half marathon #3\nSay which one by its number or its #id.',
      );
    }
  });

  it('stays fast on huge names and queries', () => {
    const huge = Array.from({ length: 2000 }, (_, index) => ({
      id: index + 1,
      name: `habit ${'x'.repeat(5000)} ${index}`,
    }));
    const started = performance.now();
    expect(() => resolveByName('habit', 'y'.repeat(200_000), huge)).toThrow(NotFoundError);
    // Not a speed target (those live in `pnpm bench`): a guard against a quadratic blow-up or a stack overflow.
    expect(performance.now() - started).toBeLessThan(20_000);
  });
});
