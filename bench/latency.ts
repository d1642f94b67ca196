import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Table from 'cli-table3';
import OpenAI from 'openai';
import { fromRoot } from '../src/shared/paths.js';
import { startOpenAIServer, type ChatRequest, type OpenAIServer } from '../test/support/openai-server.js';
import { startSignalServer, type SignalServer } from '../test/support/signal-server.js';
import { percentile } from './lib/stats.js';
import { spawnOnTerminal } from './lib/terminal.js';

/**
 * `pnpm bench latency`: steward's time to first token (TTFT) and to the end
 * of the reply, against local OpenAI-compatible test servers
 * (`test/support/openai-server.ts`): one that answers at once and one that
 * waits 100 ms before its first token. Measured, for each server:
 *
 * - the REPL on a terminal (a pseudo-terminal from `script`), the first
 *   message typed `BENCH_IDLE_MS` after the prompt appeared, and the tenth
 *   (`BENCH_GAP_MS` between the end of a reply and the next message): from
 *   the Enter key to the first and the last word of the reply on screen;
 * - a one-shot `steward run` with a model turn, from the launch to its
 *   first and last byte on stdout and to its exit, beside a command-only
 *   `steward run` (the whole process) in the same run;
 * - a Signal message to `steward daemon` (the fake signal-cli of
 *   `test/support/signal-server.ts`), sent `BENCH_IDLE_MS` after the daemon
 *   is ready, and the fifth: from the SSE event to the model server writing
 *   the first token (the reply goes out whole, so the first token is timed
 *   where it is made), and to the reply's `send` at signal-cli.
 *
 * The peer, in the same run, is a direct streaming request to the same
 * server with the `openai` client, in a process that has loaded it and made
 * a request before (this one). steward's overhead is the difference of the
 * p50s. Start-up and import times are reported apart: a bare `node -e 0`,
 * the REPL's launch to prompt, and the model stack's import and first turn,
 * which the REPL and the daemon do in the background (from their logs).
 *
 * Targets (issue 16): TTFT overhead ≤ 50 ms (p50) for the REPL's first and
 * tenth message and for a daemon message; a one-shot model turn's first
 * byte ≤ 200 ms after a command-only run's whole time, and its exit ≤ 200 ms
 * after its last byte.
 *
 * Environment: `BENCH_ITERATIONS` (default 5): REPL sessions, daemon launches
 * and one-shot pairs per server; `BENCH_IDLE_MS` (default 3000);
 * `BENCH_GAP_MS` (default 1000).
 */

const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 5);
const IDLE_MS = Number(process.env.BENCH_IDLE_MS ?? 3000);
const GAP_MS = Number(process.env.BENCH_GAP_MS ?? 1000);
const REPL_TURNS = 10;
const DAEMON_MESSAGES = 5;
const PEER_SAMPLES = 30;
const MODEL = 'bench-model';
const OWNER = '+15551112222';
const ACCOUNT = '+15550000000';
/** The answer to every chat turn, streamed word by word; its first and last words mark it on screen. */
const ANSWER = 'Certainly: this is the answer of the benchmark server, streamed word by word.';
const FIRST_WORD = 'Certainly:';
const LAST_WORDS = 'word by word.';

/** One turn's times, in ms from the message (or the launch, for `steward run`). */
interface Turn {
  /** To the first token: on screen (REPL), on stdout (`steward run`), or written by the model server (daemon). */
  ttft: number;
  /** To the end of the reply. */
  end: number;
  /** To the model server writing the first token. */
  server?: number;
}

/** A test server with the instants (hrtime ns) at which it started streaming a chat answer. */
interface BenchServer {
  name: string;
  server: OpenAIServer;
  answeredAt: bigint[];
}

function msSince(start: bigint, end = process.hrtime.bigint()): number {
  return Number(end - start) / 1e6;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * The server's answer: valid structured output for steward's background
 * work (fact extraction, episode summaries), which runs after replies as it
 * does for the owner, and {@link ANSWER} for chat turns, whose start is
 * recorded (the test server calls `respond` after its delay, just before it
 * writes the first token).
 */
function benchReply(answeredAt: bigint[]): (request: ChatRequest) => { content: string } {
  return (request) => {
    const format = request.response_format as { json_schema?: { name?: string } } | undefined;
    if (format?.json_schema?.name === 'extracted_facts') return { content: '{"facts": []}' };
    if (format?.json_schema?.name === 'episode_summary')
      return {
        content: JSON.stringify({
          summary: 'A benchmark conversation.',
          topics: ['benchmark'],
          sentiment: 'neutral',
          actions: [],
          followups: [],
        }),
      };
    answeredAt.push(process.hrtime.bigint());
    return { content: ANSWER };
  };
}

async function startBenchServer(name: string, delayMs: number): Promise<BenchServer> {
  const answeredAt: bigint[] = [];
  const server = await startOpenAIServer({ model: MODEL, respond: benchReply(answeredAt) });
  server.chatDelayMs = delayMs;
  return { name, server, answeredAt };
}

/** The peer: a streamed request with the openai client, already loaded and used; TTFT at the client and at the server. */
async function peerTurns(bench: BenchServer): Promise<{ client: Turn[]; server: number[] }> {
  const client = new OpenAI({ baseURL: bench.server.url, apiKey: 'bench', maxRetries: 0 });
  const one = async (): Promise<{ turn: Turn; server: number }> => {
    const started = process.hrtime.bigint();
    const before = bench.answeredAt.length;
    let ttft: number | undefined;
    const stream = await client.chat.completions.create({
      model: MODEL,
      stream: true,
      messages: [{ role: 'user', content: 'hello there, how are you?' }],
    });
    for await (const chunk of stream) if (chunk.choices[0]?.delta?.content) ttft ??= msSince(started);
    const end = msSince(started);
    return { turn: { ttft: ttft ?? end, end }, server: msSince(started, bench.answeredAt[before] ?? started) };
  };
  for (let index = 0; index < 3; index += 1) await one();
  const turns: Turn[] = [];
  const server: number[] = [];
  for (let index = 0; index < PEER_SAMPLES; index += 1) {
    const sample = await one();
    turns.push(sample.turn);
    server.push(sample.server);
  }
  return { client: turns, server };
}

/** One REPL session on a terminal: launch to prompt, the first and the tenth message. */
async function replSession(
  bench: BenchServer,
  env: Record<string, string>,
): Promise<{ prompt: number; first: Turn; tenth: Turn }> {
  const launched = process.hrtime.bigint();
  const terminal = spawnOnTerminal([process.execPath, fromRoot('bin', 'steward.js'), 'chat'], env);
  const prompt = msSince(launched, await terminal.waitFor('\u203a ', 0));
  await sleep(IDLE_MS);
  const turns: Turn[] = [];
  for (let index = 1; index <= REPL_TURNS; index += 1) {
    const from = terminal.output.length;
    const before = bench.answeredAt.length;
    const sent = process.hrtime.bigint();
    terminal.type(`hello there, how are you? (message ${index})\r`);
    const first = await terminal.waitFor(FIRST_WORD, from);
    const last = await terminal.waitFor(LAST_WORDS, from);
    const server = msSince(sent, bench.answeredAt[before] ?? sent);
    turns.push({ ttft: msSince(sent, first), end: msSince(sent, last), server });
    await sleep(GAP_MS);
  }
  terminal.type('\x04');
  await terminal.exited;
  return { prompt, first: turns[0]!, tenth: turns[REPL_TURNS - 1]! };
}

/** A `steward run`: from the launch to the first and last byte on stdout, and to the exit. */
function runOnce(
  text: string,
  env: Record<string, string>,
): Promise<{ firstByte: number; lastByte: number; exit: number }> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, [fromRoot('bin', 'steward.js'), 'run', text], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let firstByte: number | undefined;
    let lastByte = 0;
    let stderr = '';
    child.stdout.on('data', () => {
      lastByte = msSince(started);
      firstByte ??= lastByte;
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (code) => {
      const exit = msSince(started);
      if (code !== 0) reject(new Error(`steward run "${text}" exited ${code}: ${stderr}`));
      else resolve({ firstByte: firstByte ?? exit, lastByte, exit });
    });
  });
}

/** One daemon launch: the first message after `BENCH_IDLE_MS` of quiet, then more, one at a time. */
async function daemonSession(
  bench: BenchServer,
  signal: SignalServer,
  env: Record<string, string>,
): Promise<{ first: Turn; later: Turn }> {
  const daemon = spawn(process.execPath, [fromRoot('bin', 'steward.js'), 'daemon'], { env, stdio: 'pipe' });
  let stdout = '';
  daemon.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  daemon.stderr.resume();
  const closed = new Promise((resolve) => daemon.on('close', resolve));
  while (!stdout.includes('ready') || signal.eventClients === 0) {
    if (daemon.exitCode !== null) throw new Error(`steward daemon exited: ${stdout}`);
    await sleep(10);
  }
  await sleep(IDLE_MS);
  const turns: Turn[] = [];
  for (let index = 1; index <= DAEMON_MESSAGES; index += 1) {
    const before = bench.answeredAt.length;
    const reply = signal.nextSent();
    const sent = process.hrtime.bigint();
    signal.pushEnvelope(signal.incoming(OWNER, `hello there, how are you? (message ${index})`), ACCOUNT);
    const message = await reply;
    const end = msSince(sent);
    if (!message.message.includes(LAST_WORDS)) throw new Error(`unexpected reply on Signal: ${message.message}`);
    turns.push({ ttft: msSince(sent, bench.answeredAt[before] ?? sent), end });
    await sleep(GAP_MS);
  }
  daemon.kill('SIGTERM');
  await closed;
  return { first: turns[0]!, later: turns[DAEMON_MESSAGES - 1]! };
}

/** The background preload's timings, in ms, from the `model stack preloaded` lines of a steward log. */
interface Preload {
  importMs: number[];
  turnMs: number[];
  contextMs: number[];
}

function preloadTimings(logFile: string, into: Preload): void {
  for (const line of readFileSync(logFile, 'utf8').split('\n')) {
    if (!line.includes('model stack preloaded')) continue;
    const entry = JSON.parse(line) as { importMs: number; turnMs: number; contextMs: number };
    into.importMs.push(entry.importMs);
    into.turnMs.push(entry.turnMs);
    into.contextMs.push(entry.contextMs);
  }
}

function bareNode(): Promise<number> {
  return new Promise((resolve) => {
    const started = process.hrtime.bigint();
    spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' }).on('close', () => resolve(msSince(started)));
  });
}

interface ServerResults {
  peer: { client: Turn[]; server: number[] };
  replPrompt: number[];
  replFirst: Turn[];
  replTenth: Turn[];
  commandRun: number[];
  modelRun: Array<{ firstByte: number; lastByte: number; exit: number }>;
  daemonFirst: Turn[];
  daemonLater: Turn[];
  preload: Preload;
}

async function measure(bench: BenchServer, signal: SignalServer): Promise<ServerResults> {
  const dataDir = mkdtempSync(join(tmpdir(), 'steward-bench-latency-'));
  const configFile = join(dataDir, 'bench-config.json');
  // No briefing is due during the run (the daemon would catch one up).
  writeFileSync(
    configFile,
    JSON.stringify({ plugins: { briefings: { morning: { enabled: false }, weekly: { enabled: false } } } }),
  );
  const base = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    STEWARD_CONFIG: configFile,
    STEWARD_TIMEZONE: 'UTC',
    STEWARD_LOCAL_FAST_URL: bench.server.url,
  };
  const replEnv = { ...base, STEWARD_DATA_DIR: join(dataDir, 'repl') };
  const runEnv = { ...base, STEWARD_DATA_DIR: join(dataDir, 'run') };
  const daemonEnv = {
    ...base,
    STEWARD_DATA_DIR: join(dataDir, 'daemon'),
    STEWARD_SIGNAL_URL: signal.url,
    STEWARD_SIGNAL_ACCOUNT: ACCOUNT,
    STEWARD_SIGNAL_TO: OWNER,
  };
  await runOnce('add habit meditation daily', runEnv);
  const results: ServerResults = {
    peer: await peerTurns(bench),
    replPrompt: [],
    replFirst: [],
    replTenth: [],
    commandRun: [],
    modelRun: [],
    daemonFirst: [],
    daemonLater: [],
    preload: { importMs: [], turnMs: [], contextMs: [] },
  };
  for (let index = 0; index < ITERATIONS; index += 1) {
    results.commandRun.push((await runOnce('check in meditation', runEnv)).exit);
    results.modelRun.push(await runOnce('hello there, how are you?', runEnv));
    const repl = await replSession(bench, replEnv);
    results.replPrompt.push(repl.prompt);
    results.replFirst.push(repl.first);
    results.replTenth.push(repl.tenth);
    const daemon = await daemonSession(bench, signal, daemonEnv);
    results.daemonFirst.push(daemon.first);
    results.daemonLater.push(daemon.later);
  }
  for (const directory of ['repl', 'daemon']) preloadTimings(join(dataDir, directory, 'steward.log'), results.preload);
  rmSync(dataDir, { recursive: true, force: true });
  return results;
}

const p50 = (values: readonly number[]): number => percentile(values, 0.5);
const p95 = (values: readonly number[]): number => percentile(values, 0.95);
const fixed = (value: number): string => value.toFixed(0);

function report(all: Array<{ bench: BenchServer; results: ServerResults }>, bare: number[]): string {
  const ttft = new Table({
    head: [
      'case',
      'server',
      'TTFT p50 / p95',
      'peer TTFT p50',
      'overhead p50',
      'target',
      'met',
      'end p50',
      'peer end p50',
    ],
    style: { head: [], border: [] },
  });
  const runs = new Table({
    head: [
      'steward run',
      'server',
      'command only: launch → exit',
      'model turn: launch → first byte',
      'first byte − command only',
      'same − peer TTFT',
      'target',
      'met',
      'last byte → exit',
      'target',
      'met',
    ],
    style: { head: [], border: [] },
  });
  for (const { bench, results } of all) {
    const peerTtft = p50(results.peer.client.map((turn) => turn.ttft));
    const peerServer = p50(results.peer.server);
    const peerEnd = p50(results.peer.client.map((turn) => turn.end));
    const row = (name: string, turns: Turn[], peer: number, target: number | undefined): void => {
      const samples = turns.map((turn) => turn.ttft);
      const overhead = p50(samples) - peer;
      ttft.push([
        name,
        bench.name,
        `${fixed(p50(samples))} / ${fixed(p95(samples))}`,
        peer.toFixed(1),
        overhead.toFixed(1),
        target === undefined ? '' : `≤ ${target}`,
        target === undefined ? '' : overhead <= target ? 'yes' : 'NO',
        fixed(p50(turns.map((turn) => turn.end))),
        peerEnd.toFixed(1),
        turns[0]?.server === undefined ? '' : fixed(p50(turns.map((turn) => turn.server ?? 0))),
      ]);
    };
    row('REPL, first message', results.replFirst, peerTtft, 50);
    row('REPL, tenth message', results.replTenth, peerTtft, 50);
    row('daemon, first Signal message (at the server)', results.daemonFirst, peerServer, 50);
    row('daemon, fifth Signal message (at the server)', results.daemonLater, peerServer, 50);
    row(
      'steward run (from its launch)',
      results.modelRun.map((run) => ({ ttft: run.firstByte, end: run.lastByte })),
      peerTtft,
      undefined,
    );

    const command = p50(results.commandRun);
    const firstByte = p50(results.modelRun.map((run) => run.firstByte));
    const tail = p50(results.modelRun.map((run) => run.exit - run.lastByte));
    const later = firstByte - command;
    runs.push([
      'p50, ms',
      bench.name,
      fixed(command),
      fixed(firstByte),
      fixed(later),
      fixed(later - peerTtft),
      '≤ 200',
      later - peerTtft <= 200 ? 'yes' : 'NO',
      fixed(tail),
      '≤ 200',
      tail <= 200 ? 'yes' : 'NO',
    ]);
  }
  const startup = new Table({
    head: ['start-up and import', 'p50 ms', 'p95 ms', 'samples'],
    style: { head: [], border: [] },
  });
  const add = (name: string, samples: number[]): void => {
    startup.push([name, fixed(p50(samples)), fixed(p95(samples)), String(samples.length)]);
  };
  add('bare node -e 0', bare);
  add(
    'REPL: launch → prompt (on a terminal)',
    all.flatMap(({ results }) => results.replPrompt),
  );
  add(
    'in the background (REPL, daemon): import the model stack',
    all.flatMap(({ results }) => results.preload.importMs),
  );
  add(
    'in the background: one agent turn in memory',
    all.flatMap(({ results }) => results.preload.turnMs),
  );
  add(
    'in the background: one context assembled',
    all.flatMap(({ results }) => results.preload.contextMs),
  );
  return `${ttft.toString()}\n${runs.toString()}\n${startup.toString()}`;
}

async function main(): Promise<void> {
  const signal = await startSignalServer({ keepAliveMs: 15_000 });
  const servers = [await startBenchServer('instant', 0), await startBenchServer('100 ms', 100)];
  const all: Array<{ bench: BenchServer; results: ServerResults }> = [];
  for (const bench of servers) all.push({ bench, results: await measure(bench, signal) });
  const bare: number[] = [];
  for (let index = 0; index < 10; index += 1) bare.push(await bareNode());
  await Promise.all(servers.map((bench) => bench.server.close()));
  await signal.close();
  process.stdout.write(
    `latency, ${ITERATIONS} REPL sessions, daemon launches and one-shot runs per server (peer: ${PEER_SAMPLES} requests), idle ${IDLE_MS} ms, gap ${GAP_MS} ms, Node ${process.version}\n${report(all, bare)}\n`,
  );
}

await main();
