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
