import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { fromRoot } from '../../src/shared/paths.js';
import { rememberSecrets } from '../../src/shared/redact.js';
import { startOpenAIServer, type OpenAIServer } from '../../test/support/openai-server.js';
import { startSignalServer, type SignalServer } from '../../test/support/signal-server.js';

/**
 * The world every chaos scenario runs in: a local model server, a "cloud"
 * and an embeddings server that reject the configured keys and echo them
 * back in their 401 (as OpenAI's "Incorrect API key provided: ..." does),
 * the fake signal-cli of test/support, and a fresh data directory per
 * scenario. Whatever a scenario does, the keys must never show up in an
 * output, the database, the log or a Signal message.
 */

/** The owner's number. */
export const OWNER = '+15551112222';
/** The assistant's own number. */
export const ACCOUNT = '+15550000000';
/** The owner's UUID as the fake signal-cli derives it from the number. */
export const OWNER_UUID = '00000000-0000-4000-8000-015551112222';
/** Someone who is not on the allowlist. */
export const STRANGER = '+15559998888';
/** The stranger's UUID. */
export const STRANGER_UUID = '00000000-0000-4000-8000-015559998888';

/** The configured OpenAI key: wrong for the echoing server, which puts it in its 401. */
export const OPENAI_KEY = 'chaos-openai-key-T7r6E5w4Q3';
/** The configured embeddings key, likewise. */
export const EMBEDDINGS_KEY = 'chaos-embed-key-Y9u8I7o6P5';
const SECRETS = [OPENAI_KEY, EMBEDDINGS_KEY];
// The chaos program reads what steward stored as steward would write it: with these keys blanked out.
rememberSecrets(SECRETS);

/** What one scenario found. */
export interface Outcome {
  /** Scenario name. */
  name: string;
  /** Inputs tried (lines, events, kills, processes). */
  tried: number;
  /** Processes that died or answered "unexpected error" (a fault steward did not handle). */
  crashed: number;
  /** Owner messages neither stored nor answered, or acknowledged and then missing. */
  lost: number;
  /** Messages sent more than once. */
  duplicated: number;
  /** Keys seen in an output, the database, the log or on Signal, plus replies to anyone off the allowlist. */
  leaked: number;
  /** What the numbers mean here, and anything odd. */
  note: string;
}

/** The servers, shared by every scenario. */
export interface Servers {
  /** A working local model (no key). */
  local: OpenAIServer;
  /** The cloud fallback and the embeddings server: they want another key, and echo the one they get. */
  echo: OpenAIServer;
  /** The fake signal-cli. */
  signal: SignalServer;
}

/**
 * Start the servers.
 * @returns the servers; close them with {@link closeServers}
 */
export async function startServers(): Promise<Servers> {
  const local = await startOpenAIServer({ model: 'chaos-local' });
  const echo = await startOpenAIServer({ model: 'gpt-chaos', apiKey: 'the-right-key-000000' });
  const signal = await startSignalServer({ keepAliveMs: 15_000 });
  return { local, echo, signal };
}

/** Stop the servers. */
export async function closeServers(servers: Servers): Promise<void> {
  await Promise.all([servers.local.close(), servers.echo.close(), servers.signal.close()]);
}

/** A scenario's data directory and the environment of a steward on it. */
export interface Place {
  /** The data directory. */
  dataDir: string;
  /** The environment of a steward on it (the contract's variables). */
  env: Record<string, string>;
  /** Delete the directory. */
  remove(): void;
}

/**
 * A fresh data directory, and the environment of a steward that uses the
 * servers (the local model first, the echoing cloud and embeddings behind it).
 * @param servers - the servers
 * @param options - `local: false` leaves the local model out (every turn meets the echoing cloud); `config`: extra settings; `dataDir`: use this directory
 */
export function place(
  servers: Servers,
  options: { local?: boolean; config?: Record<string, unknown>; dataDir?: string } = {},
): Place {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'steward-chaos-'));
  const configFile = join(tmpdir(), `steward-chaos-config-${process.pid}-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(
    configFile,
    JSON.stringify({
      embeddings: { apiKey: EMBEDDINGS_KEY, retries: 0 },
      daemon: { outboxIntervalMs: 100, heartbeatMs: 200, shutdownGraceMs: 2000 },
      signal: { receive: { backoffMs: [50, 100, 200], idleTimeoutMs: 20_000 } },
      plugins: { briefings: { morning: { enabled: false }, weekly: { enabled: false } } },
      ...options.config,
    }),
  );
  const env: Record<string, string> = {
    STEWARD_DATA_DIR: dataDir,
    STEWARD_CONFIG: configFile,
    STEWARD_TIMEZONE: 'UTC',
    OPENAI_API_KEY: OPENAI_KEY,
    OPENAI_BASE_URL: servers.echo.url,
    STEWARD_EMBEDDINGS_URL: servers.echo.url,
    STEWARD_EMBEDDINGS_MODEL: 'gpt-chaos',
    STEWARD_SIGNAL_URL: servers.signal.url,
    STEWARD_SIGNAL_ACCOUNT: ACCOUNT,
    STEWARD_SIGNAL_TO: OWNER,
  };
  if (options.local !== false) env.STEWARD_LOCAL_FAST_URL = servers.local.url;
  return {
    dataDir,
    env,
    remove: () => {
      rmSync(configFile, { force: true });
      if (options.dataDir === undefined) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A finished process. */
export interface Finished {
  /** Its exit code, or null when a signal ended it. */
  code: number | null;
  /** The signal that ended it, or null. */
  signal: NodeJS.Signals | null;
  /** Everything it wrote to stdout. */
  stdout: string;
  /** Everything it wrote to stderr. */
  stderr: string;
}

/**
 * Start the built CLI.
 * @param args - its arguments
 * @param env - its environment (PATH and HOME are added)
 * @param input - text for stdin (closed after it), or undefined to keep stdin open
 * @returns the child and a promise of how it ended
 */
export function steward(
  args: readonly string[],
  env: Record<string, string>,
  input?: string,
): { child: ChildProcess; done: Promise<Finished>; output(): string } {
  const child = spawn(process.execPath, [fromRoot('bin', 'steward.js'), ...args], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdin?.on('error', () => undefined);
  if (input !== undefined) child.stdin?.end(input);
  const done = new Promise<Finished>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  return { child, done, output: () => stdout + stderr };
}

/**
 * Whether a finished command crashed: killed by a signal it did not ask
 * for, an exit code outside the CLI's (0, 1, 2, 130), or a fault it did not
 * handle ("unexpected error", a stack trace).
 * @param finished - how it ended
 */
export function crashed(finished: Finished): boolean {
  if (finished.signal !== null) return true;
  if (![0, 1, 2, 130].includes(finished.code ?? -1)) return true;
  return /unexpected error|\n\s+at .+:\d+:\d+\)?\n/.test(finished.stderr);
}

/**
 * How many configured keys a text holds.
 * @param text - anything steward wrote
 */
export function secretsIn(text: string): number {
  return SECRETS.filter((secret) => text.includes(secret)).length;
}

/**
 * Everything a data directory holds that a key could leak into: every table
 * of the database (the FTS shadow tables aside) and the log.
 * @param dataDir - the data directory
 * @returns the text of it all
 */
export function storedText(dataDir: string): string {
  const parts: string[] = [];
  const file = join(dataDir, 'steward.db');
  if (existsSync(file)) {
    const database = new BetterSqlite3(file, { readonly: true });
    try {
      const tables = database
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '%fts%'")
        .all() as Array<{ name: string }>;
      for (const { name } of tables) parts.push(JSON.stringify(database.prepare(`SELECT * FROM "${name}"`).all()));
    } finally {
      database.close();
    }
  }
  const log = join(dataDir, 'steward.log');
  if (existsSync(log)) parts.push(readFileSync(log, 'utf8'));
  return parts.join('\n');
}

/**
 * Rows of a query on a data directory's database, opened read-only.
 * @param dataDir - the data directory
 * @param sql - a SELECT
 * @param parameters - its parameters
 */
export function query<Row>(dataDir: string, sql: string, ...parameters: unknown[]): Row[] {
  const database = new BetterSqlite3(join(dataDir, 'steward.db'), { readonly: true });
  try {
    return database.prepare(sql).all(...parameters) as Row[];
  } finally {
    database.close();
  }
}

/**
 * Wait until a condition holds, polling; throws after `timeoutMs`.
 * @param condition - true when done
 * @param timeoutMs - how long to wait at most
 * @param what - for the error
 */
export async function until(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`chaos: timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * Start `steward daemon` and wait until it has opened its Signal stream
 * (after the streams of earlier daemons are gone, so that an event pushed
 * next reaches this one: signal-cli keeps nothing for a stream that closed).
 * @param servers - the servers
 * @param env - the daemon's environment
 * @returns the daemon, as {@link steward} returns it
 */
export async function startDaemonProcess(
  servers: Servers,
  env: Record<string, string>,
): Promise<ReturnType<typeof steward>> {
  await until(() => servers.signal.eventClients === 0, 20_000, 'the earlier Signal streams to close');
  const daemon = steward(['daemon'], env);
  await until(() => servers.signal.eventClients >= 1, 20_000, 'the daemon to connect').catch((error: unknown) => {
    daemon.child.kill('SIGKILL');
    throw error;
  });
  return daemon;
}

/**
 * Run tasks with at most `parallel` at a time.
 * @param tasks - functions that start a task
 * @param parallel - how many at once
 * @returns their results, in order
 */
export async function pool<T>(tasks: ReadonlyArray<() => Promise<T>>, parallel: number): Promise<T[]> {
  const results: T[] = new Array<T>(tasks.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < tasks.length) {
      const index = next;
      next += 1;
      results[index] = await (tasks[index] as () => Promise<T>)();
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, tasks.length) }, worker));
  return results;
}
