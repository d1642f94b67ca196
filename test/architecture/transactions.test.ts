import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fromRoot } from '../../src/shared/paths.js';

/**
 * Every write transaction is `BEGIN IMMEDIATE` (issue 10, item 3). A
 * deferred better-sqlite3 transaction (`db.transaction(fn)()`) reads first
 * (even preparing a statement reads the schema) and must then upgrade to a
 * write lock; when another process writes at that moment, SQLite answers
 * "database is locked" at once, without calling the busy handler, so the
 * 5 s busy timeout never applies. This test reads the source of src/ and
 * plugins/ and fails on any transaction function that is called plainly
 * instead of through `.immediate(...)` (or, for a read-only snapshot, an
 * explicit `.deferred(...)`).
 */

function typeScriptFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) return typeScriptFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** The index just past the parenthesis that closes the one at `open`, skipping comments and string literals. */
function closingParen(text: string, open: number): number {
  let depth = 0;
  for (let index = open; index < text.length; index += 1) {
    const character = text[index];
    if (text.startsWith('//', index)) {
      index = text.indexOf('\n', index);
      if (index < 0) return text.length;
      continue;
    }
    if (text.startsWith('/*', index)) {
      index = text.indexOf('*/', index) + 1;
      if (index <= 0) return text.length;
      continue;
    }
    if (character === "'" || character === '"' || character === '`') {
      index += 1;
      while (index < text.length && text[index] !== character) index += text[index] === '\\' ? 2 : 1;
      continue;
    }
    if (character === '(') depth += 1;
    if (character === ')') {
      depth -= 1;
      if (depth === 0) return index + 1;
    }
  }
  return text.length;
}

/**
 * The transaction functions of a file that are not run IMMEDIATE, as `file:line`.
 * @param file - path of a TypeScript file
 * @param text - its source
 */
function deferredTransactions(file: string, text: string): string[] {
  const found: string[] = [];
  const call = /\.transaction(?:<[^>]*>)?\(/g;
  for (let match = call.exec(text); match !== null; match = call.exec(text)) {
    const end = closingParen(text, match.index + match[0].length - 1);
    const line = text.slice(0, match.index).split('\n').length;
    const where = `${file}:${line}`;
    const after = text.slice(end).trimStart();
    // `.deferred()` says so on purpose: a read-only snapshot, which never upgrades to a write lock.
    if (after.startsWith('.immediate(') || after.startsWith('.deferred(')) continue;
    // `const name = db.transaction(fn)`: the name must only ever be run as `name.immediate(...)`.
    const statementStart = Math.max(...[';', '{', '}'].map((mark) => text.lastIndexOf(mark, match.index)), -1) + 1;
    const assigned = /(?:const|let)\s+(\w+)\s*=/.exec(text.slice(statementStart, match.index));
    if (assigned === null) {
      found.push(`${where} (a transaction function that is not run through .immediate())`);
      continue;
    }
    const name = assigned[1] as string;
    const plainCall = new RegExp(`(?<![\\w.#])${name}\\(`, 'g');
    const run = (how: string): boolean => text.slice(end).includes(`${name}.${how}(`);
    if (plainCall.test(text.slice(end))) found.push(`${where} (${name}(...) runs a deferred transaction)`);
    else if (!run('immediate') && !run('deferred')) found.push(`${where} (${name} is never run)`);
  }
  return found;
}

describe('write transactions', () => {
  it('are all BEGIN IMMEDIATE, so a writer waits for the busy timeout instead of failing at once', () => {
    const root = fromRoot();
    const files = [...typeScriptFiles(fromRoot('src')), ...typeScriptFiles(fromRoot('plugins'))];
    const offenders = files.flatMap((file) => deferredTransactions(relative(root, file), readFileSync(file, 'utf8')));
    expect(offenders).toEqual([]);
  });

  it('catches a deferred transaction (the check itself can fail)', () => {
    const source = [
      'const insert = this.#database.transaction(() => {',
      "  db.prepare('INSERT INTO t (a) VALUES (?)').run(1);",
      '});',
      'return insert();',
      'db.transaction(() => 1)();',
      'const ok = db.transaction(() => 2);',
      'ok.immediate();',
      'db.transaction(() => 3).immediate();',
    ].join('\n');
    expect(deferredTransactions('x.ts', source)).toEqual([
      'x.ts:1 (insert(...) runs a deferred transaction)',
      'x.ts:5 (a transaction function that is not run through .immediate())',
    ]);
  });
});
