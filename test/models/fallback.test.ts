import { afterEach, describe, expect, it } from 'vitest';
import { refusedUrl, startOpenAIServer, systemText, type OpenAIServer } from '../support/openai-server.js';
import { manualClock, openTestSteward, type TestSteward } from '../support/steward.js';

const OPENAI_KEY = 'sk-test-fallback-0123456789';

describe('model fallback in the same turn', () => {
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

  it('answers with the local fast model when it is up, streaming tokens', async () => {
    const local = await server('local-model');
    const cloud = await server('gpt-test', OPENAI_KEY);
    opened = await openTestSteward({
      env: { STEWARD_LOCAL_FAST_URL: local.url, OPENAI_API_KEY: OPENAI_KEY, OPENAI_BASE_URL: cloud.url },
    });
    const tokens: string[] = [];
    const reply = await opened.say('hello there', { onToken: (token) => tokens.push(token) });
    expect(reply.kind).toBe('agent');
    expect(reply.text).toMatch(/^Hello from local-model\. You said: hello there\n\n\[2026-11-21 Sat 08:00, UTC\]$/);
    expect(tokens.length).toBeGreaterThan(3);
    expect(tokens.join('')).toBe(reply.text);
    expect(reply.via).toMatchObject({ provider: 'local-fast', kind: 'local', fallbackFrom: [] });
    expect(cloud.chatRequests).toHaveLength(0);
    expect(local.chatRequests[0]?.model).toBe('local-model');
  });

  it('falls back to OpenAI when the local server refuses connections', async () => {
    const cloud = await server('gpt-test', OPENAI_KEY);
    opened = await openTestSteward({
      env: { STEWARD_LOCAL_FAST_URL: await refusedUrl(), OPENAI_API_KEY: OPENAI_KEY, OPENAI_BASE_URL: cloud.url },
    });
    const reply = await opened.say('hello there');
    expect(reply.text).toContain('Hello from gpt-test. You said: hello there');
    expect(reply.via).toMatchObject({ provider: 'openai-fast', kind: 'cloud' });
    expect(reply.via?.fallbackFrom).toEqual([{ provider: 'local-fast', reason: 'connection refused' }]);
    expect(cloud.chatRequests[0]?.model).toBe('gpt-4o-mini');
    expect(cloud.authorizations).toContain(`Bearer ${OPENAI_KEY}`);
    const stored = opened.steward.conversations.recent(1)[0];
    expect(stored?.meta).toMatchObject({ provider: 'openai-fast', via: 'cloud' });
  });

  it('falls back when the local server fails the real request, and skips it while its breaker is open', async () => {
    const local = await server('local-model');
    const cloud = await server('gpt-test', OPENAI_KEY);
    local.mode = 'ok';
    const clock = manualClock();
    opened = await openTestSteward({
      clock,
      env: { STEWARD_LOCAL_FAST_URL: local.url, OPENAI_API_KEY: OPENAI_KEY, OPENAI_BASE_URL: cloud.url },
    });
    await opened.steward.providers.probe();
    local.mode = 'error500';
    const first = await opened.say('first');
    expect(first.via?.provider).toBe('openai-fast');
    expect(first.via?.fallbackFrom).toEqual([{ provider: 'local-fast', reason: 'HTTP 500' }]);
    expect(local.chatRequests).toHaveLength(1);

    const second = await opened.say('second');
    expect(second.via?.provider).toBe('openai-fast');
    expect(local.chatRequests).toHaveLength(1); // breaker open: not even tried

    // After the 30 s cooldown a probe runs; the server is back, so local answers again.
    local.mode = 'ok';
    clock.advance(31_000);
    const third = await opened.say('third');
    expect(third.via?.provider).toBe('local-fast');
    expect(local.chatRequests).toHaveLength(2);
  });

  it('skips a local server that is still loading its model (503)', async () => {
    const local = await server('local-model');
    const cloud = await server('gpt-test', OPENAI_KEY);
    local.mode = 'loading';
    opened = await openTestSteward({
      env: { STEWARD_LOCAL_FAST_URL: local.url, OPENAI_API_KEY: OPENAI_KEY, OPENAI_BASE_URL: cloud.url },
    });
    const reply = await opened.say('hi');
    expect(reply.via?.fallbackFrom).toEqual([{ provider: 'local-fast', reason: 'loading model (HTTP 503)' }]);
    expect(local.chatRequests).toHaveLength(0);
  });

  it('treats a model that answers junk as a failure and moves on', async () => {
    const local = await server('local-model');
    const cloud = await server('gpt-test', OPENAI_KEY);
    opened = await openTestSteward({
      env: { STEWARD_LOCAL_FAST_URL: local.url, OPENAI_API_KEY: OPENAI_KEY, OPENAI_BASE_URL: cloud.url },
    });
    await opened.steward.providers.probe();
    local.mode = 'junk';
    const reply = await opened.say('hi');
    expect(reply.via?.provider).toBe('openai-fast');
    expect(reply.text).toContain('Hello from gpt-test');
  });

  it('says so when a provider fails mid-reply, and restarts the answer on the next one', async () => {
    const local = await server('local-model');
    const cloud = await server('gpt-test', OPENAI_KEY);
    local.respond = () => ({ content: 'one two three four five six seven eight' });
    opened = await openTestSteward({
      env: { STEWARD_LOCAL_FAST_URL: local.url, OPENAI_API_KEY: OPENAI_KEY, OPENAI_BASE_URL: cloud.url },
    });
    await opened.steward.providers.probe();
    local.mode = 'cut';
    const events: string[] = [];
    const reply = await opened.say('hello', {
      onToken: (token) => events.push(token),
      onNotice: (notice) => events.push(`NOTICE ${notice}`),
    });
    const noticeAt = events.findIndex((event) => event.startsWith('NOTICE'));
    expect(events.slice(0, noticeAt).join('')).toBe('one two three four ');
    expect(events[noticeAt]).toBe(
      'NOTICE local-fast stopped mid-reply (connection dropped); the answer restarts on the next provider.',
    );
    expect(reply.text).toContain('Hello from gpt-test');
    expect(reply.text).not.toContain('one two');
    expect(reply.notices).toHaveLength(1);
  });

  it('says in one line what was tried and what to set when no model answers; commands still work', async () => {
    opened = await openTestSteward({ env: { STEWARD_LOCAL_FAST_URL: await refusedUrl() } });
    const reply = await opened.say('hello, what can you do?');
    expect(reply.kind).toBe('error');
    expect(reply.text.split('\n')).toHaveLength(1);
    expect(reply.text).toContain('tried local-fast (connection refused)');
    expect(reply.text).toContain('OPENAI_API_KEY');
    expect((await opened.say('add habit walk daily')).kind).toBe('command');
  });

  it('sends nothing to the cloud when models.allowCloud is false', async () => {
    const cloud = await server('gpt-test', OPENAI_KEY);
    opened = await openTestSteward({
      env: { STEWARD_LOCAL_FAST_URL: await refusedUrl(), OPENAI_API_KEY: OPENAI_KEY, OPENAI_BASE_URL: cloud.url },
      overrides: { models: { allowCloud: false } },
    });
    const reply = await opened.say('hi');
    expect(reply.kind).toBe('error');
    expect(reply.text).toContain('models.allowCloud=false');
    expect(cloud.chatRequests).toHaveLength(0);
    expect(cloud.probes).toBe(0);
  });

  it('cancels a reply in progress', async () => {
    const local = await server('local-model');
    opened = await openTestSteward({ env: { STEWARD_LOCAL_FAST_URL: local.url } });
    await opened.steward.providers.probe();
    local.mode = 'hang';
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('cancelled')), 200);
    const started = Date.now();
    const reply = await opened.say('tell me a long story', { signal: controller.signal });
    expect(reply.kind).toBe('cancelled');
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it("puts the plugins' context and the earlier turns into the prompt", async () => {
    const local = await server('local-model');
    opened = await openTestSteward({ env: { STEWARD_LOCAL_FAST_URL: local.url } });
    await opened.say('add habit meditation daily');
    await opened.say('set goal run a marathon by 2027-05-01');
    await opened.say('first question');
    await opened.say('second question');
    const last = local.chatRequests[local.chatRequests.length - 1];
    expect(last).toBeDefined();
    const system = systemText(last!);
    expect(system).toContain('meditation (daily) — not done yet today');
    expect(system).toContain('run a marathon: 0%, by 2027-05-01');
    const texts = last!.messages.map((message) => message.content);
    expect(texts).toContain('first question');
    expect(
      texts.some(
        (text) => typeof text === 'string' && text.startsWith('Hello from local-model. You said: first question'),
      ),
    ).toBe(true);
    expect(last!.messages[0]?.role).toBe('system');
    expect(typeof last!.messages[0]?.content).toBe('string');
  });

  it('never writes the API key to a log line', async () => {
    const lines: string[] = [];
    const cloud = await server('gpt-test', OPENAI_KEY);
    opened = await openTestSteward({
      env: { STEWARD_LOCAL_FAST_URL: await refusedUrl(), OPENAI_API_KEY: OPENAI_KEY, OPENAI_BASE_URL: cloud.url },
      logSink: (line) => lines.push(line),
    });
    opened.log.info({ config: opened.config }, `config with ${OPENAI_KEY}`);
    opened.log.error({ err: new Error(`401 for key ${OPENAI_KEY}`) }, 'failure');
    await opened.say('hi');
    cloud.mode = 'error500';
    await opened.say('again');
    expect(lines.length).toBeGreaterThan(3);
    expect(lines.join('\n')).not.toContain(OPENAI_KEY);
    expect(lines.join('\n')).not.toContain('0123456789');
  });

  it('never runs a tool twice when the provider that called it fails and the next one takes the turn', async () => {
    const local = await server('local-model');
    const cloud = await server('gpt-test', OPENAI_KEY);
    local.respond = () => {
      local.mode = 'error500'; // the tool runs, then the follow-up request fails
      return { toolCalls: [{ name: 'goal_update_progress', arguments: { goal: 'marathon', change: 10 } }] };
    };
    // A naive cloud model calls the same tool again, then reports.
    cloud.respond = (request) => {
      const last = request.messages[request.messages.length - 1];
      if (last?.role === 'tool')
        return { content: `Reported: ${typeof last.content === 'string' ? last.content : ''}` };
      return { toolCalls: [{ name: 'goal_update_progress', arguments: { goal: 'marathon', change: 10 } }] };
    };
    opened = await openTestSteward({
      env: { STEWARD_LOCAL_FAST_URL: local.url, OPENAI_API_KEY: OPENAI_KEY, OPENAI_BASE_URL: cloud.url },
    });
    await opened.say('set goal run a marathon by 2027-05-01');
    const reply = await opened.say('add ten percent to the marathon');
    expect(reply.via?.provider).toBe('openai-fast');
    expect(reply.text).toContain(
      'Reported: (already done earlier in this turn; not repeated) run a marathon: 10% (was 0%)',
    );
    expect(opened.steward.database.prepare('SELECT progress FROM goals').all()).toEqual([{ progress: 10 }]);
    expect(systemText(cloud.chatRequests[0]!)).toContain('these tool calls were already carried out');
    expect(systemText(cloud.chatRequests[0]!)).toContain(
      'goal_update_progress({"goal":"marathon","change":10}) → run a marathon: 10% (was 0%)',
    );
  });
});
