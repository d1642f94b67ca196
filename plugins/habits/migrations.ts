import type { PluginMigration } from '../../src/plugins/api.js';

/**
 * The habits plugin's schema migrations (applied once each, in order, by
 * the plugin host). Days are the owner's local days as `YYYY-MM-DD`;
 * instants are ISO-8601 UTC.
 */

const CREATE_HABITS = `
CREATE TABLE habits (
  id          INTEGER PRIMARY KEY,
  name        TEXT NOT NULL,
  freq_num    INTEGER NOT NULL DEFAULT 1 CHECK (freq_num >= 1),
  freq_den    INTEGER NOT NULL DEFAULT 1 CHECK (freq_den IN (1, 7)),
  created_at  TEXT NOT NULL,
  archived_at TEXT
);
CREATE UNIQUE INDEX habits_active_name ON habits (name COLLATE NOCASE) WHERE archived_at IS NULL;
CREATE TABLE habit_checkins (
  id         INTEGER PRIMARY KEY,
  habit_id   INTEGER NOT NULL REFERENCES habits (id) ON DELETE CASCADE,
  day        TEXT NOT NULL,
  note       TEXT,
  created_at TEXT NOT NULL,
  UNIQUE (habit_id, day)
);
`;

/*
 * 002 widens the frequency (monthly periods, weekdays), adds reminder times,
 * skips (habit_checkins.kind) and the reminders log. SQLite cannot change a
 * CHECK constraint in place, so both tables are rebuilt. The old tables are
 * dropped child first: dropping "habits" while "habit_checkins" still pointed
 * at it would cascade-delete every check-in. Renaming the new tables
 * afterwards rewrites the foreign key to the final name.
 */
const WIDEN_FREQUENCIES_ADD_SKIPS_AND_REMINDERS = `
CREATE TABLE habits_v2 (
  id            INTEGER PRIMARY KEY,
  name          TEXT NOT NULL,
  freq_num      INTEGER NOT NULL DEFAULT 1 CHECK (freq_num >= 1),
  freq_den      INTEGER NOT NULL DEFAULT 1 CHECK (freq_den IN (1, 7, 30)),
  weekdays      INTEGER CHECK (weekdays BETWEEN 1 AND 127),            -- bit mask, Monday = 1 ... Sunday = 64; NULL = any day
  reminder_time TEXT CHECK (reminder_time GLOB '[0-2][0-9]:[0-5][0-9]'), -- local HH:MM; NULL = no reminder
  created_at    TEXT NOT NULL,
  archived_at   TEXT
);
INSERT INTO habits_v2 (id, name, freq_num, freq_den, created_at, archived_at)
  SELECT id, name, freq_num, freq_den, created_at, archived_at FROM habits;
CREATE TABLE habit_checkins_v2 (
  id         INTEGER PRIMARY KEY,
  habit_id   INTEGER NOT NULL REFERENCES habits_v2 (id) ON DELETE CASCADE,
  day        TEXT NOT NULL,
  kind       TEXT NOT NULL DEFAULT 'done' CHECK (kind IN ('done', 'skip')),
  note       TEXT,
  created_at TEXT NOT NULL,
  UNIQUE (habit_id, day)
);
INSERT INTO habit_checkins_v2 (id, habit_id, day, kind, note, created_at)
  SELECT id, habit_id, day, 'done', note, created_at FROM habit_checkins;
DROP TABLE habit_checkins;
DROP TABLE habits;
ALTER TABLE habits_v2 RENAME TO habits;
ALTER TABLE habit_checkins_v2 RENAME TO habit_checkins;
CREATE UNIQUE INDEX habits_active_name ON habits (name COLLATE NOCASE) WHERE archived_at IS NULL;
CREATE TABLE habit_reminders (
  habit_id   INTEGER NOT NULL REFERENCES habits (id) ON DELETE CASCADE,
  day        TEXT NOT NULL,
  channel    TEXT NOT NULL,                                                 -- signal | repl
  status     TEXT NOT NULL CHECK (status IN ('sending', 'sent', 'queued', 'failed', 'shown')),
  detail     TEXT,                                                          -- why it is queued
  created_at TEXT NOT NULL,
  PRIMARY KEY (habit_id, day)
);
`;

/*
 * 003 takes Loop Habit Tracker's whole range of frequencies (any `num` times
 * every `den` days, num <= den: "every 5 days" is 1/5, "2 times every 3 days"
 * 2/3), and an import key that names where an imported habit came from, so
 * that importing the same file twice adds nothing. The tables are rebuilt as
 * in 002 (a CHECK cannot change in place), child tables first.
 */
const ANY_FREQUENCY_AND_IMPORT_KEYS = `
CREATE TABLE habits_v3 (
  id            INTEGER PRIMARY KEY,
  name          TEXT NOT NULL,
  freq_num      INTEGER NOT NULL DEFAULT 1 CHECK (freq_num >= 1),
  freq_den      INTEGER NOT NULL DEFAULT 1 CHECK (freq_den BETWEEN 1 AND 366 AND freq_num <= freq_den),
  weekdays      INTEGER CHECK (weekdays BETWEEN 1 AND 127),            -- bit mask, Monday = 1 ... Sunday = 64; NULL = any day
  reminder_time TEXT CHECK (reminder_time GLOB '[0-2][0-9]:[0-5][0-9]'), -- local HH:MM; NULL = no reminder
  created_at    TEXT NOT NULL,
  archived_at   TEXT,
  import_key    TEXT UNIQUE                                             -- where an imported habit came from, e.g. loop:<uuid>
);
INSERT INTO habits_v3 (id, name, freq_num, freq_den, weekdays, reminder_time, created_at, archived_at)
  SELECT id, name, freq_num, freq_den, weekdays, reminder_time, created_at, archived_at FROM habits;
CREATE TABLE habit_checkins_v3 (
  id         INTEGER PRIMARY KEY,
  habit_id   INTEGER NOT NULL REFERENCES habits_v3 (id) ON DELETE CASCADE,
  day        TEXT NOT NULL,
  kind       TEXT NOT NULL DEFAULT 'done' CHECK (kind IN ('done', 'skip')),
  note       TEXT,
  created_at TEXT NOT NULL,
  UNIQUE (habit_id, day)
);
INSERT INTO habit_checkins_v3 (id, habit_id, day, kind, note, created_at)
  SELECT id, habit_id, day, kind, note, created_at FROM habit_checkins;
CREATE TABLE habit_reminders_v3 (
  habit_id   INTEGER NOT NULL REFERENCES habits_v3 (id) ON DELETE CASCADE,
  day        TEXT NOT NULL,
  channel    TEXT NOT NULL,
  status     TEXT NOT NULL CHECK (status IN ('sending', 'sent', 'queued', 'failed', 'shown')),
  detail     TEXT,
  created_at TEXT NOT NULL,
  PRIMARY KEY (habit_id, day)
);
INSERT INTO habit_reminders_v3 SELECT habit_id, day, channel, status, detail, created_at FROM habit_reminders;
DROP TABLE habit_checkins;
DROP TABLE habit_reminders;
DROP TABLE habits;
ALTER TABLE habits_v3 RENAME TO habits;
ALTER TABLE habit_checkins_v3 RENAME TO habit_checkins;
ALTER TABLE habit_reminders_v3 RENAME TO habit_reminders;
CREATE UNIQUE INDEX habits_active_name ON habits (name COLLATE NOCASE) WHERE archived_at IS NULL;
`;

/** Migrations of the habits plugin, oldest first. */
export const HABIT_MIGRATIONS: readonly PluginMigration[] = [
  { id: '001_create_habits', sql: CREATE_HABITS },
  { id: '002_frequencies_skips_reminders', sql: WIDEN_FREQUENCIES_ADD_SKIPS_AND_REMINDERS },
  { id: '003_any_frequency_import_keys', sql: ANY_FREQUENCY_AND_IMPORT_KEYS },
];
