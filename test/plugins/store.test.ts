import { afterEach, describe, expect, it } from 'vitest';
import { createPluginStore } from '../../src/plugins/context.js';
import { openDatabase, type Database } from '../../src/shared/database.js';
import { temporaryDataDir } from '../support/steward.js';

describe('the store handle a plugin gets', () => {
  let database: Database | undefined;
  let remove: (() => void) | undefined;
  afterEach(() => {
    database?.close();
    remove?.();
    database = undefined;
  });

  function open() {
    const directory = temporaryDataDir();
    remove = directory.remove;
    database = openDatabase(directory.dataDir);
    const store = createPluginStore(database);
    store.exec('CREATE TABLE water (day TEXT PRIMARY KEY, glasses INTEGER NOT NULL)');
    return { store, database };
  }

  it('prepares, runs and reads with better-sqlite3 semantics', () => {
    const { store } = open();
    const insert = store.prepare<[string, number]>('INSERT INTO water (day, glasses) VALUES (?, ?)');
    expect(insert.run('2026-11-21', 3)).toEqual({ changes: 1, lastInsertRowid: 1 });
    insert.run('2026-11-22', 5);
    const byDay = store.prepare<[string], { glasses: number }>('SELECT glasses FROM water WHERE day = ?');
    expect(byDay.get('2026-11-22')).toEqual({ glasses: 5 });
    expect(byDay.get('2026-11-23')).toBeUndefined();
    expect(store.prepare<[], { day: string }>('SELECT day FROM water ORDER BY day').all()).toEqual([
      { day: '2026-11-21' },
      { day: '2026-11-22' },
    ]);
    expect(store.exec('UPDATE water SET glasses = glasses + 1')).toBeUndefined();
    expect(byDay.get('2026-11-21')).toEqual({ glasses: 4 });
  });

  it('rolls a transaction back when it throws, deferred or immediate', () => {
    const { store, database } = open();
    const insert = store.prepare<[string, number]>('INSERT INTO water (day, glasses) VALUES (?, ?)');
    const both = store.transaction((glasses: number) => {
      insert.run('2026-11-21', glasses);
      insert.run('2026-11-21', glasses); // the primary key fails the second insert
    });
    expect(() => both(2)).toThrow(/UNIQUE constraint failed/);
    expect(() => both.immediate(2)).toThrow(/UNIQUE constraint failed/);
    expect(database.prepare('SELECT count(*) AS count FROM water').get()).toEqual({ count: 0 });
    const one = store.transaction((day: string) => insert.run(day, 1).changes);
    expect(one.immediate('2026-11-21')).toBe(1);
    expect(one('2026-11-22')).toBe(1);
    expect(database.inTransaction).toBe(false);
  });

  it('has no close, pragma or backup, and its statements and transactions do not lead back to the connection', () => {
    const { store } = open();
    expect(Object.keys(store).sort()).toEqual(['exec', 'prepare', 'transaction']);
    const statement = store.prepare('SELECT 1');
    expect(Object.keys(statement).sort()).toEqual(['all', 'get', 'run']);
    expect('database' in statement).toBe(false);
    const transaction = store.transaction(() => 1);
    expect('database' in transaction).toBe(false);
    expect(Object.keys(transaction)).toEqual(['immediate']);
    expect(Object.isFrozen(store) && Object.isFrozen(statement) && Object.isFrozen(transaction)).toBe(true);
  });
});
