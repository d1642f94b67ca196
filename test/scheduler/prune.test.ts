import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/shared/database.js';
import { applyMigrations, readCoreMigrations } from '../../src/memory/migrations.js';
import { Scheduler } from '../../src/scheduler/scheduler.js';
import { silentLogger } from '../../src/shared/log.js';
import { manualClock, temporaryDataDir } from '../support/steward.js';

describe('job run records', () => {
  const cleanups: Array<() => void> = [];
  afterEach(() => cleanups.splice(0).forEach((cleanup) => cleanup()));

  it("prunes old successful and skipped runs, keeping errors and each job's latest run", () => {
    const { dataDir, remove } = temporaryDataDir();
    const database = openDatabase(dataDir);
    cleanups.push(() => {
      database.close();
      remove();
    });
    applyMigrations(database, readCoreMigrations());
    const insert = database.prepare(
      'INSERT INTO job_runs (job, scheduled_for, started_at, finished_at, status) VALUES (?, ?, ?, ?, ?)',
    );
    insert.run(
      'habits:reminders',
      '2026-09-01T07:00:00.000Z',
      '2026-09-01T07:00:00.000Z',
      '2026-09-01T07:00:01.000Z',
      'ok',
    );
    insert.run(
      'habits:reminders',
      '2026-09-01T07:01:00.000Z',
      '2026-09-01T07:01:00.000Z',
      '2026-09-01T07:01:01.000Z',
      'skipped',
    );
    insert.run(
      'habits:reminders',
      '2026-09-01T07:02:00.000Z',
      '2026-09-01T07:02:00.000Z',
      '2026-09-01T07:02:01.000Z',
      'error',
    );
    insert.run(
      'habits:reminders',
      '2026-11-21T07:00:00.000Z',
      '2026-11-21T07:00:00.000Z',
      '2026-11-21T07:00:01.000Z',
      'ok',
    );
    insert.run(
      'briefings:weekly',
      '2026-08-30T18:00:00.000Z',
      '2026-08-30T18:00:00.000Z',
      '2026-08-30T18:00:05.000Z',
      'ok',
    );
    const scheduler = new Scheduler({ database, timeZone: 'UTC', clock: manualClock(), log: silentLogger() });
    expect(scheduler.prune(new Date('2026-10-22T00:00:00Z'))).toBe(2);
    const left = database.prepare('SELECT job, scheduled_for, status FROM job_runs ORDER BY id').all();
    expect(left).toEqual([
      { job: 'habits:reminders', scheduled_for: '2026-09-01T07:02:00.000Z', status: 'error' },
      { job: 'habits:reminders', scheduled_for: '2026-11-21T07:00:00.000Z', status: 'ok' },
      { job: 'briefings:weekly', scheduled_for: '2026-08-30T18:00:00.000Z', status: 'ok' },
    ]);
  });
});
