import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Table from 'cli-table3';
import { Steward } from '../src/app/steward.js';
import { loadConfig } from '../src/config/load.js';
import { fromRoot } from '../src/shared/paths.js';
import { startSignalServer, type SignalServer } from '../test/support/signal-server.js';
import { percentile } from './lib/stats.js';

/**
 * `pnpm bench daemon`: the daemon's start-up and shutdown against a bare
 * `node -e 0`, and a Signal round trip (a message on the signal-cli SSE
 * stream → inbox → the command pipeline → outbox → `POST /api/v1/rpc`)
 * against the same command through `steward.handle()` in-process, all
 * measured in the same run against the fake signal-cli of test/support.
 * Target from ARCHITECTURE.md: the daemon is ready ≤ 1 s after launch.
 */

const OWNER = '+15551112222';
const ACCOUNT = '+15550000000';
const COMMAND = 'habit stats meditation';

function millisecondsSince(started: bigint): number {
  return Number(process.hrtime.bigint() - started) / 1e6;
}

/** Run a process to its end; resolves with its wall time in ms. */
function timeProcess(args: string[], env: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, args, { env: { PATH: process.env.PATH ?? '', ...env }, stdio: 'ignore' });
    child.on('close', (code) =>
      code === 0 ? resolve(millisecondsSince(started)) : reject(new Error(`${args.join(' ')} exited ${code}`)),
    );
  });
}

/** Launch `steward daemon`, time it to its "ready" line, then SIGTERM and time the graceful stop. */
function timeDaemon(env: Record<string, string>): Promise<{ ready: number; stop: number }> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, [fromRoot('bin', 'steward.js'), 'daemon'], {
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let ready = 0;
    let stopping = 0n;
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (ready === 0 && stdout.includes('ready')) {
        ready = millisecondsSince(started);
        stopping = process.hrtime.bigint();
        child.kill('SIGTERM');
      }
    });
    child.on('close', (code) =>
      code === 0 && ready > 0
        ? resolve({ ready, stop: millisecondsSince(stopping) })
        : reject(new Error(`steward daemon exited ${code}: ${stdout}`)),
    );
  });
}

/** Push the command as the owner and time until the reply reaches the fake signal-cli. */
async function timeRoundTrip(signal: SignalServer): Promise<number> {
  const reply = signal.nextSent();
  const started = process.hrtime.bigint();
  signal.pushEnvelope(signal.incoming(OWNER, COMMAND), ACCOUNT);
  await reply;
  return millisecondsSince(started);
}

async function main(): Promise<void> {
  const iterations = Number(process.env.BENCH_ITERATIONS ?? 10);
  const messages = Number(process.env.BENCH_MESSAGES ?? 50);
  const signal = await startSignalServer({ keepAliveMs: 15_000 });
  const dataDir = mkdtempSync(join(tmpdir(), 'steward-bench-daemon-'));
  const configFile = join(dataDir, 'bench-config.json');
  writeFileSync(configFile, JSON.stringify({ briefings: { morning: { enabled: false }, weekly: { enabled: false } } }));
  const env = {
    STEWARD_DATA_DIR: dataDir,
    STEWARD_CONFIG: configFile,
    STEWARD_TIMEZONE: 'UTC',
    STEWARD_SIGNAL_URL: signal.url,
    STEWARD_SIGNAL_ACCOUNT: ACCOUNT,
    STEWARD_SIGNAL_TO: OWNER,
  };
  const steward = fromRoot('bin', 'steward.js');
  await timeProcess([steward, 'run', 'add habit meditation daily'], env);

  const bare: number[] = [];
  const ready: number[] = [];
  const stop: number[] = [];
  for (let index = 0; index < iterations; index += 1) {
    bare.push(await timeProcess(['-e', '0'], env));
    const daemon = await timeDaemon(env);
    ready.push(daemon.ready);
    stop.push(daemon.stop);
  }

  // The peer of the round trip: the same command through the one pipeline, in-process.
  const peerDir = mkdtempSync(join(tmpdir(), 'steward-bench-handle-'));
  const inProcess = await Steward.open({
    config: loadConfig({ env: { STEWARD_DATA_DIR: peerDir, STEWARD_TIMEZONE: 'UTC' }, readLocalFile: false }),
  });
  const message = { channel: 'signal' as const, sender: OWNER, text: COMMAND, receivedAt: new Date() };
  await inProcess.handle({ ...message, text: 'add habit meditation daily' });
  const handled: number[] = [];
  for (let index = 0; index < messages; index += 1) {
    const started = process.hrtime.bigint();
    await inProcess.handle(message);
    handled.push(millisecondsSince(started));
  }
  await inProcess.close();

  const daemon = spawn(process.execPath, [steward, 'daemon'], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: 'ignore',
  });
  await new Promise<void>((resolve) => {
    const check = setInterval(() => {
      if (signal.eventClients > 0) {
        clearInterval(check);
        resolve();
      }
    }, 10);
  });
  const roundTrips: number[] = [];
  await timeRoundTrip(signal);
  for (let index = 0; index < messages; index += 1) roundTrips.push(await timeRoundTrip(signal));
  daemon.kill('SIGTERM');
  await new Promise((resolve) => daemon.on('close', resolve));
  await signal.close();
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(peerDir, { recursive: true, force: true });

  const table = new Table({
    head: ['what', 'p50 ms', 'p95 ms', 'ratio (p50)', 'target'],
    style: { head: [], border: [] },
  });
  const bareP50 = percentile(bare, 0.5);
  const handledP50 = percentile(handled, 0.5);
  const row = (name: string, samples: number[], peer: number, peerName: string, target = ''): void => {
    const p50 = percentile(samples, 0.5);
    table.push([
      name,
      p50.toFixed(1),
      percentile(samples, 0.95).toFixed(1),
      peer === 0 ? '1.00' : `${(p50 / peer).toFixed(2)} × ${peerName}`,
      target,
    ]);
  };
  row('peer: node -e 0 (whole process)', bare, 0, '');
  row('steward daemon: launch → ready', ready, bareP50, 'bare node', '≤ 1000 ms');
  row('steward daemon: SIGTERM → exit (idle)', stop, bareP50, 'bare node');
  row(`peer: steward.handle("${COMMAND}") in-process`, handled, 0, '');
  row('Signal round trip: SSE event → reply sent', roundTrips, handledP50, 'handle()');
  process.stdout.write(
    `daemon, ${iterations} launches and ${messages} messages, Node ${process.version}\n${table.toString()}\n`,
  );
}

await main();
