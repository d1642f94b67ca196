import type { PluginMigration } from '../../src/plugins/api.js';

/**
 * The goals plugin's schema migrations (applied once each, in order, by
 * the plugin host). Days are the owner's local days as `YYYY-MM-DD`;
 * instants are ISO-8601 UTC.
 */

const CREATE_GOALS = `
CREATE TABLE goals (
  id         INTEGER PRIMARY KEY,
  title      TEXT NOT NULL,
  deadline   TEXT,
  progress   INTEGER NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 100),
  status     TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'completed', 'abandoned')),
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE TABLE goal_progress (
  id         INTEGER PRIMARY KEY,
  goal_id    INTEGER NOT NULL REFERENCES goals (id) ON DELETE CASCADE,
  progress   INTEGER NOT NULL CHECK (progress BETWEEN 0 AND 100),
  note       TEXT,
  created_at TEXT NOT NULL
);
CREATE INDEX goal_progress_goal ON goal_progress (goal_id, created_at);
`;

/* 002 only adds columns and a table, so existing rows stay as they are (category "other"). */
const CATEGORIES_MILESTONES = `
ALTER TABLE goals ADD COLUMN category TEXT NOT NULL DEFAULT 'other'
  CHECK (category IN ('health', 'finance', 'career', 'personal', 'learning', 'relationships', 'other'));
ALTER TABLE goals ADD COLUMN started_on TEXT;   -- local day it was set (NULL for goals set before 002: read from created_at)
ALTER TABLE goals ADD COLUMN closed_at TEXT;    -- instant it was completed or abandoned
CREATE TABLE goal_milestones (
  id           INTEGER PRIMARY KEY,
  goal_id      INTEGER NOT NULL REFERENCES goals (id) ON DELETE CASCADE,
  title        TEXT NOT NULL,
  created_at   TEXT NOT NULL,
  completed_at TEXT
);
CREATE INDEX goal_milestones_goal ON goal_milestones (goal_id, id);
`;

/* 003: where an imported goal came from, so that importing the same file twice adds nothing. */
const IMPORT_KEYS = `
ALTER TABLE goals ADD COLUMN import_key TEXT;   -- e.g. steward:<database id>:goal:<id>; NULL for goals set here
CREATE UNIQUE INDEX goals_import_key ON goals (import_key) WHERE import_key IS NOT NULL;
`;

/** Migrations of the goals plugin, oldest first. */
export const GOAL_MIGRATIONS: readonly PluginMigration[] = [
  { id: '001_create_goals', sql: CREATE_GOALS },
  { id: '002_categories_milestones', sql: CATEGORIES_MILESTONES },
  { id: '003_import_keys', sql: IMPORT_KEYS },
];
