import {
  cpSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
  openSync,
  readSync,
  closeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, temporaryDataDir } from '../support/steward.js';

/**
 * Loop Habit Tracker in and out, through the built CLI, with Loop's own
 * test files (iSoron/uhabits 5aa8744e, uhabits-core/assets/test/, in
 * ../shared/data/loop/; never copied into this repository):
 * - `loop.db`, a backup of schema version 12 (no `value` column), whose
 *   `Streak` table holds the streaks Loop itself computed then;
 * - `csv_export/`, whose `Scores.csv` and `Checkmarks.csv` are the habit
 *   strength and the computed days Loop itself wrote.
 */

const LOOP = join(process.cwd(), '..', 'shared', 'data', 'loop');
const LOOP_DB = join(LOOP, 'loop.db');
const LOOP_CSV = join(LOOP, 'csv_export');

interface StreakJson {
  start: string;
  end: string;
  length: number;
}
interface HabitStatsJson {
  id: number;
  name: string;
  frequency: { num: number; den: number };
  streaks: StreakJson[];
  checkIns: number;
  skips: number;
}

function csvRows(file: string): string[][] {
  return readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((line) => line.split(','));
}

describe('Loop Habit Tracker import and export (the built CLI, Loop’s own files)', () => {
  const cleanups: Array<() => void> = [];
  afterAll(() => cleanups.forEach((cleanup) => cleanup()));
  function dataDir(): string {
    const { dataDir: directory, remove } = temporaryDataDir();
    cleanups.push(remove);
    return directory;
  }
  async function stats(env: Record<string, string>, habit = ''): Promise<HabitStatsJson[]> {
    const result = await runCli(['run', '--json', `habit stats ${habit}`.trim()], { env });
    expect(result.code, result.stderr).toBe(0);
    return (JSON.parse(result.stdout) as { data: { habits: HabitStatsJson[] } }).data.habits;
  }

  describe('a backup of the older schema (version 12)', () => {
    const env = { STEWARD_DATA_DIR: '', STEWARD_TIMEZONE: 'UTC' };
    let first: { code: number | null; stdout: string; stderr: string };
    beforeAll(async () => {
      env.STEWARD_DATA_DIR = dataDir();
      first = await runCli(['import', LOOP_DB, '--no-embed'], { env });
    });

    it('brings in every habit with its frequency and every check-in', async () => {
      expect(first.code, first.stderr).toBe(0);
      expect(first.stdout).toContain('9 habits, 164 check-ins');
      const habits = await stats(env, '');
      expect(habits.map((habit) => habit.name)).toEqual([
        'Wake up early',
        'brush teeth',
        'Sleep early',
        'Vegan',
        'Sport',
        'I love you',
        // Loop allows two habits with one name; steward's active names are unique.
        'Vegan (2)',
        'Sport (2)',
        'I love you (2)',
      ]);
      expect(habits.map((habit) => `${habit.frequency.num}/${habit.frequency.den}`)).toEqual([
        '3/7',
        '3/7',
        '1/5',
        '1/1',
        '1/1',
        '1/1',
        '1/1',
        '1/1',
        '1/1',
      ]);
      expect(habits.reduce((sum, habit) => sum + habit.checkIns, 0)).toBe(164);
      // Loop's ImportTest.testLoopDB: "Wake up early" is checked on 2016-03-14 and 03-16, not 03-17.
      const out = mkdtempSync(join(tmpdir(), 'steward-loop-db-csv-'));
      cleanups.push(() => rmSync(out, { recursive: true, force: true }));
      expect((await runCli(['export', '--format', 'loop-csv', '-o', out], { env })).code).toBe(0);
      const checked = new Map(csvRows(join(out, '001 Wake up early', 'Checkmarks.csv')).map((row) => [row[0], row[1]]));
      expect([checked.get('2016-03-14'), checked.get('2016-03-16'), checked.get('2016-03-17')]).toEqual([
        'YES_MANUAL',
        'YES_MANUAL',
        'YES_AUTO',
      ]);
    });

    it('gives the daily habits the streaks Loop stored for the same check-ins', async () => {
      const loop = new BetterSqlite3(LOOP_DB, { readonly: true });
      const stored = (habit: number): StreakJson[] =>
        loop
          .prepare<[number], { start: number; end: number; length: number }>(
            'SELECT start, "end", length FROM Streak WHERE habit = ? ORDER BY start',
          )
          .all(habit)
          .map((row) => ({
            start: new Date(row.start).toISOString().slice(0, 10),
            end: new Date(row.end).toISOString().slice(0, 10),
            length: row.length,
          }));
      // Habits 21 and 24 ("Vegan") are daily; Loop kept their streaks in the backup's Streak table.
      expect(stored(21).length).toBeGreaterThan(5);
      expect((await stats(env, 'vegan'))[0]?.streaks).toEqual(stored(21));
      expect((await stats(env, 'vegan (2)'))[0]?.streaks).toEqual(stored(24));
      loop.close();
    });

    it('adds nothing when the same backup is imported again', async () => {
      const again = await runCli(['import', LOOP_DB, '--json', '--no-embed'], { env });
      expect(again.code, again.stderr).toBe(0);
      expect((JSON.parse(again.stdout) as { added: Record<string, number> }).added).toEqual({
        habits: 0,
        checkIns: 0,
        skips: 0,
      });
      expect((await stats(env)).length).toBe(9);
    });
  });

  describe('a CSV export', () => {
    const env = { STEWARD_DATA_DIR: '', STEWARD_TIMEZONE: 'UTC' };
    let out: string;
    beforeAll(async () => {
      env.STEWARD_DATA_DIR = dataDir();
      const imported = await runCli(['import', LOOP_CSV, '--no-embed'], { env });
      expect(imported.code, imported.stderr).toBe(0);
      expect(imported.stdout).toContain('2 habits, 6 check-ins');
      // Loop's notes on days that were neither a check-in nor a skip cannot be kept: it says so.
      expect(imported.stderr).toContain('Wake up early: 3 notes on days without a check-in or skip left out');
      out = mkdtempSync(join(tmpdir(), 'steward-loop-csv-'));
      cleanups.push(() => rmSync(out, { recursive: true, force: true }));
      const exported = await runCli(['export', '--format', 'loop-csv', '-o', out], { env });
      expect(exported.code, exported.stderr).toBe(0);
    });

    it("writes, for every day of Loop's own Scores.csv, the same habit strength", () => {
      for (const file of ['Scores.csv', join('002 Wake up early', 'Scores.csv')]) {
        const ours = new Map(csvRows(join(out, file)).map((row) => [row[0], row.slice(1)]));
        const loops = csvRows(join(LOOP_CSV, file));
        expect(ours.get('Date')).toEqual(loops[0]?.slice(1));
        for (const row of loops.slice(1)) expect([row[0], ...(ours.get(row[0] ?? '') ?? [])]).toEqual(row);
      }
      // A habit with no check-ins: one row, today's, at 0 (Loop's file has its own today, 2015-01-25).
      const meditate = csvRows(join(out, '001 Meditate', 'Scores.csv'));
      expect(meditate.map((row) => row[1])).toEqual(
        csvRows(join(LOOP_CSV, '001 Meditate', 'Scores.csv')).map((row) => row[1]),
      );
    });

    it("computes the same days as Loop's Checkmarks.csv (a missed day is UNKNOWN: steward keeps no NO)", () => {
      const ours = new Map(csvRows(join(out, 'Checkmarks.csv')).map((row) => [row[0], row.slice(1)]));
      const loops = csvRows(join(LOOP_CSV, 'Checkmarks.csv'));
      for (const row of loops.slice(1))
        expect([row[0], ...(ours.get(row[0] ?? '') ?? [])]).toEqual(
          row.map((cell) => (cell === 'NO' ? 'UNKNOWN' : cell)),
        );
      const habits = csvRows(join(out, 'Habits.csv'));
      expect(habits.map((row) => [row[0], row[1], row[5], row[6], row[11]])).toEqual(
        csvRows(join(LOOP_CSV, 'Habits.csv')).map((row) => [row[0], row[1], row[5], row[6], row[11]]),
      );
    });

    it("has the streaks of Loop's computed days", async () => {
      // Loop's StreakList: runs of consecutive days whose computed value is positive (YES_MANUAL, YES_AUTO, SKIP).
      const days = csvRows(join(LOOP_CSV, '002 Wake up early', 'Checkmarks.csv'))
        .slice(1)
        .filter((row) => ['YES_MANUAL', 'YES_AUTO', 'SKIP'].includes(row[1] ?? ''))
        .map((row) => row[0] as string)
        .sort();
      const streaks: StreakJson[] = [];
      for (const day of days) {
        const last = streaks[streaks.length - 1];
        const next = last === undefined ? '' : new Date(Date.parse(last.end) + 86_400_000).toISOString().slice(0, 10);
        if (last !== undefined && next === day) {
          last.end = day;
          last.length += 1;
        } else streaks.push({ start: day, end: day, length: 1 });
      }
      expect(streaks.length).toBe(2);
      expect((await stats(env, 'wake up early'))[0]?.streaks).toEqual(streaks);
    });

    it('reads back its own CSV export as the same habits, adding nothing to them', async () => {
      const again = await runCli(['import', out, '--json', '--no-embed'], { env });
      expect(again.code, again.stderr).toBe(0);
      expect(JSON.parse(again.stdout)).toMatchObject({ format: 'loop-csv', added: { checkIns: 0, skips: 0 } });
    });
  });

  describe('a malformed or truncated file adds nothing and says why', () => {
    it('names the line of a bad value in a CSV export, and keeps the database as it was', async () => {
      const env = { STEWARD_DATA_DIR: dataDir(), STEWARD_TIMEZONE: 'UTC' };
      const folder = mkdtempSync(join(tmpdir(), 'steward-loop-bad-'));
      cleanups.push(() => rmSync(folder, { recursive: true, force: true }));
      cpSync(LOOP_CSV, folder, { recursive: true });
      const file = join(folder, '002 Wake up early', 'Checkmarks.csv');
      const lines = readFileSync(file, 'utf8').split('\n');
      lines[4] = '2015-01-22,MAYBE,';
      writeFileSync(file, lines.join('\n'));
      const result = await runCli(['import', folder], { env });
      expect(result.code).toBe(1);
      expect(result.stderr.trim()).toBe(
        `steward: ${file}, line 5: "MAYBE" is not a Loop value (YES_MANUAL, YES_AUTO, NO, SKIP or UNKNOWN)`,
      );
      // Meditate (the first habit, read fine) was not written either: one transaction, all or nothing.
      expect((await stats(env)).length).toBe(0);
    });

    it('refuses a backup cut short, naming the file', async () => {
      const env = { STEWARD_DATA_DIR: dataDir(), STEWARD_TIMEZONE: 'UTC' };
      const folder = mkdtempSync(join(tmpdir(), 'steward-loop-cut-'));
      cleanups.push(() => rmSync(folder, { recursive: true, force: true }));
      const cut = join(folder, 'loop.db');
      const size = statSync(LOOP_DB).size;
      const head = Buffer.alloc(Math.floor(size / 2));
      const handle = openSync(LOOP_DB, 'r');
      readSync(handle, head, 0, head.length, 0);
      closeSync(handle);
      writeFileSync(cut, head);
      const result = await runCli(['import', cut, '--format', 'loop-db'], { env });
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(new RegExp(`^steward: ${cut}: (is damaged or truncated|cannot be read)`));
      expect((await stats(env)).length).toBe(0);
    });
  });
});
