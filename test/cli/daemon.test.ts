import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fromRoot } from '../../src/shared/paths.js';
import { eventually, OWNER, signalEnv } from '../support/daemon.js';
import { startSignalServer, type SignalServer } from '../support/signal-server.js';
import { openTestSteward, runCli, temporaryDataDir, testProcessEnv } from '../support/steward.js';
import { verifySystemdUnit } from '../support/systemd.js';

/** A `steward daemon` child process, as a supervisor runs it. */
interface RunningDaemon {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves when stdout contains `text`. */
  waitFor(text: string): Promise<void>;
  /** The exit code. */
  exited: Promise<number | null>;
}

function spawnDaemon(env: Record<string, string>): RunningDaemon {
  const child = spawn(process.execPath, [fromRoot('bin', 'steward.js'), 'daemon'], {
    env: { ...testProcessEnv(), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  return {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    waitFor: (text) => eventually(() => expect(stdout, stderr).toContain(text)),
    exited,
  };
}

describe('steward daemon (built, in a child process)', () => {
  let signal: SignalServer;
  const cleanups: Array<() => void> = [];
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    signal = await startSignalServer();
  });
  afterAll(async () => {
    await signal.close();
  });
  afterEach(() => {
    for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
    cleanups.splice(0).forEach((cleanup) => cleanup());
    signal.mode = 'ok';
    signal.sent.length = 0;
    signal.attempts = 0;
    signal.releaseHeld();
  });

  /** A data directory and a config file with quick loops and no briefing jobs. */
  function setup(config: Record<string, unknown> = {}): { dataDir: string; env: Record<string, string> } {
    const { dataDir, remove } = temporaryDataDir();
    cleanups.push(remove);
    const configFile = join(dataDir, 'test-config.json');
    writeFileSync(
      configFile,
      JSON.stringify({
        daemon: { outboxIntervalMs: 50, heartbeatMs: 200 },
        plugins: { briefings: { morning: { enabled: false }, weekly: { enabled: false } } },
        ...config,
      }),
    );
    return {
      dataDir,
      env: { STEWARD_DATA_DIR: dataDir, STEWARD_CONFIG: configFile, STEWARD_TIMEZONE: 'UTC', ...signalEnv(signal.url) },
    };
  }

  async function queue(dataDir: string, key: string, text: string): Promise<void> {
    const opened = await openTestSteward({ dataDir, clock: { now: () => new Date() } });
    opened.steward.outbox.enqueue({ idempotencyKey: key, channel: 'signal', recipients: [OWNER], text });
    await opened.close();
  }

  async function outboxRow(dataDir: string, key: string): Promise<Record<string, unknown> | undefined> {
    const opened = await openTestSteward({ dataDir, clock: { now: () => new Date() } });
    const row = opened.steward.outbox.get(key);
    await opened.close();
    return row as Record<string, unknown> | undefined;
  }

  it('loses nothing and sends nothing twice when SIGTERM arrives during a delivery', async () => {
    const { dataDir, env } = setup();
    await queue(dataDir, 'test:sigterm', 'hello from before the restart');
    signal.mode = 'hold';
    const daemon = spawnDaemon(env);
    children.push(daemon.child);
    await eventually(() => expect(signal.held).toBe(1));

    daemon.child.kill('SIGTERM');
    await daemon.waitFor('SIGTERM received, stopping');
    signal.releaseHeld();
    expect(await daemon.exited).toBe(0);
    expect(daemon.stdout()).toContain('steward daemon stopped.');
    expect(signal.sent.map((sent) => sent.message)).toEqual(['hello from before the restart']);
    expect(await outboxRow(dataDir, 'test:sigterm')).toMatchObject({ status: 'sent', attempts: 1 });

    // A restart sends nothing again.
    signal.mode = 'ok';
    const again = spawnDaemon(env);
    children.push(again.child);
    await again.waitFor('ready');
    again.child.kill('SIGTERM');
    expect(await again.exited).toBe(0);
    expect(signal.sent).toHaveLength(1);
  });

  it('keeps a message queued when SIGTERM arrives while Signal does not answer', async () => {
    const { dataDir, env } = setup({ signal: { timeoutMs: 500 } });
    await queue(dataDir, 'test:hang', 'still here');
    signal.mode = 'hang';
    const daemon = spawnDaemon(env);
    children.push(daemon.child);
    await eventually(() => expect(signal.attempts).toBe(1));
    daemon.child.kill('SIGTERM');
    expect(await daemon.exited).toBe(0);
    const row = await outboxRow(dataDir, 'test:hang');
    expect(row).toMatchObject({ status: 'pending', attempts: 1 });
    expect(String(row?.lastError)).toContain('unreachable');

    const listed = await runCli(['outbox'], { env });
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/test:hang .*pending.* 1 .*next try in/);
    expect(listed.stdout).toContain('1 pending, 0 failed, 0 sent.');
  });

  it('refuses a second daemon with a clear line, and reports health to a supervisor', async () => {
    const { env } = setup();
    const daemon = spawnDaemon(env);
    children.push(daemon.child);
    await daemon.waitFor('ready');
    expect(daemon.stdout()).toContain(
      `Signal: receiving via jsonrpc from ${signal.url}/api/v1/events?account=%2B15550000000.`,
    );

    const second = await runCli(['daemon'], { env });
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(
      new RegExp(
        `^steward: another steward daemon is already running on .*steward\\.db \\(pid ${daemon.child.pid} on `,
      ),
    );
    expect(second.stderr.trim().split('\n')).toHaveLength(1);

    await eventually(() => expect(signal.eventClients).toBe(1));
    const healthy = await runCli(['health'], { env });
    expect(healthy.stdout).toContain(`ok: the steward daemon is running (pid ${daemon.child.pid} `);
    expect(healthy.code).toBe(0);
    const json = await runCli(['health', '--json'], { env });
    expect(JSON.parse(json.stdout)).toMatchObject({
      status: 'ok',
      daemon: { pid: daemon.child.pid },
      state: { signal: { state: 'connected', api: 'jsonrpc' } },
    });

    daemon.child.kill('SIGINT');
    expect(await daemon.exited).toBe(0);
    const down = await runCli(['health'], { env });
    expect(down.code).toBe(3);
    expect(down.stdout).toContain(
      `down: the steward daemon is not running (pid ${daemon.child.pid} stopped cleanly at `,
    );
  });

  it('lists the outbox by status', async () => {
    const { dataDir, env } = setup();
    const opened = await openTestSteward({ dataDir, clock: { now: () => new Date() }, env: signalEnv(signal.url) });
    const outbox = opened.steward.outbox;
    outbox.enqueue({
      idempotencyKey: 'briefing:morning:2026-11-20',
      channel: 'signal',
      recipients: [OWNER],
      text: 'sent one',
    });
    await outbox.deliver('briefing:morning:2026-11-20');
    outbox.enqueue({
      idempotencyKey: 'briefing:morning:2026-11-21',
      channel: 'signal',
      recipients: [OWNER],
      text: 'waiting one',
    });
    signal.mode = 'recipient-failure';
    outbox.enqueue({ idempotencyKey: 'reply:signal:x:1', channel: 'signal', recipients: [OWNER], text: 'failed one' });
    await expect(outbox.deliver('reply:signal:x:1')).rejects.toThrow('UNREGISTERED_FAILURE');
    await opened.close();

    const all = await runCli(['outbox'], { env });
    expect(all.code).toBe(0);
    expect(all.stdout).toMatch(/briefing:morning:2026-11-21 .*pending/);
    expect(all.stdout).toMatch(/reply:signal:x:1 .*failed .* failed one .* Signal send failed: Failed to send message/);
    expect(all.stdout).toContain('UNREGISTERED_FAILURE');
    expect(all.stdout).toMatch(/briefing:morning:2026-11-20 .*sent/);
    expect(all.stdout).toContain('1 pending, 1 failed, 1 sent.');
    const failed = await runCli(['outbox', '--status', 'failed'], { env });
    expect(failed.stdout).toContain('reply:signal:x:1');
    expect(failed.stdout).not.toContain('briefing:morning');
    const wrong = await runCli(['outbox', '--status', 'lost'], { env });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain('Unknown status "lost".');
  });

  it('prints a systemd unit and a launchd plist with instructions, and writes one only when asked', async () => {
    const { dataDir, env } = setup();
    const home = mkdtempSync(join(tmpdir(), 'steward-home-'));
    cleanups.push(() => rmSync(home, { recursive: true, force: true }));
    const serviceEnv = {
      ...env,
      HOME: home,
      XDG_CONFIG_HOME: join(home, '.config'),
      OPENAI_API_KEY: 'sk-service-test-123456',
    };

    const systemd = await runCli(['service', 'install', '--systemd'], { env: serviceEnv });
    expect(systemd.code).toBe(0);
    expect(systemd.stdout).toMatch(/^\[Unit\]\n/);
    // Bare: systemd reads WorkingDirectory="/path" as a relative path and refuses to start the unit.
    expect(systemd.stdout.split('\n')).toContain(`WorkingDirectory=${fromRoot().replace(/%/g, '%%')}`);
    expect(systemd.stdout).toContain(`ExecStart="${process.execPath}" "${fromRoot('bin', 'steward.js')}" daemon`);
    expect(systemd.stdout).toContain(`Environment="STEWARD_DATA_DIR=${dataDir}"`);
    expect(systemd.stdout).toContain('KillSignal=SIGTERM');
    expect(systemd.stdout).not.toContain('sk-service-test');
    expect(systemd.stderr).toContain('systemctl --user enable --now steward');
    expect(systemd.stderr).toContain('OPENAI_API_KEY is set in your shell but is not written into the unit');
    const unitPath = join(home, '.config', 'systemd', 'user', 'steward.service');
    expect(existsSync(unitPath)).toBe(false);

    const launchd = await runCli(['service', 'install', '--launchd'], { env: serviceEnv });
    expect(launchd.stdout).toContain('<key>Label</key>\n    <string>local.steward.daemon</string>');
    expect(launchd.stdout).toContain(
      `<string>${fromRoot('bin', 'steward.js')}</string>\n      <string>daemon</string>`,
    );
    expect(launchd.stderr).toContain('launchctl bootstrap gui/$(id -u)');

    const written = await runCli(['service', 'install', '--systemd', '--write'], { env: serviceEnv });
    expect(written.code).toBe(0);
    expect(written.stdout).toContain(`Wrote ${unitPath}. Nothing is enabled yet`);
    expect(readFileSync(unitPath, 'utf8')).toBe(systemd.stdout);
    const verdict = verifySystemdUnit(unitPath);
    if (verdict !== undefined) {
      expect(verdict.output).not.toContain(unitPath);
      expect(verdict.code, verdict.output).toBe(0);
    }
    writeFileSync(unitPath, '# edited by hand\n');
    const refused = await runCli(['service', 'install', '--systemd', '--write'], { env: serviceEnv });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('already exists and differs');
    expect(readFileSync(unitPath, 'utf8')).toBe('# edited by hand\n');
  });

  it('has --help for the new commands', async () => {
    for (const args of [
      ['outbox', '--help'],
      ['health', '--help'],
      ['service', 'install', '--help'],
    ]) {
      const result = await runCli(args);
      expect(result.code, args.join(' ')).toBe(0);
      expect(result.stdout).toContain('Usage: steward');
    }
  });
});
