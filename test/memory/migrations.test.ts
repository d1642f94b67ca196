import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/shared/database.js';
import { applyMigrations, readCoreMigrations } from '../../src/memory/migrations.js';
import { temporaryDataDir } from '../support/steward.js';

describe('migrations', () => {
  const cleanups: Array<() => void> = [];
  afterEach(() => cleanups.splice(0).forEach((cleanup) => cleanup()));

  it('applies the core migrations once; applying them again is harmless', () => {
    const { dataDir, remove } = temporaryDataDir();
    cleanups.push(remove);
    const database = openDatabase(dataDir);
    const migrations = readCoreMigrations();
    expect(migrations.map((migration) => migration.id)).toContain('001_core');
    expect(applyMigrations(database, migrations)).toEqual(migrations.map((migration) => migration.id));
    database
      .prepare("INSERT INTO sessions (channel, peer, started_at, last_activity_at) VALUES ('repl', 'me', 'x', 'x')")
      .run();
    expect(applyMigrations(database, migrations)).toEqual([]);
    expect(database.prepare('SELECT COUNT(*) AS n FROM sessions').get()).toEqual({ n: 1 });
    database.close();
    const reopened = openDatabase(dataDir);
    expect(applyMigrations(reopened, migrations)).toEqual([]);
    expect(reopened.pragma('journal_mode', { simple: true })).toBe('wal');
    reopened.close();
  });

  it('rolls back a failing migration and leaves it unapplied', () => {
    const { dataDir, remove } = temporaryDataDir();
    cleanups.push(remove);
    const database = openDatabase(dataDir);
    expect(() =>
      applyMigrations(database, [{ id: '001_bad', sql: 'CREATE TABLE ok (id INTEGER); CREATE TABLE broken (' }]),
    ).toThrow();
    expect(database.prepare("SELECT name FROM sqlite_master WHERE name = 'ok'").get()).toBeUndefined();
    expect(database.prepare("SELECT id FROM schema_migrations WHERE id = '001_bad'").get()).toBeUndefined();
    database.close();
  });
});
