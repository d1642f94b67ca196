import { afterEach, describe, expect, it } from 'vitest';
import type { Daemon } from '../../src/daemon/daemon.js';
import { startOpenAIServer, type OpenAIServer } from '../support/openai-server.js';
import { startSignalServer, type SignalServer } from '../support/signal-server.js';
import { eventually, OWNER, signalEnv, startDaemon, startStallingModel } from '../support/daemon.js';
import {
  manualClock,
  openTestSteward,
  temporaryDataDir,
  type ManualClock,
  type TestSteward,
} from '../support/steward.js';

interface RunRow {
  job: string;
  scheduled_for: string;
  status: string;
  kind: string;
  attempts: number;
  error: string | null;
}

describe('catch-up of missed scheduled runs', () => {
  let signal: SignalServer | undefined;
  let model: OpenAIServer | undefined;
  let opened: TestSteward | undefined;
  let daemon: Daemon | undefined;
  const cleanups: Array<() => void> = [];
  const logLines: string[] = [];
  afterEach(async () => {
    await daemon?.stop();
    await opened?.close();
    await signal?.close();
    await model?.close();
    daemon = undefined;
    opened = undefined;
    signal = undefined;
    model = undefined;
    cleanups.splice(0).forEach((cleanup) => cleanup());
    logLines.length = 0;
  });

  /** Open steward as it would be at `now` (UTC), with Signal and, optionally, a model. */
  async function openAt(
    now: string,
    options: {
      dataDir?: string;
      env?: Record<string, string>;
      overrides?: Record<string, unknown>;
      clock?: ManualClock;
    } = {},
  ): Promise<TestSteward> {
    signal ??= await startSignalServer();
    opened = await openTestSteward({
      env: { ...signalEnv(signal.url), ...options.env },
      clock: options.clock ?? manualClock(now),
      logSink: (line) => logLines.push(line),
      ...(options.overrides === undefined ? {} : { overrides: options.overrides }),
      ...(options.dataDir === undefined ? {} : { dataDir: options.dataDir }),
    });
    return opened;
  }

  function runs(): RunRow[] {
    return opened!.steward.database
      .prepare('SELECT job, scheduled_for, status, kind, attempts, error FROM job_runs ORDER BY id')
      .all() as RunRow[];
  }

  function sharedDataDir(): string {
    const { dataDir, remove } = temporaryDataDir();
    cleanups.push(remove);
    return dataDir;
  }

  it('runs a morning briefing missed 2 h 30 min ago (within its 3 h grace) at start, as the template when no model answers', async () => {
    await openAt('2026-11-21T09:30:00Z');
    const started = await startDaemon(opened!.steward);
    daemon = started.daemon;
    const morning = started.report.catchUp.find((decision) => decision.job === 'briefings:morning');
    expect(morning).toMatchObject({
      action: 'run',
      reason: 'missed Sat 2026-11-21 07:00 (2 h 30 min ago), within its 3 h grace: running it now',
    });
    await daemon.idle();

    expect(signal!.sent).toHaveLength(1);
    expect(signal!.sent[0]?.recipients).toEqual([OWNER]);
    expect(signal!.sent[0]?.message).toMatch(
      /^Good morning — 2026-11-21\n[\s\S]*\(Plain rendering: no model answered\.\)$/,
    );
    expect(opened!.steward.outbox.get('briefing:morning:2026-11-21')?.status).toBe('sent');
    expect(runs().find((run) => run.job === 'briefings:morning')).toMatchObject({
      scheduled_for: '2026-11-21T07:00:00.000Z',
      status: 'ok',
      kind: 'catch-up',
    });
    expect(logLines.some((line) => line.includes('catch-up: briefings:morning missed Sat 2026-11-21 07:00'))).toBe(
      true,
    );

    // The weekly briefing's last time (Sunday 18:00, 5½ days ago) is past its 12 h grace: recorded as skipped, and logged.
    const weekly = started.report.catchUp.find((decision) => decision.job === 'briefings:weekly');
    expect(weekly).toMatchObject({
      action: 'skip',
      reason: 'missed Sun 2026-11-15 18:00 (5 days 15 h ago), past its 12 h grace: skipped',
    });
    expect(runs().find((run) => run.job === 'briefings:weekly')).toMatchObject({
      status: 'skipped',
      kind: 'catch-up',
      error: weekly?.reason,
    });
  });

  it('skips a morning briefing missed 4 h ago (past its grace), and logs why', async () => {
    await openAt('2026-11-21T11:00:00Z');
    const started = await startDaemon(opened!.steward);
    daemon = started.daemon;
    await daemon.idle();
    expect(started.report.catchUp.find((decision) => decision.job === 'briefings:morning')).toMatchObject({
      action: 'skip',
      reason: 'missed Sat 2026-11-21 07:00 (4 h ago), past its 3 h grace: skipped',
    });
    expect(signal!.sent).toHaveLength(0);
    expect(runs().find((run) => run.job === 'briefings:morning')).toMatchObject({ status: 'skipped' });
    expect(logLines.some((line) => line.includes('past its 3 h grace: skipped'))).toBe(true);
  });

  it('honours a catch-up policy of skip from the config, and a grace period from the config', async () => {
    await openAt('2026-11-21T07:20:00Z', {
      overrides: {
        briefings: {
          morning: { catchUp: { policy: 'skip', graceMs: 0 } },
          weekly: { catchUp: { policy: 'run-if-within', graceMs: 7 * 24 * 3_600_000 } },
        },
      },
    });
    const started = await startDaemon(opened!.steward);
    daemon = started.daemon;
    await daemon.idle();
    expect(started.report.catchUp.map((decision) => [decision.job, decision.action])).toEqual([
      ['briefings:morning', 'skip'],
      ['briefings:weekly', 'run'],
      ['habits:reminders', 'none'],
    ]);
    expect(started.report.catchUp[2]?.reason).toBe('a polling job: missed times are not caught up');
    expect(started.report.catchUp[0]?.reason).toContain('its policy is to skip missed runs');
    // Caught up six days late, the weekly briefing is still the one for Sunday's time: its title and key agree.
    expect(signal!.sent.map((sent) => sent.message.split('\n')[0])).toEqual(['Your week — 2026-11-15']);
    expect(opened!.steward.outbox.get('briefing:weekly:2026-11-15')?.status).toBe('sent');
  });

  it('never runs a scheduled time twice across a restart', async () => {
    const dataDir = sharedDataDir();
    await openAt('2026-11-21T09:30:00Z', { dataDir });
    daemon = (await startDaemon(opened!.steward)).daemon;
    await daemon.idle();
    expect(signal!.sent).toHaveLength(1);
    await daemon.stop();
    await opened!.close();

    await openAt('2026-11-21T09:45:00Z', { dataDir });
    const restarted = await startDaemon(opened!.steward);
    daemon = restarted.daemon;
    await daemon.idle();
    expect(restarted.report.catchUp.find((decision) => decision.job === 'briefings:morning')).toMatchObject({
      action: 'none',
      reason: 'its last time, Sat 2026-11-21 07:00, has a run (ok)',
    });
    expect(signal!.sent).toHaveLength(1);
    expect(runs().filter((run) => run.job === 'briefings:morning')).toHaveLength(1);
  });

  it('catches up, at the next start, a briefing the shutdown interrupted, and sends it once', async () => {
    const stalling = await startStallingModel();
    cleanups.push(() => void stalling.close());
    const dataDir = sharedDataDir();
    await openAt('2026-11-21T07:00:05Z', { dataDir, env: { STEWARD_LOCAL_FAST_URL: stalling.url } });
    daemon = (await startDaemon(opened!.steward, { shutdownGraceMs: 0 })).daemon;
    await eventually(() => expect(stalling.chatRequests).toBeGreaterThanOrEqual(1));
    await daemon.stop();
    expect(runs()[0]).toMatchObject({ job: 'briefings:morning', status: 'interrupted', attempts: 1 });
    expect(runs()[0]?.error).toContain('the daemon stopped during the run');
    expect(signal!.sent).toHaveLength(0);
    await opened!.close();

    model = await startOpenAIServer({ model: 'local-model', respond: () => ({ content: 'Morning! All is well.' }) });
    await openAt('2026-11-21T07:10:00Z', { dataDir, env: { STEWARD_LOCAL_FAST_URL: model.url } });
    const restarted = await startDaemon(opened!.steward);
    daemon = restarted.daemon;
    expect(restarted.report.catchUp.find((decision) => decision.job === 'briefings:morning')?.reason).toBe(
      'interrupted by a shutdown; missed Sat 2026-11-21 07:00 (10 min ago), within its 3 h grace: running it now',
    );
    await daemon.idle();
    expect(signal!.sent.map((sent) => sent.message)).toEqual(['Morning! All is well.']);
    expect(runs()[0]).toMatchObject({ status: 'ok', kind: 'catch-up', attempts: 2 });
  });

  it('marks a run left "running" by a daemon that died as interrupted, and catches it up', async () => {
    const dataDir = sharedDataDir();
    await openAt('2026-11-21T07:30:00Z', { dataDir, overrides: { briefings: { weekly: { enabled: false } } } });
    opened!.steward.database
      .prepare(
        "INSERT INTO job_runs (job, scheduled_for, started_at, status) VALUES ('briefings:morning', '2026-11-21T07:00:00.000Z', '2026-11-21T07:00:00.100Z', 'running')",
      )
      .run();
    const started = await startDaemon(opened!.steward);
    daemon = started.daemon;
    expect(started.report.interrupted).toBe(1);
    await daemon.idle();
    expect(signal!.sent).toHaveLength(1);
    expect(runs()).toEqual([expect.objectContaining({ status: 'ok', kind: 'catch-up', attempts: 2 })]);
  });
});

describe('a Signal outage', () => {
  let signal: SignalServer | undefined;
  let model: OpenAIServer | undefined;
  let opened: TestSteward | undefined;
  let daemon: Daemon | undefined;
  afterEach(async () => {
    await daemon?.stop();
    await opened?.close();
    await signal?.close();
    await model?.close();
    daemon = undefined;
    opened = undefined;
    signal = undefined;
    model = undefined;
  });

  it('lasting several retries, then success: the briefing is delivered exactly once', async () => {
    signal = await startSignalServer();
    signal.mode = 'http-error';
    const clock = manualClock('2026-11-21T07:00:10Z');
    opened = await openTestSteward({
      env: signalEnv(signal.url),
      clock,
      overrides: { briefings: { weekly: { enabled: false } } },
    });
    const outbox = opened.steward.outbox;
    daemon = (await startDaemon(opened.steward)).daemon;
    await daemon.idle();
    expect(outbox.get('briefing:morning:2026-11-21')).toMatchObject({ status: 'pending', attempts: 1 });
    // The job is done: the briefing is written to the outbox, which owns the retries.
    const job = opened.steward.database
      .prepare("SELECT status FROM job_runs WHERE job = 'briefings:morning'")
      .get() as { status: string };
    expect(job.status).toBe('ok');

    // Three more failures, each after its backoff (30 s, 1 min, 5 min) ...
    for (const [attempts, waitMs] of [
      [2, 30_000],
      [3, 60_000],
      [4, 300_000],
    ] as const) {
      clock.advance(waitMs + 1000);
      await eventually(() => expect(outbox.get('briefing:morning:2026-11-21')?.attempts).toBe(attempts));
    }
    expect(outbox.get('briefing:morning:2026-11-21')?.lastError).toContain('HTTP 500');
    // ... then Signal is back.
    signal.mode = 'ok';
    clock.advance(900_000 + 1000);
    await eventually(() => expect(outbox.get('briefing:morning:2026-11-21')?.status).toBe('sent'));
    expect(signal.sent).toHaveLength(1);
    expect(signal.attempts).toBe(5);

    // Later rounds, and another day's time slot running again, never send it twice.
    clock.advance(3_600_000);
    await daemon.idle();
    await opened.steward.deliverToOwner({ idempotencyKey: 'briefing:morning:2026-11-21', text: 'again' });
    expect(signal.sent).toHaveLength(1);
    // The briefing sent by a retry is stored as an outbound message, once.
    expect(
      opened.steward.database
        .prepare(
          "SELECT channel, sender, role, json_extract(meta, '$.kind') AS kind FROM messages WHERE json_extract(meta, '$.idempotencyKey') = 'briefing:morning:2026-11-21'",
        )
        .all(),
    ).toEqual([{ channel: 'signal', sender: 'steward', role: 'assistant', kind: 'outbound' }]);
  });

  it('delivers a long briefing as parts, in order, each exactly once, across retries', async () => {
    model = await startOpenAIServer({
      model: 'local-model',
      respond: () => ({ content: Array.from({ length: 400 }, (_, index) => `Line ${index}: keep going.`).join('\n') }),
    });
    signal = await startSignalServer();
    const clock = manualClock('2026-11-21T07:00:10Z');
    opened = await openTestSteward({
      env: { ...signalEnv(signal.url), STEWARD_LOCAL_FAST_URL: model.url },
      clock,
      overrides: { briefings: { weekly: { enabled: false } } },
    });
    // Signal takes the first part, then fails once.
    const server = signal;
    server.script = ['ok', 'http-error'];
    daemon = (await startDaemon(opened.steward)).daemon;
    await daemon.idle();
    const rows = opened.steward.outbox.list(undefined, 10).reverse();
    expect(rows.length).toBeGreaterThan(2);
    expect(rows.map((row) => row.idempotencyKey)).toEqual(
      rows.map((_, index) => `briefing:morning:2026-11-21#${index + 1}/${rows.length}`),
    );
    expect(rows.map((row) => row.status)).toEqual(['sent', ...rows.slice(1).map(() => 'pending')]);
    expect(server.sent).toHaveLength(1);

    // After the backoff the loop sends the failed part, then the ones waiting behind it, in order.
    clock.advance(31_000);
    await eventually(() =>
      expect(opened!.steward.outbox.counts()).toMatchObject({ pending: 0, failed: 0, sent: rows.length }),
    );
    expect(server.sent).toHaveLength(rows.length);
    expect(server.sent.every((sent) => sent.message.length <= 4000)).toBe(true);
    expect(server.sent.map((sent) => sent.message).join('\n')).toBe(
      Array.from({ length: 400 }, (_, index) => `Line ${index}: keep going.`).join('\n'),
    );
  });
});
