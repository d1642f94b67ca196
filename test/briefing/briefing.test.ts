import { afterEach, describe, expect, it } from 'vitest';
import { Scheduler } from '../../src/scheduler/scheduler.js';
import { DeliveryError } from '../../src/shared/errors.js';
import { lastText, startOpenAIServer, systemText, type OpenAIServer } from '../support/openai-server.js';
import { startSignalServer, type SignalServer } from '../support/signal-server.js';
import { manualClock, openTestSteward, type TestSteward } from '../support/steward.js';

const OWNER = '+15551112222';
const ACCOUNT = '+15550000000';

describe('morning briefing', () => {
  let opened: TestSteward | undefined;
  let model: OpenAIServer | undefined;
  let signal: SignalServer | undefined;
  afterEach(async () => {
    await opened?.close();
    await model?.close();
    await signal?.close();
    opened = undefined;
    model = undefined;
    signal = undefined;
  });

  async function withData(env: Record<string, string>): Promise<TestSteward> {
    const steward = await openTestSteward({ env, clock: manualClock('2026-11-21T07:00:00Z') });
    await steward.say('add habit meditation daily');
    await steward.say('check in meditation yesterday');
    await steward.say('set goal run a 10k by 2026-12-01');
    await steward.say('update progress 10k 10%');
    return steward;
  }

  function signalEnv(url: string): Record<string, string> {
    return { STEWARD_SIGNAL_URL: url, STEWARD_SIGNAL_ACCOUNT: ACCOUNT, STEWARD_SIGNAL_TO: OWNER };
  }

  it('is written by the model from the habits and goals sections and arrives as one Signal send', async () => {
    model = await startOpenAIServer({
      model: 'local-model',
      respond: (request) => ({ content: `Morning! ${lastText(request).split('\n').length} lines of news.` }),
    });
    signal = await startSignalServer();
    opened = await withData({ STEWARD_LOCAL_FAST_URL: model.url, ...signalEnv(signal.url) });

    const job = opened.steward.plugins.schedules().find((candidate) => candidate.id === 'briefings:morning');
    expect(job?.cron).toBe('0 7 * * *');
    const scheduler = new Scheduler({
      database: opened.steward.database,
      timeZone: 'UTC',
      clock: opened.steward.clock,
      log: opened.log,
    });
    const run = (scheduledFor: Date) =>
      scheduler.runOnce(job!, scheduledFor, (target, at) =>
        opened!.steward.plugins.guard('briefings', 'job', () =>
          target.schedule.handler({ scheduledFor: at }, target.plugin.context),
        ),
      );
    expect(await run(new Date('2026-11-21T07:00:00Z'))).toBe('ok');

    const request = model.chatRequests[model.chatRequests.length - 1]!;
    expect(systemText(request)).toContain('morning briefing for 2026-11-21');
    const input = lastText(request);
    expect(input).toContain('Habits due today:\n- meditation (daily) — not done yet today');
    expect(input).toContain('Streaks at risk:\n- meditation: the 1-day streak ends if it is not done today');
    expect(input).toContain(
      'Goals needing attention:\n- run a 10k — 10%, by 2026-12-01 (10 days left), on track (ahead by 10%)',
    );

    expect(signal.sent).toHaveLength(1);
    expect(signal.sent[0]).toMatchObject({ account: ACCOUNT, recipients: [OWNER] });
    expect(signal.sent[0]?.message).toMatch(/^Morning! \d+ lines of news\.$/);

    // The same scheduled time never sends twice, even if the job fires again.
    expect(await run(new Date('2026-11-21T07:00:30Z'))).toBe('duplicate');
    expect(signal.sent).toHaveLength(1);
    const outbound = opened.steward.database
      .prepare("SELECT text, meta FROM messages WHERE channel = 'signal'")
      .all() as Array<{ text: string; meta: string }>;
    expect(outbound).toHaveLength(1);
    expect(JSON.parse(outbound[0]!.meta)).toMatchObject({ idempotencyKey: 'briefing:morning:2026-11-21' });
  });

  it('falls back to a plain rendering of the same data, marked as such, when no model answers', async () => {
    signal = await startSignalServer();
    opened = await withData(signalEnv(signal.url));
    const briefing = await opened.steward.composeBriefing('morning');
    expect(briefing.writtenBy).toBe('template');
    expect(briefing.text).toBe(
      [
        'Good morning — 2026-11-21',
        '',
        'Habits due today:',
        '- meditation (daily) — not done yet today',
        '',
        'Streaks at risk:',
        '- meditation: the 1-day streak ends if it is not done today',
        '',
        'Goals needing attention:',
        '- run a 10k — 10%, by 2026-12-01 (10 days left), on track (ahead by 10%)',
        '',
        '(Plain rendering: no model answered.)',
      ].join('\n'),
    );
    await opened.steward.deliverToOwner({ idempotencyKey: 'test:1', text: briefing.text });
    expect(signal.sent.map((sent) => sent.message)).toEqual([briefing.text]);
  });

  it('fails loudly, with the reason, when Signal refuses or is not configured', async () => {
    signal = await startSignalServer();
    signal.mode = 'rpc-error';
    opened = await withData(signalEnv(signal.url));
    await expect(opened.steward.deliverToOwner({ idempotencyKey: 'test:2', text: 'x' })).rejects.toThrow(
      'Signal send failed',
    );
    expect(opened.steward.outbox.get('test:2')).toMatchObject({ status: 'pending', attempts: 1 });
    await opened.close();

    opened = await openTestSteward();
    const error = await opened.steward
      .deliverToOwner({ idempotencyKey: 'test:3', text: 'x' })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DeliveryError);
    expect((error as Error).message).toBe(
      'Signal is not configured: set STEWARD_SIGNAL_URL, STEWARD_SIGNAL_TO (see docs/signal.md)',
    );
  });

  it('splits a briefing longer than 4000 characters into parts, each sent once', async () => {
    model = await startOpenAIServer({
      model: 'local-model',
      respond: () => ({ content: Array.from({ length: 400 }, (_, index) => `Line ${index}: keep going.`).join('\n') }),
    });
    signal = await startSignalServer();
    opened = await withData({ STEWARD_LOCAL_FAST_URL: model.url, ...signalEnv(signal.url) });
    const briefing = await opened.steward.composeBriefing('morning');
    await opened.steward.deliverToOwner({ idempotencyKey: 'briefing:morning:2026-11-21', text: briefing.text });
    await opened.steward.deliverToOwner({ idempotencyKey: 'briefing:morning:2026-11-21', text: briefing.text });
    expect(signal.sent.length).toBeGreaterThan(1);
    expect(signal.sent.every((sent) => sent.message.length <= 4000)).toBe(true);
    expect(signal.sent.map((sent) => sent.message).join('\n')).toBe(briefing.text);
  });

  it('shows the briefing in the chat with "briefing morning", without sending it', async () => {
    signal = await startSignalServer();
    opened = await withData(signalEnv(signal.url));
    const reply = await opened.say('briefing morning');
    expect(reply.kind).toBe('command');
    expect(reply.text).toContain('Habits due today:');
    expect(signal.sent).toHaveLength(0);
  });
});
