import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fromRoot } from '../shared/paths.js';
import type { Database } from '../shared/database.js';

/** One schema migration: an id that sorts in order, and the SQL to run once. */
export interface Migration {
  /** Unique id, for example `001_core` or `habits:001_create`. */
  id: string;
  /** SQL run in one transaction. */
  sql: string;
}

const MIGRATION_FILE = /^(\d{3,})_[a-z0-9_]+\.sql$/;

/**
 * Read the core migrations from `database/migrations/NNN_name.sql`, in order.
 * @param directory - folder to read (default: the checkout's `database/migrations`)
 * @returns the migrations sorted by their number
 */
export function readCoreMigrations(directory = fromRoot('database', 'migrations')): Migration[] {
  return readdirSync(directory)
    .filter((name) => MIGRATION_FILE.test(name))
    .sort()
    .map((name) => ({ id: name.replace(/\.sql$/, ''), sql: readFileSync(join(directory, name), 'utf8') }));
}

/**
 * Apply the migrations that have not run yet, each in its own
 * `BEGIN IMMEDIATE` transaction that re-checks `schema_migrations`, so that
 * two processes starting at once apply each migration exactly once and
 * running this twice is harmless.
 *
 * @param database - the open database
 * @param migrations - migrations in the order to apply them
 * @returns the ids applied by this call (empty when all were already there)
 * @throws SqliteError if a migration's SQL fails; that migration is rolled back
 */
export function applyMigrations(database: Database, migrations: readonly Migration[]): string[] {
  database.exec('CREATE TABLE IF NOT EXISTS schema_migrations (id TEXT PRIMARY KEY, applied_at TEXT NOT NULL)');
  const isApplied = database.prepare<[string], { id: string }>('SELECT id FROM schema_migrations WHERE id = ?');
  const record = database.prepare<[string, string]>('INSERT INTO schema_migrations (id, applied_at) VALUES (?, ?)');
  const applied: string[] = [];
  for (const migration of migrations) {
    if (isApplied.get(migration.id) !== undefined) continue;
    const apply = database.transaction(() => {
      if (isApplied.get(migration.id) !== undefined) return false;
      database.exec(migration.sql);
      record.run(migration.id, new Date().toISOString());
      return true;
    });
    if (apply.immediate()) applied.push(migration.id);
  }
  return applied;
}
