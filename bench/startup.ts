import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Table from 'cli-table3';
import { fromRoot } from '../src/shared/paths.js';
import { percentile } from './lib/stats.js';

/**
 * `pnpm bench startup`: whole-process start-up times against a bare
 * `node -e 0` measured in the same run (ARCHITECTURE.md targets: a
 * command-only `steward run` ≤ 0.3 s, the REPL ready ≤ 0.5 s).
 */

interface Timing {
  name: string;
  samples: number[];
}

function run(args: string[], env: Record<string, string>, input?: string, untilOutput = false): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, args, {
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      resolve(Number(process.hrtime.bigint() - started) / 1e6);
    };
    if (untilOutput) child.stdout.once('data', finish);
    child.on('close', (code) =>
      code === 0 || untilOutput ? finish() : reject(new Error(`${args.join(' ')} exited ${code}`)),
    );
    child.stdin.end(input ?? '');
  });
}

async function main(): Promise<void> {
  const iterations = Number(process.env.BENCH_ITERATIONS ?? 15);
  const dataDir = mkdtempSync(join(tmpdir(), 'steward-bench-'));
  const env = { STEWARD_DATA_DIR: dataDir, STEWARD_TIMEZONE: 'UTC' };
  const steward = fromRoot('bin', 'steward.js');
  await run([steward, 'run', 'add habit meditation daily'], env);

  const timings: Timing[] = [
    { name: 'peer: node -e 0', samples: [] },
    { name: 'steward run "check in meditation"', samples: [] },
    { name: 'steward (REPL) first piped reply', samples: [] },
  ];
  for (let index = 0; index < iterations; index += 1) {
    timings[0]!.samples.push(await run(['-e', '0'], env));
    timings[1]!.samples.push(await run([steward, 'run', 'check in meditation'], env));
    timings[2]!.samples.push(await run([steward], env, 'help\n', true));
  }
  rmSync(dataDir, { recursive: true, force: true });

  const baseline = percentile(timings[0]!.samples, 0.5);
  const table = new Table({
    head: ['what', 'p50 ms', 'p95 ms', '× bare node (p50)', 'target'],
    style: { head: [], border: [] },
  });
  const targets = ['', '≤ 300 ms', '≤ 500 ms'];
  timings.forEach((timing, index) => {
    const p50 = percentile(timing.samples, 0.5);
    table.push([
      timing.name,
      p50.toFixed(0),
      percentile(timing.samples, 0.95).toFixed(0),
      (p50 / baseline).toFixed(2),
      targets[index] ?? '',
    ]);
  });
  process.stdout.write(`startup, ${iterations} runs each, Node ${process.version}\n${table.toString()}\n`);
}

await main();
