import { afterEach, describe, expect, it } from 'vitest';
import { HABIT_MIGRATIONS } from '../../plugins/habits/migrations.js';
import { GOAL_MIGRATIONS } from '../../plugins/goals/migrations.js';
import { openDatabase } from '../../src/shared/database.js';
import { applyMigrations, readCoreMigrations } from '../../src/memory/migrations.js';
import { manualClock, openTestSteward, temporaryDataDir, type TestSteward } from '../support/steward.js';

describe('upgrading a database from the walking skeleton', () => {
  const cleanups: Array<() => void> = [];
  let opened: TestSteward | undefined;
  afterEach(async () => {
    await opened?.close();
    opened = undefined;
    cleanups.splice(0).forEach((cleanup) => cleanup());
  });

  it('keeps every habit, check-in, goal and progress entry when the 002 migrations run', async () => {
    const { dataDir, remove } = temporaryDataDir();
    cleanups.push(remove);
    // A database as the skeleton left it: only the 001 migrations of each plugin, with rows.
    const old = openDatabase(dataDir);
    applyMigrations(old, readCoreMigrations());
    applyMigrations(old, [{ id: 'habits:001_create_habits', sql: (HABIT_MIGRATIONS[0] as { sql: string }).sql }]);
    applyMigrations(old, [{ id: 'goals:001_create_goals', sql: (GOAL_MIGRATIONS[0] as { sql: string }).sql }]);
    old.exec(`
      INSERT INTO habits (id, name, freq_num, freq_den, created_at) VALUES (1, 'meditation', 1, 1, '2026-11-01T08:00:00.000Z'), (2, 'gym', 3, 7, '2026-11-01T08:00:00.000Z');
      INSERT INTO habits (id, name, freq_num, freq_den, created_at, archived_at) VALUES (3, 'old', 1, 1, '2026-10-01T08:00:00.000Z', '2026-10-10T08:00:00.000Z');
      INSERT INTO habit_checkins (habit_id, day, note, created_at) VALUES
        (1, '2026-11-19', NULL, 'x'), (1, '2026-11-20', 'calm', 'x'), (2, '2026-11-16', NULL, 'x'), (3, '2026-10-02', NULL, 'x');
      INSERT INTO goals (id, title, deadline, progress, created_at, updated_at) VALUES (1, 'run a marathon', '2027-05-01', 30, '2026-11-01T08:00:00.000Z', 'x');
      INSERT INTO goal_progress (goal_id, progress, note, created_at) VALUES (1, 30, 'long run', '2026-11-10T08:00:00.000Z');
    `);
    old.close();

    opened = await openTestSteward({ dataDir, clock: manualClock('2026-11-21T08:00:00Z') });
    const database = opened.steward.database;
    expect(database.prepare("SELECT id FROM schema_migrations WHERE id LIKE '%:002%' ORDER BY id").all()).toEqual([
      { id: 'goals:002_categories_milestones' },
      { id: 'habits:002_frequencies_skips_reminders' },
    ]);
    expect(database.prepare('SELECT habit_id, day, kind, note FROM habit_checkins ORDER BY id').all()).toEqual([
      { habit_id: 1, day: '2026-11-19', kind: 'done', note: null },
      { habit_id: 1, day: '2026-11-20', kind: 'done', note: 'calm' },
      { habit_id: 2, day: '2026-11-16', kind: 'done', note: null },
      { habit_id: 3, day: '2026-10-02', kind: 'done', note: null },
    ]);
    expect(database.prepare('PRAGMA foreign_key_check').all()).toEqual([]);
    expect((await opened.say('check in meditation')).text).toContain('Streak: 3 days');
    expect((await opened.say('habits archived')).text).toBe('old (daily) — archived (#3)');
    expect((await opened.say('update progress marathon +10%')).text).toContain('run a marathon: 40% (was 30%)');
    expect((await opened.say('show goal marathon')).text).toContain('set on 2026-11-01');
    // The cascade still points at the rebuilt table: deleting a habit takes its check-ins.
    expect((await opened.say('delete habit gym')).text).toBe('Deleted gym with its 1 check-in.');
    expect(database.prepare('SELECT COUNT(*) AS n FROM habit_checkins WHERE habit_id = 2').get()).toEqual({ n: 0 });
  });
});
