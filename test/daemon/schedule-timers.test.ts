import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Daemon } from '../../src/daemon/daemon.js';
import { systemClock } from '../../src/shared/time.js';
import { startSignalServer, type SignalServer } from '../support/signal-server.js';
import { OWNER, signalEnv, startDaemon } from '../support/daemon.js';
import { openTestSteward, temporaryDataDir, type TestSteward } from '../support/steward.js';

/**
 * node-cron driven by vitest fake timers: the clock is the (faked) system
 * clock, so node-cron and steward agree on the time.
 */
describe('the scheduler on node-cron (fake timers)', () => {
  let signal: SignalServer | undefined;
  let opened: TestSteward | undefined;
  let daemon: Daemon | undefined;
  const cleanups: Array<() => void> = [];
  afterEach(async () => {
    await daemon?.stop();
    await opened?.close();
    vi.useRealTimers();
    await signal?.close();
    daemon = undefined;
    opened = undefined;
    signal = undefined;
    cleanups.splice(0).forEach((cleanup) => cleanup());
  });

  it('sends the morning briefing at 07:00 in STEWARD_TIMEZONE, once, and not again after a restart', async () => {
    signal = await startSignalServer();
    const server = signal;
    const { dataDir, remove } = temporaryDataDir();
    cleanups.push(remove);
    vi.useFakeTimers({
      now: new Date('2026-11-21T05:59:50Z'),
      toFake: ['Date', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'],
      shouldAdvanceTime: true,
    });
    const open = (): Promise<TestSteward> =>
      openTestSteward({
        dataDir,
        clock: systemClock,
        env: { ...signalEnv(server.url), STEWARD_TIMEZONE: 'Europe/Berlin' },
        overrides: { briefings: { weekly: { enabled: false } }, signal: { receive: { enabled: false } } },
      });
    // Loops far apart, so that a day of fake time is few timer callbacks.
    const hourly = { outboxIntervalMs: 3_600_000, heartbeatMs: 3_600_000 };

    opened = await open();
    daemon = (await startDaemon(opened.steward, hourly)).daemon;
    await daemon.idle();
    expect(server.sent).toHaveLength(0);

    // 07:00 in Berlin is 06:00 UTC.
    await vi.advanceTimersByTimeAsync(15_000);
    await vi.waitFor(() => expect(server.sent).toHaveLength(1), { timeout: 10_000, interval: 20 });
    await daemon.idle();
    expect(server.sent[0]?.recipients).toEqual([OWNER]);
    expect(server.sent[0]?.message.split('\n')[0]).toBe('Good morning — 2026-11-21');
    // Yesterday's time, 24 h back, was past its grace at start: skipped. Today's ran on time.
    const rows = opened.steward.database
      .prepare(
        "SELECT scheduled_for, status, kind FROM job_runs WHERE job = 'briefings:morning' ORDER BY scheduled_for",
      )
      .all();
    expect(rows).toEqual([
      { scheduled_for: '2026-11-20T06:00:00.000Z', status: 'skipped', kind: 'catch-up' },
      { scheduled_for: '2026-11-21T06:00:00.000Z', status: 'ok', kind: 'scheduled' },
    ]);

    // A restart a minute later: the 07:00 run is on record, so nothing runs again.
    await daemon.stop();
    await opened.close();
    await vi.advanceTimersByTimeAsync(60_000);
    opened = await open();
    const restarted = await startDaemon(opened.steward, hourly);
    daemon = restarted.daemon;
    await daemon.idle();
    expect(restarted.report.catchUp[0]).toMatchObject({
      action: 'none',
      reason: 'its last time, Sat 2026-11-21 07:00, has a run (ok)',
    });
    expect(server.sent).toHaveLength(1);

    // The next morning it runs again, with the next day's key.
    await vi.advanceTimersByTimeAsync(24 * 3_600_000);
    await vi.waitFor(() => expect(server.sent).toHaveLength(2), { timeout: 10_000, interval: 20 });
    expect(server.sent[1]?.message.split('\n')[0]).toBe('Good morning — 2026-11-22');
  });

  it('catches up a time that went by while the machine slept, by its policy', async () => {
    signal = await startSignalServer();
    const server = signal;
    const logLines: string[] = [];
    vi.useFakeTimers({
      now: new Date('2026-11-21T06:59:50Z'),
      toFake: ['Date', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'],
      shouldAdvanceTime: true,
    });
    opened = await openTestSteward({
      clock: systemClock,
      env: signalEnv(server.url),
      overrides: { briefings: { weekly: { enabled: false } }, signal: { receive: { enabled: false } } },
      logSink: (line) => logLines.push(line),
    });
    daemon = (await startDaemon(opened.steward, { outboxIntervalMs: 3_600_000, heartbeatMs: 3_600_000 })).daemon;
    await daemon.idle();

    // The machine sleeps through 07:00 and wakes at 08:00: node-cron's timer fires an hour late.
    vi.setSystemTime(new Date('2026-11-21T07:59:50Z'));
    await vi.advanceTimersByTimeAsync(15_000);
    await vi.waitFor(() => expect(server.sent).toHaveLength(1), { timeout: 10_000, interval: 20 });
    await daemon.idle();
    const run = opened.steward.database
      .prepare("SELECT status, kind FROM job_runs WHERE scheduled_for = '2026-11-21T07:00:00.000Z'")
      .get();
    expect(run).toEqual({ status: 'ok', kind: 'catch-up' });
    expect(
      logLines.some(
        (line) =>
          line.includes('went by while the process was paused') &&
          line.includes('within its 3 h grace: running it now'),
      ),
    ).toBe(true);
  });
});
