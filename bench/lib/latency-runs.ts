import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import OpenAI from 'openai';
import { fromRoot } from '../../src/shared/paths.js';
import { startOpenAIServer, type ChatRequest, type OpenAIServer } from '../../test/support/openai-server.js';
import type { SignalServer } from '../../test/support/signal-server.js';
import { spawnOnTerminal } from './terminal.js';

/**
 * The runs of `pnpm bench latency` (bench/latency.ts): the test servers, the
 * openai-client peer, a REPL on a terminal, `steward run` and the daemon.
 */

const MODEL = 'bench-model';
/** The owner's number and the assistant's, for the daemon's Signal. */
export const OWNER = '+15551112222';
export const ACCOUNT = '+15550000000';
/** The answer to every chat turn, streamed word by word; its first and last words mark it on screen. */
const ANSWER = 'Certainly: this is the answer of the benchmark server, streamed word by word.';
const FIRST_WORD = 'Certainly:';
const LAST_WORDS = 'word by word.';

/** One turn's times, in ms from the message (or from the launch, for `steward run`). */
export interface Turn {
  /** To the first token: on screen (REPL), on stdout (`steward run`) or, for the daemon, written by the model server. */
  ttft: number;
  /** To the end of the reply (on screen, on stdout, or the reply's send at signal-cli). */
  end: number;
  /** To the model server writing the first token. */
  server: number;
}

/** A steward turn and the peer's request made just before it, against the same server. */
export interface Paired {
  steward: Turn;
  peer: Turn;
}

/** A test server and the instants (hrtime ns) at which it started streaming a chat answer. */
export interface BenchServer {
  name: string;
  server: OpenAIServer;
  answeredAt: bigint[];
  /** The peer: one streamed request with the openai client (loaded, and used before). */
  peer(): Promise<Turn>;
}

/** Milliseconds from `start` to `end` (now by default), both `process.hrtime.bigint()` values. */
export function msSince(start: bigint, end = process.hrtime.bigint()): number {
  return Number(end - start) / 1e6;
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
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

/**
 * Start a test server that waits `delayMs` before its first token, with its peer.
 * @param name - for the tables
 * @param delayMs - the server's wait before answering a chat request
 */
export async function startBenchServer(name: string, delayMs: number): Promise<BenchServer> {
  const answeredAt: bigint[] = [];
  const server = await startOpenAIServer({ model: MODEL, respond: benchReply(answeredAt) });
  server.chatDelayMs = delayMs;
  const client = new OpenAI({ baseURL: server.url, apiKey: 'bench', maxRetries: 0 });
  const peer = async (): Promise<Turn> => {
    const started = process.hrtime.bigint();
    const before = answeredAt.length;
    let ttft: number | undefined;
    const stream = await client.chat.completions.create({
      model: MODEL,
      stream: true,
      messages: [{ role: 'user', content: 'hello there, how are you?' }],
    });
    for await (const chunk of stream) if (chunk.choices[0]?.delta?.content) ttft ??= msSince(started);
    const end = msSince(started);
    return { ttft: ttft ?? end, end, server: msSince(started, answeredAt[before] ?? started) };
  };
  for (let index = 0; index < 3; index += 1) await peer();
  return { name, server, answeredAt, peer };
}

/**
 * One REPL session on a terminal: the launch to the prompt, then messages
 * typed one at a time, the first `idleMs` after the prompt, the next ones
 * `gapMs` after the last reply; before each, the peer's request.
 * @returns the launch-to-prompt time and each message's times with its peer's
 */
export async function replSession(
  bench: BenchServer,
  env: Record<string, string>,
  options: { messages: number; idleMs: number; gapMs: number },
): Promise<{ prompt: number; turns: Paired[] }> {
  const launched = process.hrtime.bigint();
  const terminal = spawnOnTerminal([process.execPath, fromRoot('bin', 'steward.js'), 'chat'], env);
  const prompt = msSince(launched, await terminal.waitFor('\u203a ', 0));
  const turns: Paired[] = [];
  for (let index = 1; index <= options.messages; index += 1) {
    await sleep(index === 1 ? options.idleMs : options.gapMs);
    const peer = await bench.peer();
    const from = terminal.output.length;
    const before = bench.answeredAt.length;
    const sent = process.hrtime.bigint();
    terminal.type(`hello there, how are you? (message ${index})\r`);
    const first = await terminal.waitFor(FIRST_WORD, from);
    const last = await terminal.waitFor(LAST_WORDS, from);
    const server = msSince(sent, bench.answeredAt[before] ?? sent);
    turns.push({ steward: { ttft: msSince(sent, first), end: msSince(sent, last), server }, peer });
  }
  terminal.type('\x04');
  await terminal.exited;
  return { prompt, turns };
}

/** A `steward run`: from the launch to the first and last byte on stdout, and to the exit, in ms. */
export interface Run {
  firstByte: number;
  lastByte: number;
  exit: number;
  /**
   * The process's main thread on a CPU up to its first byte and in all, in ms (Linux
   * `/proc/<pid>/task/<pid>/schedstat`, read when the byte arrives and every 2 ms until the
   * exit), or undefined elsewhere. Unlike the wall times, a busy machine barely changes it.
   */
  cpu?: { firstByte: number; total: number } | undefined;
}

/** The main thread's time on a CPU so far, in ms, or undefined (not Linux, or the process is gone). */
function mainThreadCpu(pid: number | undefined): number | undefined {
  if (pid === undefined || process.platform !== 'linux') return undefined;
  try {
    return Number(readFileSync(`/proc/${pid}/task/${pid}/schedstat`, 'utf8').split(' ')[0]) / 1e6;
  } catch {
    return undefined;
  }
}

/**
 * Run `steward run <text>` to its end.
 * @throws Error when it exits other than 0
 */
export function runOnce(text: string, env: Record<string, string>): Promise<Run> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, [fromRoot('bin', 'steward.js'), 'run', text], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let firstByte: number | undefined;
    let lastByte = 0;
    let stderr = '';
    let cpuFirstByte: number | undefined;
    let cpuLast: number | undefined;
    const poll = setInterval(() => (cpuLast = mainThreadCpu(child.pid) ?? cpuLast), 2);
    child.stdout.on('data', () => {
      lastByte = msSince(started);
      if (firstByte === undefined) cpuFirstByte = mainThreadCpu(child.pid);
      firstByte ??= lastByte;
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (code) => {
      clearInterval(poll);
      const exit = msSince(started);
      const cpu =
        cpuLast === undefined
          ? undefined
          : { firstByte: cpuFirstByte ?? cpuLast, total: Math.max(cpuLast, cpuFirstByte ?? 0) };
      if (code !== 0) reject(new Error(`steward run "${text}" exited ${code}: ${stderr}`));
      else resolve({ firstByte: firstByte ?? exit, lastByte, exit, cpu });
    });
  });
}

/**
 * One daemon launch: Signal messages one at a time, the first `idleMs`
 * after the daemon is ready, the next ones `gapMs` after the last reply;
 * before each, the peer's request. The reply goes out whole, so the first
 * token is timed where it is made: at the model server.
 * @returns each message's times with its peer's
 */
export async function daemonSession(
  bench: BenchServer,
  signal: SignalServer,
  env: Record<string, string>,
  options: { messages: number; idleMs: number; gapMs: number },
): Promise<Paired[]> {
  const daemon = spawn(process.execPath, [fromRoot('bin', 'steward.js'), 'daemon'], { env, stdio: 'pipe' });
  let stdout = '';
  daemon.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  daemon.stderr.resume();
  const closed = new Promise((resolve) => daemon.on('close', resolve));
  while (!stdout.includes('ready') || signal.eventClients === 0) {
    if (daemon.exitCode !== null) throw new Error(`steward daemon exited: ${stdout}`);
    await sleep(10);
  }
  const turns: Paired[] = [];
  for (let index = 1; index <= options.messages; index += 1) {
    await sleep(index === 1 ? options.idleMs : options.gapMs);
    const peer = await bench.peer();
    const before = bench.answeredAt.length;
    const reply = signal.nextSent();
    const sent = process.hrtime.bigint();
    signal.pushEnvelope(signal.incoming(OWNER, `hello there, how are you? (message ${index})`), ACCOUNT);
    const message = await reply;
    const end = msSince(sent);
    if (!message.message.includes(LAST_WORDS)) throw new Error(`unexpected reply on Signal: ${message.message}`);
    const server = msSince(sent, bench.answeredAt[before] ?? sent);
    turns.push({ steward: { ttft: server, end, server }, peer: { ...peer, ttft: peer.server } });
  }
  daemon.kill('SIGTERM');
  await closed;
  return turns;
}

/** A bare `node -e 0`, in ms. */
export function bareNode(): Promise<number> {
  return new Promise((resolve) => {
    const started = process.hrtime.bigint();
    spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' }).on('close', () => resolve(msSince(started)));
  });
}
