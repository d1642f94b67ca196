import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Table from 'cli-table3';
import { analyseHabit } from '../plugins/habits/report.js';
import { HabitStore } from '../plugins/habits/store.js';
import { createPluginStore } from '../src/plugins/context.js';
import { openDatabase } from '../src/shared/database.js';
import { addDays } from '../src/shared/time.js';
import { fromRoot } from '../src/shared/paths.js';
import { percentile, random } from './lib/stats.js';

/**
 * `pnpm bench habits`: habit commands on a large history (10 habits × 3
 * years of check-ins, ~80 % of days), whole process against a bare
 * `node -e 0`, and in process the Loop computation (computed entries,
 * streaks, strength, rates) of one habit against reading its check-ins from
 * SQLite, measured in the same run. Target: a command-only `steward run`
 * ≤ 300 ms (ARCHITECTURE.md).
 */

const HABITS = 10;
const DAYS = 3 * 365;
const TODAY = '2026-11-21';

function run(args: string[], env: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, args, {
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (code) =>
      code === 0
        ? resolve(Number(process.hrtime.bigint() - started) / 1e6)
        : reject(new Error(`${args.join(' ')} exited ${code}: ${stderr}`)),
    );
  });
}

async function main(): Promise<void> {
  const iterations = Number(process.env.BENCH_ITERATIONS ?? 10);
  const dataDir = mkdtempSync(join(tmpdir(), 'steward-bench-habits-'));
  const env = { STEWARD_DATA_DIR: dataDir, STEWARD_TIMEZONE: 'UTC' };
  const steward = fromRoot('bin', 'steward.js');
  const frequencies = ['daily', '3 times per week', 'on mon,wed,fri', 'weekly', 'twice a month'];
  for (let index = 0; index < HABITS; index += 1)
    await run([steward, 'run', `add habit h${index} ${frequencies[index % frequencies.length]}`], env);
  await run([steward, 'run', 'set goal run a marathon by 2027-05-01'], env);

  const database = openDatabase(dataDir);
  const next = random(42);
  const insert = database.prepare(
    "INSERT INTO habit_checkins (habit_id, day, kind, created_at) VALUES (?, ?, ?, '2026-01-01T00:00:00Z')",
  );
  database.transaction(() => {
    for (let habit = 1; habit <= HABITS; habit += 1) {
      for (let offset = DAYS; offset >= 1; offset -= 1) {
        const draw = next();
        if (draw < 0.8) insert.run(habit, addDays(TODAY, -offset), draw < 0.02 ? 'skip' : 'done');
      }
    }
  })();
  const store = new HabitStore(createPluginStore(database), 'UTC');
  const habit = store.list()[0];
  if (habit === undefined) throw new Error('no habit');

  const processes = [
    { name: 'peer: node -e 0', args: ['-e', '0'] },
    { name: 'steward run "check in h0"', args: [steward, 'run', 'check in h0'] },
    { name: 'steward run "habit stats h0"', args: [steward, 'run', 'habit stats h0'] },
    { name: 'steward run "habit stats" (10 habits)', args: [steward, 'run', 'habit stats'] },
    { name: 'steward run "goal review"', args: [steward, 'run', 'goal review'] },
  ].map((entry) => ({ ...entry, samples: [] as number[] }));
  for (let index = 0; index < iterations; index += 1) {
    for (const entry of processes) entry.samples.push(await run(entry.args, env));
  }

  const rounds = 200;
  const timeIt = (work: () => unknown): number[] => {
    const samples: number[] = [];
    for (let round = 0; round < rounds; round += 1) {
      const started = process.hrtime.bigint();
      work();
      samples.push(Number(process.hrtime.bigint() - started) / 1e3);
    }
    return samples;
  };
  const entries = store.entries(habit.id);
  const read = timeIt(() => store.entries(habit.id));
  const analyse = timeIt(() => analyseHabit(habit, entries, TODAY).rate(90));
  database.close();
  rmSync(dataDir, { recursive: true, force: true });

  const baseline = percentile(processes[0]?.samples ?? [], 0.5);
  const table = new Table({ head: ['what', 'p50', 'p95', '× peer (p50)', 'target'], style: { head: [], border: [] } });
  processes.forEach((entry, index) => {
    const p50 = percentile(entry.samples, 0.5);
    table.push([
      entry.name,
      `${p50.toFixed(0)} ms`,
      `${percentile(entry.samples, 0.95).toFixed(0)} ms`,
      (p50 / baseline).toFixed(2),
      index === 1 ? '≤ 300 ms' : '',
    ]);
  });
  const readP50 = percentile(read, 0.5);
  table.push([
    "peer: read one habit's check-ins (SQLite)",
    `${readP50.toFixed(0)} µs`,
    `${percentile(read, 0.95).toFixed(0)} µs`,
    '1.00',
    '',
  ]);
  table.push([
    'Loop entries + streaks + strength + rates',
    `${percentile(analyse, 0.5).toFixed(0)} µs`,
    `${percentile(analyse, 0.95).toFixed(0)} µs`,
    (percentile(analyse, 0.5) / readP50).toFixed(2),
    '',
  ]);
  process.stdout.write(
    `habits, ${HABITS} habits × ${DAYS} days (${entries.length} entries in h0), ${iterations} process runs and ${rounds} in-process rounds each, Node ${process.version}\n${table.toString()}\n`,
  );
}

await main();
