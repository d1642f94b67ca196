import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { runRepl } from '../../../src/channels/repl.js';
import { replHost } from '../../../src/app/repl-host.js';
import { Scheduler, type RunOutcome } from '../../../src/scheduler/scheduler.js';
import { startSignalServer, type SignalServer } from '../../support/signal-server.js';
import { manualClock, openTestSteward, type ManualClock, type TestSteward } from '../../support/steward.js';

const OWNER = '+15551112222';
const ACCOUNT = '+15550000000';

describe('habit reminders', () => {
  let opened: TestSteward | undefined;
  let signal: SignalServer | undefined;
  afterEach(async () => {
    await opened?.close();
    await signal?.close();
    opened = undefined;
    signal = undefined;
  });

  async function withSignal(
    clock: ManualClock,
    zone: string,
    overrides: Record<string, unknown> = {},
  ): Promise<TestSteward> {
    signal = await startSignalServer();
    opened = await openTestSteward({
      clock,
      overrides,
      env: {
        STEWARD_TIMEZONE: zone,
        STEWARD_SIGNAL_URL: signal.url,
        STEWARD_SIGNAL_ACCOUNT: ACCOUNT,
        STEWARD_SIGNAL_TO: OWNER,
      },
    });
    return opened;
  }

  /** Run the reminders job for one scheduled minute, as the daemon's scheduler does. */
  function runJob(steward: TestSteward, clock: ManualClock, instant: string): Promise<RunOutcome> {
    clock.set(instant);
    const job = steward.steward.plugins.schedules().find((candidate) => candidate.id === 'habits:reminders');
    if (job === undefined) throw new Error('no habits:reminders job');
    const scheduler = new Scheduler({
      database: steward.steward.database,
      timeZone: steward.steward.timeZone,
      clock,
      log: steward.log,
    });
    return scheduler.runOnce(job, new Date(instant), (target, at) =>
      steward.steward.plugins.guard('habits', 'job reminders', () =>
        target.schedule.handler({ scheduledFor: at }, target.plugin.context),
      ),
    );
  }

  it('sends a due habit its reminder once, at its local time, on Signal with an idempotency key per habit and day', async () => {
    const clock = manualClock('2026-11-21T06:00:00Z');
    const steward = await withSignal(clock, 'Europe/Berlin');
    expect(steward.steward.plugins.schedules().find((job) => job.id === 'habits:reminders')?.cron).toBe('* * * * *');
    await steward.say('add habit meditation daily at 07:30');
    await steward.say('add habit floss daily at 07:30');
    await steward.say('check in meditation yesterday');
    await steward.say('check in floss'); // done already: no reminder
    await steward.say('add habit piano on mon,wed,fri at 07:30'); // Saturday: not due

    expect(await runJob(steward, clock, '2026-11-21T06:29:00Z')).toBe('ok'); // 07:29 in Berlin
    expect(signal?.sent).toHaveLength(0);
    expect(await runJob(steward, clock, '2026-11-21T06:30:00Z')).toBe('ok'); // 07:30
    expect(signal?.sent.map((sent) => sent.message)).toEqual([
      'Reminder: meditation (07:30) — not done yet today. Your 1-day streak ends if you miss it. Say "check in meditation" when it is done.',
    ]);
    expect(signal?.sent[0]?.recipients).toEqual([OWNER]);
    expect(await runJob(steward, clock, '2026-11-21T06:31:00Z')).toBe('ok');
    expect(signal?.sent).toHaveLength(1);
    expect(steward.steward.outbox.get('habit-reminder:1:2026-11-21')).toMatchObject({ status: 'sent' });
    // The next day (a Sunday: piano is still not due) both daily habits are due again.
    expect(await runJob(steward, clock, '2026-11-22T06:30:00Z')).toBe('ok');
    expect(signal?.sent.slice(1).map((sent) => sent.message.split(' (')[0])).toEqual([
      'Reminder: meditation',
      'Reminder: floss',
    ]);
    expect(await runJob(steward, clock, '2026-11-23T06:45:00Z')).toBe('ok'); // Monday 07:45
    expect(signal?.sent.slice(3).map((sent) => sent.message.split(' (')[0])).toEqual([
      'Reminder: meditation',
      'Reminder: floss',
      'Reminder: piano',
    ]);
  });

  it('gives up on a reminder more than lateMinutes after its time (the daemon was down)', async () => {
    const clock = manualClock('2026-11-21T06:00:00Z');
    const steward = await withSignal(clock, 'UTC', { plugins: { habits: { reminders: { lateMinutes: 30 } } } });
    await steward.say('add habit stretch daily at 07:00');
    await steward.say('add habit read daily at 06:45');
    await runJob(steward, clock, '2026-11-21T07:20:00Z');
    expect(signal?.sent.map((sent) => sent.message.split(' (')[0])).toEqual(['Reminder: stretch']);
  });

  it('sends a reminder whose time does not exist on the spring-forward day at 03:00, and one at 01:30 on the fall-back day once', async () => {
    const clock = manualClock('2026-03-08T06:00:00Z');
    const steward = await withSignal(clock, 'America/New_York');
    await steward.say('add habit meds daily at 02:30');
    await runJob(steward, clock, '2026-03-08T06:59:00Z'); // 01:59 EST; the next minute is 03:00 EDT
    expect(signal?.sent).toHaveLength(0);
    await runJob(steward, clock, '2026-03-08T07:00:00Z');
    expect(signal?.sent).toHaveLength(1);

    await steward.say('habit reminder meds 01:30');
    await runJob(steward, clock, '2026-11-01T05:30:00Z'); // 01:30 EDT
    await runJob(steward, clock, '2026-11-01T06:30:00Z'); // 01:30 EST, the same wall time an hour later
    expect(signal?.sent).toHaveLength(2);
    expect(steward.steward.database.prepare('SELECT day, status FROM habit_reminders ORDER BY day').all()).toEqual([
      { day: '2026-03-08', status: 'sent' },
      { day: '2026-11-01', status: 'sent' },
    ]);
  });

  it('leaves a reminder Signal failed to deliver to the outbox retries, and does not send it again itself', async () => {
    const clock = manualClock('2026-11-21T06:00:00Z');
    const steward = await withSignal(clock, 'UTC');
    await steward.say('add habit water daily at 09:00');
    (signal as SignalServer).mode = 'http-error';
    expect(await runJob(steward, clock, '2026-11-21T09:00:00Z')).toBe('ok');
    expect(await runJob(steward, clock, '2026-11-21T09:01:00Z')).toBe('ok');
    expect(signal?.attempts).toBe(1);
    expect(steward.steward.database.prepare('SELECT status FROM habit_reminders').all()).toEqual([
      { status: 'queued' },
    ]);
    expect(steward.steward.outbox.get('habit-reminder:1:2026-11-21')).toMatchObject({ status: 'pending', attempts: 1 });
    (signal as SignalServer).mode = 'ok';
    clock.set('2026-11-21T09:05:00Z');
    expect(await steward.steward.outbox.deliverDue()).toEqual({ sent: 1, failed: 0 });
    expect(signal?.sent[0]?.message).toContain('Reminder: water');
  });

  it('shows reminders in the REPL, once each, when Signal is not configured (and the daemon job sends nothing)', async () => {
    const clock = manualClock('2026-11-21T06:00:00Z');
    opened = await openTestSteward({ clock });
    await opened.say('add habit meditation daily at 07:30');
    expect(await runJob(opened, clock, '2026-11-21T07:31:00Z')).toBe('ok');
    expect(opened.steward.database.prepare('SELECT COUNT(*) AS n FROM habit_reminders').get()).toEqual({ n: 0 });

    const input = new PassThrough();
    const output = new PassThrough();
    let text = '';
    output.on('data', (chunk: Buffer) => (text += chunk.toString()));
    input.end('habits\nhabits\ncheck in meditation\n');
    await runRepl({ host: replHost(opened.steward), input, output, terminal: false, sender: 'owner' });
    const lines = text.trim().split('\n');
    expect(lines).toEqual([
      'meditation (daily, at 07:30) #1 — not done yet today, streak 0 days, strength 0%',
      'Reminder: meditation (07:30) — not done yet today. Say "check in meditation" when it is done.',
      'meditation (daily, at 07:30) #1 — not done yet today, streak 0 days, strength 0%',
      'Checked in meditation for today. Streak: 1 day (best 1 day). Strength 5%.',
    ]);
  });

  it('sends no reminder for a time that passed before the habit existed: the first one is tomorrow', async () => {
    const clock = manualClock('2026-11-21T09:00:00Z'); // 10:00 in Berlin
    const steward = await withSignal(clock, 'Europe/Berlin');
    await steward.say('add habit stretch daily at 07:30');
    expect(await runJob(steward, clock, '2026-11-21T09:01:00Z')).toBe('ok');
    expect(await steward.steward.plugins.notices()).toEqual([]);
    expect(signal?.sent).toEqual([]);
    expect(steward.steward.database.prepare('SELECT COUNT(*) AS n FROM outbox').get()).toEqual({ n: 0 });
    // The next morning it is reminded as usual.
    expect(await runJob(steward, clock, '2026-11-22T06:31:00Z')).toBe('ok');
    await steward.steward.outbox.deliverDue();
    expect(signal?.sent.map((message) => message.message)).toEqual([
      expect.stringContaining('Reminder: stretch (07:30)'),
    ]);
    // Without Signal, the REPL shows none on the day it was added either.
    const replClock = manualClock('2026-11-21T09:00:00Z');
    const repl = await openTestSteward({ clock: replClock });
    try {
      await repl.say('add habit read daily at 07:30');
      expect(await repl.steward.plugins.notices()).toEqual([]);
      replClock.set('2026-11-22T07:45:00Z');
      expect(await repl.steward.plugins.notices()).toEqual([expect.stringContaining('Reminder: read (07:30)')]);
    } finally {
      await repl.close();
    }
  });

  it('turns reminders off with plugins.habits.reminders.enabled, and reports a bad setting by its key', async () => {
    opened = await openTestSteward({ overrides: { plugins: { habits: { reminders: { enabled: false } } } } });
    expect(opened.steward.plugins.schedules().map((job) => job.id)).not.toContain('habits:reminders');
    await opened.say('add habit meditation daily at 07:00');
    expect(await opened.steward.plugins.notices()).toEqual([]);
    await opened.close();

    opened = await openTestSteward({ overrides: { plugins: { habits: { reminders: { lateMinutes: 0 } } } } });
    const failure = opened.steward.plugins.failures.find((entry) => entry.name === 'habits');
    expect(failure?.reason).toMatch(/^setup failed: config error: plugins\.habits\.reminders\.lateMinutes /);
    expect((await opened.say('add habit read')).kind).not.toBe('command');
  });
});
