import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Steward } from '../../src/app/steward.js';
import type { InboundMessage } from '../../src/shared/messages.js';
import type { Reply } from '../../src/turn/types.js';
import { loadConfig } from '../../src/config/load.js';
import type { StewardConfig } from '../../src/config/schema.js';
import { providerSecrets } from '../../src/models/providers.js';
import { createLogger, type Logger } from '../../src/shared/log.js';
import type { Clock } from '../../src/shared/time.js';
import { fromRoot } from '../../src/shared/paths.js';

/** A clock the test moves by hand. */
export interface ManualClock extends Clock {
  /** Set the current instant. */
  set(instant: Date | string): void;
  /** Move forward by `ms`. */
  advance(ms: number): void;
}

/**
 * A clock fixed at `start` until the test moves it.
 * @param start - the first instant (default 2026-11-21T08:00:00Z)
 */
export function manualClock(start: Date | string = '2026-11-21T08:00:00Z'): ManualClock {
  let current = new Date(start);
  return {
    now: () => new Date(current),
    set: (instant) => {
      current = new Date(instant);
    },
    advance: (ms) => {
      current = new Date(current.getTime() + ms);
    },
  };
}

/** A fresh temporary data directory; removed by the returned function. */
export function temporaryDataDir(): { dataDir: string; remove: () => void } {
  const dataDir = mkdtempSync(join(tmpdir(), 'steward-test-'));
  return { dataDir, remove: () => rmSync(dataDir, { recursive: true, force: true }) };
}

/** Options of {@link openTestSteward}. */
export interface TestStewardOptions {
  /** Environment variables of the contract (STEWARD_LOCAL_FAST_URL, OPENAI_API_KEY, ...). */
  env?: Record<string, string>;
  /** Config values merged over everything. */
  overrides?: Record<string, unknown>;
  /** Clock (default {@link manualClock}). */
  clock?: Clock;
  /** Data directory to reuse (default: a new temporary one). */
  dataDir?: string;
  /** Plugins folder (default: the built-in one). */
  pluginsDirectory?: string;
  /** Receives every log line. */
  logSink?: (line: string) => void;
  /** Log level (default `debug`). */
  logLevel?: string;
}

/** A Steward on a temporary database, with helpers. */
export interface TestSteward {
  steward: Steward;
  config: StewardConfig;
  dataDir: string;
  log: Logger;
  /** Send one line as the owner on the REPL channel. */
  say(text: string, options?: Parameters<Steward['handle']>[1]): Promise<Reply>;
  /** Close the Steward and delete the data directory (unless it was given). */
  close(): Promise<void>;
}

/**
 * Test defaults merged under each test's overrides. The router tests count
 * model requests turn by turn, so background memory work that calls a
 * model (fact extraction, model-written episode summaries) is off unless a
 * test turns it on (the memory tests do; CLI tests run the product defaults),
 * and so is the daemon's daily backup.
 */
const TEST_DEFAULTS = {
  models: { health: { timeoutMs: 1000 } },
  memory: { extraction: { enabled: false }, episodes: { summarizeWithModel: false } },
  // The daemon's daily backup is a job of its own, with its own run records and catch-up: the
  // scheduler tests count runs job by job. Its tests turn it on (test/data/backup.test.ts).
  backup: { daily: false },
};

function mergeDeep(base: Record<string, unknown>, layer: Record<string, unknown>): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(layer)) {
    const existing = merged[key];
    const bothObjects =
      typeof value === 'object' &&
      value !== null &&
      !Array.isArray(value) &&
      typeof existing === 'object' &&
      existing !== null &&
      !Array.isArray(existing);
    merged[key] = bothObjects
      ? mergeDeep(existing as Record<string, unknown>, value as Record<string, unknown>)
      : value;
  }
  return merged;
}

/**
 * Open a real Steward on a temporary database, configured like a user would:
 * through the contract's environment variables.
 */
export async function openTestSteward(options: TestStewardOptions = {}): Promise<TestSteward> {
  const temporary = options.dataDir === undefined ? temporaryDataDir() : undefined;
  const dataDir = options.dataDir ?? (temporary as { dataDir: string }).dataDir;
  const config = loadConfig({
    env: { STEWARD_DATA_DIR: dataDir, STEWARD_TIMEZONE: 'UTC', ...options.env },
    overrides: mergeDeep(TEST_DEFAULTS, options.overrides ?? {}),
    readLocalFile: false,
  });
  const log = createLogger({
    level: options.logLevel ?? 'debug',
    sink: options.logSink ?? (() => undefined),
    secrets: providerSecrets(config),
  });
  const steward = await Steward.open({
    config,
    log,
    clock: options.clock ?? manualClock(),
    ...(options.pluginsDirectory === undefined ? {} : { pluginsDirectory: options.pluginsDirectory }),
  });
  return {
    steward,
    config,
    dataDir,
    log,
    say: (text, handleOptions) => {
      const message: InboundMessage = { channel: 'repl', sender: 'owner', text, receivedAt: new Date() };
      return steward.handle(message, handleOptions);
    },
    close: async () => {
      await steward.close();
      temporary?.remove();
    },
  };
}

/**
 * The environment of a CLI process a test starts, before its own
 * variables: PATH, HOME, and XDG_CONFIG_HOME pointing at the test
 * process's empty temporary config folder (set in `plain-env.ts`), so
 * that no child ever reads the real user's config file.
 */
export function testProcessEnv(): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    XDG_CONFIG_HOME: process.env.XDG_CONFIG_HOME ?? '',
  };
}

/** Result of {@link runCli}. */
export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Run the built CLI (`node bin/steward.js ...`) as a user would, with a clean
 * environment: only {@link testProcessEnv} and `env` are set.
 * @param args - command-line arguments
 * @param options - environment, stdin text, timeout
 */
export function runCli(
  args: readonly string[],
  options: { env?: Record<string, string>; input?: string; timeoutMs?: number } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [fromRoot('bin', 'steward.js'), ...args], {
      cwd: fromRoot(),
      env: { ...testProcessEnv(), ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`steward ${args.join(' ')} timed out\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, options.timeoutMs ?? 30_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(options.input ?? '');
  });
}

/** The piped session of the walking-skeleton issue's "Done when", one line per entry. */
export const README_SESSION: readonly string[] = [
  'add habit meditation daily',
  'check in meditation',
  'set goal run a marathon by 2027-05-01',
  'update progress marathon 10%',
  'habit stats',
  'goals',
  'hello, what can you do?',
];
