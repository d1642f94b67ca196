import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { replHost } from '../../src/app/repl-host.js';
import { runRepl } from '../../src/channels/repl.js';
import { fromRoot } from '../../src/shared/paths.js';
import { startOpenAIServer, type OpenAIServer } from '../support/openai-server.js';
import { openTestSteward, runCli, temporaryDataDir, type TestSteward } from '../support/steward.js';

/**
 * Issue 10, item 8: the smaller faults, each with a clear line and no lost
 * command: a log that cannot be written (a full disk, a path that is not a
 * file), a read-only database, a data directory that cannot be made
 * (`/proc/x` hung for ever), and a stream cut with no fallback (the "To
 * fix" line was stored but never shown).
 */
describe('faults of the machine', () => {
  const cleanups: Array<() => void | Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  function dataDir(): string {
    const { dataDir: directory, remove } = temporaryDataDir();
    cleanups.push(remove);
    return directory;
  }

  it('goes on when the log cannot be written: a full disk (ENOSPC) or a path that is a folder', async () => {
    const full = dataDir();
    // /dev/full answers every write with ENOSPC, as a full disk does.
    symlinkSync('/dev/full', join(full, 'steward.log'));
    const added = await runCli(['run', 'add habit tea daily'], { env: { STEWARD_DATA_DIR: full } });
    expect(added.code).toBe(0);
    expect(added.stdout).toContain('Added habit tea');
    expect(added.stderr).toBe(
      `steward: cannot write the log ${join(full, 'steward.log')} (ENOSPC); warnings and errors go to stderr\n`,
    );
    const lines = Array.from({ length: 20 }, (_, index) => `check in tea ${index % 2 === 0 ? 'yesterday' : ''}`);
    const repl = await runCli(['chat'], { env: { STEWARD_DATA_DIR: full }, input: `${lines.join('\n')}\nhabits\n` });
    expect(repl.code).toBe(0);
    expect(repl.stdout).toContain('tea (daily)');

    const folder = dataDir();
    mkdirSync(join(folder, 'steward.log'));
    const run = await runCli(['run', 'add habit walk daily'], { env: { STEWARD_DATA_DIR: folder } });
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('(EISDIR); warnings and errors go to stderr');
  });

  it('answers the read-only commands on a read-only database, and says so in one line for the others', async () => {
    const directory = dataDir();
    const env = { STEWARD_DATA_DIR: directory };
    expect((await runCli(['run', 'add habit tea daily'], { env })).code).toBe(0);
    const file = join(directory, 'steward.db');
    // Root writes through file modes, so as root the file is made read-only by a read-only bind mount.
    if (process.getuid?.() === 0) {
      execFileSync('mount', ['--bind', file, file]);
      cleanups.push(() => {
        execFileSync('umount', [file]);
      });
      execFileSync('mount', ['-o', 'remount,ro,bind', file]);
    } else {
      chmodSync(file, 0o444);
      cleanups.push(() => chmodSync(file, 0o644));
    }
    for (const args of [['outbox'], ['memory'], ['briefing', 'morning', '--dry-run']]) {
      const result = await runCli(args, { env });
      expect({ args, code: result.code, stderr: result.stderr.includes('unexpected') }).toEqual({
        args,
        code: 0,
        stderr: false,
      });
    }
    expect((await runCli(['health'], { env })).stdout).toContain('outbox   0 pending');
    const doctor = await runCli(['doctor'], { env, timeoutMs: 60_000 });
    expect(doctor.stdout).toMatch(/FAIL +database +.*steward\.db cannot be written \(SQLITE_READONLY/);
    const run = await runCli(['run', 'check in tea'], { env });
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      `steward: the database ${file} is read-only (SQLITE_READONLY): this command needs to write to it. Make the file and its folder writable; "steward outbox", "health", "memory" and "doctor" work without writing.\n`,
    );
  });

  it('says what holds the database when it stays locked past the busy timeout, and loses nothing', async () => {
    const directory = dataDir();
    const env = { STEWARD_DATA_DIR: directory };
    expect((await runCli(['run', 'add habit tea daily'], { env })).code).toBe(0);
    const file = join(directory, 'steward.db');
    // A daemon that holds the write lock for 8 s (a stand-in: a process that took the lock and stalls).
    const holder = spawn(
      process.execPath,
      [
        '-e',
        `const D = require(${JSON.stringify(fromRoot('node_modules', 'better-sqlite3'))});
         const d = new D(${JSON.stringify(file)});
         d.prepare("INSERT INTO daemon_lock (name, holder, pid, host, acquired_at, heartbeat_at) VALUES ('daemon', 'x', ?, 'testhost', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')").run(process.pid);
         d.exec('BEGIN IMMEDIATE');
         console.log('locked');
         setTimeout(() => { d.exec('COMMIT'); }, 8000);`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    cleanups.push(() => {
      holder.kill('SIGKILL');
    });
    await new Promise((resolve) => holder.stdout.once('data', resolve));
    const run = await runCli(['run', 'check in tea'], { env });
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      `steward: the database ${file} stayed locked for 5 s: the steward daemon (pid ${holder.pid} on testhost) or another steward process was writing to it. Nothing was lost; run the command again.\n`,
    );
    await new Promise((resolve) => holder.on('close', resolve));
    expect((await runCli(['run', 'check in tea'], { env })).stdout).toContain('Checked in tea');
  });

  it('refuses a data directory that cannot be made, at once (/proc/x hung for ever)', async () => {
    const result = await runCli(['run', 'habits'], { env: { STEWARD_DATA_DIR: '/proc/x' }, timeoutMs: 10_000 });
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      'steward: config error: dataDir /proc/x cannot be used (ENOENT): set STEWARD_DATA_DIR to a folder steward may write, from STEWARD_DATA_DIR\n',
    );
  });

  it('a cut stream with no fallback ends with the "To fix" line on screen, after the partial text', async () => {
    const local: OpenAIServer = await startOpenAIServer({ model: 'local-model' });
    cleanups.push(() => local.close());
    local.respond = () => ({ content: 'one two three four five six seven eight' });
    const opened: TestSteward = await openTestSteward({ env: { STEWARD_LOCAL_FAST_URL: local.url } });
    cleanups.push(() => opened.close());
    await opened.steward.providers.probe();
    local.mode = 'cut';
    const input = new PassThrough();
    const output = new PassThrough();
    let text = '';
    output.on('data', (chunk: Buffer) => (text += chunk.toString()));
    input.end('hello\n');
    await runRepl({ host: replHost(opened.steward), input, output, terminal: false, sender: 'owner' });
    expect(text).toContain('one two three four');
    const stored = opened.steward.database
      .prepare("SELECT text FROM messages WHERE role = 'assistant' ORDER BY id DESC LIMIT 1")
      .get() as { text: string };
    expect(stored.text).toContain('To fix');
    const lines = text.trim().split('\n');
    expect(lines[lines.length - 1]).toBe(stored.text);
  });
});
