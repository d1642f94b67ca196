import { afterEach, describe, expect, it, vi } from 'vitest';
import { formatProviders } from '../../src/app/status-text.js';
import { systemClock } from '../../src/shared/time.js';
import { startOpenAIServer, type OpenAIServer } from '../support/openai-server.js';
import { manualClock, openTestSteward, type TestSteward } from '../support/steward.js';

const OPENAI_KEY = 'sk-test-recovery-0123456789';

/** Circuit breakers: cooldowns, half-open probes, recovery and concurrent turns, through `steward.handle`. */
describe('circuit breakers and recovery', () => {
  const servers: OpenAIServer[] = [];
  let opened: TestSteward | undefined;
  afterEach(async () => {
    await opened?.close();
    opened = undefined;
    await Promise.all(servers.splice(0).map((server) => server.close()));
  });

  async function server(model: string, apiKey?: string): Promise<OpenAIServer> {
    const started = await startOpenAIServer({
      model,
      ...(apiKey === undefined ? {} : { apiKey, flavor: 'openai' as const }),
    });
    servers.push(started);
    return started;
  }

  function localFast(): ReturnType<TestSteward['steward']['status']>['providers'][number] {
    const entry = opened!.steward.status().providers.find((candidate) => candidate.provider.id === 'local-fast');
    if (entry === undefined) throw new Error('local-fast is not configured');
    return entry;
  }

  it('skips an open provider for 30 s, then 1 min, then 5 min (the cap); a half-open probe that succeeds puts it back', async () => {
    const local = await server('local-model');
    const cloud = await server('gpt-test', OPENAI_KEY);
    const clock = manualClock();
    opened = await openTestSteward({
      clock,
      env: { STEWARD_LOCAL_FAST_URL: local.url, OPENAI_API_KEY: OPENAI_KEY, OPENAI_BASE_URL: cloud.url },
    });
    await opened.steward.providers.probe();
    local.mode = 'error500';

    // Failure 1 opens the breaker for 30 s.
    expect((await opened.say('one')).via?.provider).toBe('openai-fast');
    expect(await formatProviders(opened.steward.status())).toContain('open (retry in 30s)');
    clock.advance(29_000);
    expect((await opened.say('two')).via?.fallbackFrom).toEqual([{ provider: 'local-fast', reason: 'HTTP 500' }]);
    expect(local.chatRequests).toHaveLength(1);

    // After the cooldown it is half-open; the half-open probe succeeds (the server answers /models),
    // the real request fails again: the next cooldown is 1 min.
    clock.advance(1_000);
    expect(localFast().health.state).toBe('half-open');
    expect(await formatProviders(opened.steward.status())).toContain('half-open');
    await opened.say('three');
    expect(local.chatRequests).toHaveLength(2);
    expect(await formatProviders(opened.steward.status())).toContain('open (retry in 60s)');
    clock.advance(60_000);
    await opened.say('four');
    expect(await formatProviders(opened.steward.status())).toContain('open (retry in 300s)');
    clock.advance(300_000);
    await opened.say('five');
    expect(await formatProviders(opened.steward.status())).toContain('open (retry in 300s)'); // the cap

    // The server comes back: after the cooldown the half-open probe and the request succeed, and the breaker closes.
    local.mode = 'ok';
    clock.advance(300_000);
    const back = await opened.say('six');
    expect(back.via).toMatchObject({ provider: 'local-fast', fallbackFrom: [] });
    expect(localFast().health).toMatchObject({ state: 'closed', consecutiveFailures: 0 });
    // And a later failure starts again from the first cooldown.
    local.mode = 'error500';
    await opened.say('seven');
    expect(await formatProviders(opened.steward.status())).toContain('open (retry in 30s)');
  });

  it('keeps an open provider open when its half-open probe fails, without sending it a chat request', async () => {
    const local = await server('local-model');
    const cloud = await server('gpt-test', OPENAI_KEY);
    const clock = manualClock();
    opened = await openTestSteward({
      clock,
      env: { STEWARD_LOCAL_FAST_URL: local.url, OPENAI_API_KEY: OPENAI_KEY, OPENAI_BASE_URL: cloud.url },
    });
    await opened.steward.providers.probe();
    local.mode = 'error500';
    await opened.say('one');
    local.mode = 'loading';
    clock.advance(30_000);
    const reply = await opened.say('two');
    expect(reply.via?.fallbackFrom).toEqual([{ provider: 'local-fast', reason: 'loading model (HTTP 503)' }]);
    expect(local.chatRequests).toHaveLength(1);
    expect(localFast().health).toMatchObject({ state: 'open', consecutiveFailures: 2 });
  });

  it('notices in the background when a server dies and when it comes back, without any turn', async () => {
    const local = await server('local-model');
    opened = await openTestSteward({
      clock: systemClock,
      env: { STEWARD_LOCAL_FAST_URL: local.url },
      overrides: { models: { health: { timeoutMs: 500, intervalMs: 100, cooldownsMs: [150] } } },
    });
    const providers = opened.steward.providers;
    providers.startHealthChecks();
    await vi.waitFor(() => expect(localFast().health.state).toBe('closed'), { timeout: 5_000, interval: 20 });
    local.mode = 'loading';
    await vi.waitFor(
      () => expect(localFast().health).toMatchObject({ state: 'open', lastError: 'loading model (HTTP 503)' }),
      { timeout: 5_000, interval: 20 },
    );
    const probesWhileDown = local.authorizations.length;
    local.mode = 'ok';
    // The half-open probe runs when the cooldown ends and closes the breaker.
    await vi.waitFor(() => expect(localFast().health.state).toBe('closed'), { timeout: 5_000, interval: 20 });
    expect(local.authorizations.length).toBeGreaterThan(probesWhileDown);
    expect(local.chatRequests).toHaveLength(0);
    providers.stopHealthChecks();
    expect(providers.checking).toBe(false);
  });

  it('answers concurrent turns each with its own reply, and counts one outage once', async () => {
    const local = await server('local-model');
    const cloud = await server('gpt-test', OPENAI_KEY);
    opened = await openTestSteward({
      env: { STEWARD_LOCAL_FAST_URL: local.url, OPENAI_API_KEY: OPENAI_KEY, OPENAI_BASE_URL: cloud.url },
    });
    const questions = ['alpha', 'bravo', 'charlie', 'delta', 'echo'];
    const replies = await Promise.all(
      questions.map((word) =>
        opened!.steward.handle({
          channel: 'signal',
          sender: `+1555000000${questions.indexOf(word)}`,
          text: word,
          receivedAt: new Date(),
        }),
      ),
    );
    replies.forEach((reply, index) => {
      expect(reply.text).toContain(`Hello from local-model. You said: ${questions[index]}`);
      expect(reply.via?.provider).toBe('local-fast');
    });
    expect(local.chatRequests).toHaveLength(5);
    expect(cloud.chatRequests).toHaveLength(0);
    expect(cloud.probes).toBe(0);

    // The local server fails every request: all five turns fall back; the breaker opens once, with the first cooldown.
    local.mode = 'error500';
    const fallbacks = await Promise.all(
      questions.map((word, index) =>
        opened!.steward.handle({
          channel: 'signal',
          sender: `+1555000000${index}`,
          text: `${word} again`,
          receivedAt: new Date(),
        }),
      ),
    );
    fallbacks.forEach((reply, index) => {
      expect(reply.text).toContain(`Hello from gpt-test. You said: ${questions[index]} again`);
      expect(reply.via?.provider).toBe('openai-fast');
    });
    expect(cloud.chatRequests).toHaveLength(5);
    await opened.steward.providers.settled();
    expect(localFast().health.consecutiveFailures).toBe(1);
    expect((localFast().health.retryAt ?? 0) - opened.steward.clock.now().getTime()).toBe(30_000);
    // Each turn is stored with its own provider.
    const rows = opened.steward.database
      .prepare(
        "SELECT provider, COUNT(*) AS n FROM turns WHERE outcome = 'answered' GROUP BY provider ORDER BY provider",
      )
      .all();
    expect(rows).toEqual([
      { provider: 'local-fast', n: 5 },
      { provider: 'openai-fast', n: 5 },
    ]);
  });
});
