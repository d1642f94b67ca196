import Table from 'cli-table3';
import { concurrentProcesses } from './concurrency.js';
import { fullDisk } from './full-disk.js';
import { fuzzRepl, fuzzRun } from './fuzz-lines.js';
import { killDuringDelivery } from './kill-delivery.js';
import { hostileSignal } from './signal-events.js';
import { closeServers, startServers, type Outcome, type Servers } from './world.js';

/**
 * `pnpm chaos`: the hostile run of issue 10 as a program, kept out of
 * `pnpm test`. Each scenario attacks the built CLI and daemon and counts
 * what went wrong; the table is the result, and the exit code is 1 when
 * anything crashed, was lost, leaked, or was sent twice outside the
 * documented lease case. `CHAOS_SCALE` (default 1) multiplies the counts,
 * `CHAOS_SEED` (default 10) picks the fuzzed lines, `CHAOS_ONLY` runs the
 * scenarios whose names contain it. See bench/README.md.
 */

const scale = Number(process.env.CHAOS_SCALE ?? 1);
const seed = Number(process.env.CHAOS_SEED ?? 10);
const only = process.env.CHAOS_ONLY;

const SCENARIOS: ReadonlyArray<{ name: string; run: (servers: Servers) => Promise<Outcome | Outcome[]> }> = [
  { name: 'fuzz run', run: (servers) => fuzzRun(servers, Math.round(40 * scale), seed) },
  { name: 'fuzz repl', run: (servers) => fuzzRepl(servers, Math.round(400 * scale), seed) },
  { name: 'signal', run: (servers) => hostileSignal(servers, Math.round(scale * 10), seed) },
  { name: 'kill', run: (servers) => killDuringDelivery(servers, Math.max(1, Math.round(2 * scale))) },
  { name: 'concurrent', run: (servers) => concurrentProcesses(servers, Math.max(2, Math.round(5 * scale))) },
  { name: 'full disk', run: (servers) => fullDisk(servers, Math.round(40 * scale)) },
];

async function main(): Promise<number> {
  const servers = await startServers();
  const outcomes: Outcome[] = [];
  const started = Date.now();
  try {
    for (const scenario of SCENARIOS) {
      if (only !== undefined && !scenario.name.includes(only)) continue;
      process.stderr.write(`chaos: ${scenario.name}…\n`);
      const scenarioStarted = Date.now();
      try {
        const result = await scenario.run(servers);
        for (const outcome of Array.isArray(result) ? result : [result])
          outcomes.push({
            ...outcome,
            note: `${outcome.note} (${((Date.now() - scenarioStarted) / 1000).toFixed(1)} s)`,
          });
      } catch (error) {
        outcomes.push({
          name: scenario.name,
          tried: 0,
          crashed: 1,
          lost: 0,
          duplicated: 0,
          leaked: 0,
          note: `the scenario itself failed: ${error instanceof Error ? error.message : String(error)}`,
        });
      }
    }
  } finally {
    await closeServers(servers);
  }
  const table = new Table({ head: ['scenario', 'tried', 'crashed', 'lost', 'duplicated', 'leaked', 'note'] });
  for (const outcome of outcomes)
    table.push([
      outcome.name,
      outcome.tried,
      outcome.crashed,
      outcome.lost,
      outcome.duplicated,
      outcome.leaked,
      outcome.note,
    ]);
  const total = (key: 'tried' | 'crashed' | 'lost' | 'duplicated' | 'leaked'): number =>
    outcomes.reduce((sum, outcome) => sum + outcome[key], 0);
  table.push(['total', total('tried'), total('crashed'), total('lost'), total('duplicated'), total('leaked'), '']);
  process.stdout.write(`${table.toString()}\n`);
  // The one duplicate allowed: a send Signal accepted just before the crash (see docs/daemon.md).
  const unexplained = outcomes
    .filter((outcome) => !outcome.name.includes('lease case'))
    .reduce((sum, outcome) => sum + outcome.duplicated, 0);
  const bad = total('crashed') + total('lost') + total('leaked') + unexplained;
  process.stdout.write(
    `${bad === 0 ? 'chaos: nothing crashed, was lost or leaked' : `chaos: ${bad} problem(s)`}; seed ${seed}, scale ${scale}, ${((Date.now() - started) / 1000).toFixed(0)} s.\n`,
  );
  return bad === 0 ? 0 : 1;
}

process.exitCode = await main();
