import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { fromRoot } from '../../src/shared/paths.js';
import { ACCOUNT, eventually, OWNER, signalEnv } from '../support/daemon.js';
import { startSignalServer, type SignalServer } from '../support/signal-server.js';
import { runCli, temporaryDataDir, type CliResult } from '../support/steward.js';

/**
 * Issue 10, item 3: two `steward run` processes at once failed 2-3 times in
 * 50 with "database is locked" after about 1.6 s, and the owner's message
 * was not stored. A deferred transaction that must upgrade to a write lock
 * gets SQLITE_BUSY at once, without the busy timeout. Here a daemon (with
 * Signal traffic), a REPL fed line by line and rounds of parallel `steward
 * run` processes all write one database: every command must succeed and
 * every message must be stored.
 */
describe('several steward processes on one database', () => {
  let signal: SignalServer | undefined;
  const cleanups: Array<() => void> = [];
  afterEach(async () => {
    cleanups.splice(0).forEach((cleanup) => cleanup());
    await signal?.close();
    signal = undefined;
  });

  it('wait for each other and lose nothing: a REPL, the daemon and parallel runs', { timeout: 120_000 }, async () => {
    signal = await startSignalServer();
    const server = signal;
    const { dataDir, remove } = temporaryDataDir();
    cleanups.push(remove);
    const configFile = join(dataDir, 'test-config.json');
    writeFileSync(
      configFile,
      JSON.stringify({
        daemon: { outboxIntervalMs: 50, heartbeatMs: 100 },
        plugins: { briefings: { morning: { enabled: false }, weekly: { enabled: false } } },
        signal: { receive: { backoffMs: [20, 50], idleTimeoutMs: 5000 } },
      }),
    );
    const env = {
      STEWARD_DATA_DIR: dataDir,
      STEWARD_CONFIG: configFile,
      STEWARD_TIMEZONE: 'UTC',
      ...signalEnv(server.url),
    };
    const spawnSteward = (args: string[]): ReturnType<typeof spawn> =>
      spawn(process.execPath, [fromRoot('bin', 'steward.js'), ...args], {
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
        stdio: ['pipe', 'pipe', 'pipe'],
      });

    const daemon = spawnSteward(['daemon']);
    let daemonErr = '';
    daemon.stderr?.on('data', (chunk: Buffer) => (daemonErr += chunk.toString()));
    const daemonExit = new Promise<number | null>((resolve) => daemon.on('close', resolve));
    cleanups.push(() => daemon.kill('SIGKILL'));
    await eventually(() => expect(server.eventClients).toBe(1));

    const repl = spawnSteward(['chat']);
    let replOut = '';
    let replErr = '';
    repl.stdout?.on('data', (chunk: Buffer) => (replOut += chunk.toString()));
    repl.stderr?.on('data', (chunk: Buffer) => (replErr += chunk.toString()));
    const replExit = new Promise<number | null>((resolve) => repl.on('close', resolve));
    cleanups.push(() => repl.kill('SIGKILL'));

    // The REPL writes all the time (a line every 10 ms, as fast as it answers them) while rounds of
    // parallel runs start: a fresh process whose first write meets another writer is the case that failed.
    const keys: string[] = [];
    let replLines = 0;
    const feeder = setInterval(() => {
      keys.push(`repl key ${replLines}`);
      repl.stdin?.write(`remember repl key ${replLines}: value ${replLines}\n`);
      replLines += 1;
    }, 10);
    const rounds = 5;
    const parallel = 3;
    const runs: Array<Promise<CliResult>> = [];
    try {
      for (let round = 0; round < rounds; round += 1) {
        keys.push(`signal key ${round}`);
        server.pushEnvelope(server.incoming(OWNER, `remember signal key ${round}: value ${round}`), ACCOUNT);
        const batch = Array.from({ length: parallel }, (_, index) => {
          keys.push(`run key ${round}-${index}`);
          return runCli(['run', `remember run key ${round}-${index}: value ${round}`], { env, timeoutMs: 60_000 });
        });
        runs.push(...batch);
        await Promise.all(batch);
      }
    } finally {
      clearInterval(feeder);
    }
    repl.stdin?.end();
    const results = await Promise.all(runs);
    expect(await replExit).toBe(0);
    await eventually(() => expect(server.sent).toHaveLength(rounds));
    daemon.kill('SIGTERM');
    expect(await daemonExit).toBe(0);

    const failures = results.filter((result) => result.code !== 0).map((result) => result.stderr.trim());
    expect(failures).toEqual([]);
    expect(replErr + replOut).not.toContain('database is locked');
    expect(daemonErr).not.toContain('database is locked');

    const database = new BetterSqlite3(join(dataDir, 'steward.db'), { readonly: true });
    try {
      const texts = new Set(
        (database.prepare("SELECT text FROM messages WHERE role = 'user'").all() as Array<{ text: string }>).map(
          (row) => row.text,
        ),
      );
      const facts = new Set(
        (database.prepare('SELECT key FROM facts WHERE valid_to IS NULL').all() as Array<{ key: string }>).map(
          (row) => row.key,
        ),
      );
      // Every owner's message is stored, and every fact it gave is current.
      expect(keys.filter((key) => ![...texts].some((text) => text.startsWith(`remember ${key}: `)))).toEqual([]);
      expect(keys.filter((key) => !facts.has(key))).toEqual([]);
    } finally {
      database.close();
    }
  });
});
