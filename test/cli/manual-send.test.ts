import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fromRoot } from '../../src/shared/paths.js';
import { eventually, OWNER, signalEnv, startDaemon } from '../support/daemon.js';
import { startSignalServer, type SignalServer } from '../support/signal-server.js';
import { manualClock, openTestSteward, runCli, temporaryDataDir } from '../support/steward.js';

/**
 * Issue 10, item 4: Ctrl-C or kill -9 on `steward briefing morning` while
 * Signal hangs left its outbox row pending, and a daemon sent it 119 s
 * later. A manual send ends with the process that made it. And (moved here
 * from issue 14) no second briefing for a day and kind, however the first
 * was sent: a manual briefing, then the daemon's catch-up of that morning.
 */
describe('manual sends stay manual', () => {
  let signal: SignalServer;
  const cleanups: Array<() => void> = [];
  beforeAll(async () => {
    signal = await startSignalServer();
  });
  afterAll(async () => {
    await signal.close();
  });
  afterEach(() => {
    cleanups.splice(0).forEach((cleanup) => cleanup());
    signal.mode = 'ok';
    signal.sent.length = 0;
    signal.attempts = 0;
  });

  function setup(): { dataDir: string; env: Record<string, string> } {
    const { dataDir, remove } = temporaryDataDir();
    cleanups.push(remove);
    return { dataDir, env: { STEWARD_DATA_DIR: dataDir, STEWARD_TIMEZONE: 'UTC', ...signalEnv(signal.url) } };
  }

  /** Start `steward briefing morning` and wait until Signal has its send (which hangs). */
  async function briefingInFlight(env: Record<string, string>): Promise<ReturnType<typeof spawn>> {
    signal.mode = 'hang';
    const child = spawn(process.execPath, [fromRoot('bin', 'steward.js'), 'briefing', 'morning'], {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    cleanups.push(() => child.kill('SIGKILL'));
    await eventually(() => expect(signal.attempts).toBe(1));
    return child;
  }

  /** A daemon's retry loop on the same database, 3 minutes later (past the 2 min lease). */
  async function daemonLater(dataDir: string): Promise<Record<string, unknown> | undefined> {
    signal.mode = 'ok';
    const clock = manualClock(new Date(Date.now() + 3 * 60_000));
    const opened = await openTestSteward({ dataDir, env: signalEnv(signal.url), clock });
    try {
      await opened.steward.outbox.deliverDue();
      const rows = opened.steward.outbox.list();
      return rows[0] as unknown as Record<string, unknown>;
    } finally {
      await opened.close();
    }
  }

  it('never sends a manual briefing later when its process was killed during the send', async () => {
    const { dataDir, env } = setup();
    const child = await briefingInFlight(env);
    child.kill('SIGKILL');
    await new Promise((resolve) => child.on('close', resolve));
    const row = await daemonLater(dataDir);
    expect(signal.sent).toEqual([]);
    expect(row).toMatchObject({ status: 'failed', retryBy: 'sender' });
    expect(String(row?.lastError)).toContain('the manual send ended without delivery; it is not retried');
  });

  it('gives up a manual briefing at once on Ctrl-C, and says so', async () => {
    const { dataDir, env } = setup();
    const child = await briefingInFlight(env);
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(stderr).toContain('the morning briefing was cancelled; nothing will send it later.');
    const row = await daemonLater(dataDir);
    expect(signal.sent).toEqual([]);
    expect(row).toMatchObject({ status: 'failed' });
    expect(String(row?.lastError)).toContain('cancelled by the owner during the send');
  });

  it('sends no second briefing: a manual one, then the daemon’s catch-up of the same morning', async () => {
    const { dataDir, env } = setup();
    const manual = await runCli(['briefing', 'morning'], { env });
    expect(manual.stdout).toContain('Sent the morning briefing');
    expect(signal.sent).toHaveLength(1);

    // A daemon started now catches up this morning's briefing (a cron that fired a minute ago).
    const configFile = join(dataDir, 'config.json');
    const cron = { cron: '* * * * *', catchUp: { policy: 'run-if-within', graceMs: 3_600_000 } };
    writeFileSync(configFile, JSON.stringify({ plugins: { briefings: { morning: cron } } }));
    const logLines: string[] = [];
    const opened = await openTestSteward({
      dataDir,
      env: { ...signalEnv(signal.url), STEWARD_CONFIG: configFile },
      overrides: { signal: { receive: { enabled: false } }, plugins: { briefings: { weekly: { enabled: false } } } },
      clock: { now: () => new Date() },
      logSink: (line) => logLines.push(line),
    });
    try {
      const { daemon, report } = await startDaemon(opened.steward);
      cleanups.push(() => void daemon.stop());
      expect(JSON.stringify(report)).toContain('briefings:morning');
      await eventually(() =>
        expect(logLines.some((line) => line.includes('briefing not sent: one was sent already for this day'))).toBe(
          true,
        ),
      );
      await daemon.stop();
    } finally {
      await opened.close();
    }
    expect(signal.sent).toHaveLength(1);

    // And by hand again: not sent, with what went out before.
    const again = await runCli(['briefing', 'morning'], { env });
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(
      /^The morning briefing for \d{4}-\d{2}-\d{2} was sent already \(.*\), as briefing:morning:.*:manual:\d+: not sent again/,
    );
    expect(signal.sent).toHaveLength(1);
    expect(signal.sent[0]?.recipients).toEqual([OWNER]);
  });
});
