import { afterEach, describe, expect, it } from 'vitest';
import { refusedUrl, startOpenAIServer, type OpenAIServer } from '../support/openai-server.js';
import { openTestSteward, type TestSteward } from '../support/steward.js';

const OPENAI_KEY = 'sk-test-failures-0123456789';

/**
 * Every failure mode of a local provider, through `steward.handle` with the
 * real router against local HTTP servers: the turn falls back to the cloud
 * within the same turn, the user sees what the issue promises, and the
 * breaker opens.
 */
describe('failure modes of a local provider', () => {
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

  async function localAndCloud(
    overrides?: Record<string, unknown>,
  ): Promise<{ local: OpenAIServer; cloud: OpenAIServer }> {
    const local = await server('local-model');
    const cloud = await server('gpt-test', OPENAI_KEY);
    local.respond = () => ({ content: 'one two three four five six seven eight' });
    opened = await openTestSteward({
      env: { STEWARD_LOCAL_FAST_URL: local.url, OPENAI_API_KEY: OPENAI_KEY, OPENAI_BASE_URL: cloud.url },
      ...(overrides === undefined ? {} : { overrides }),
    });
    return { local, cloud };
  }

  function collect(): {
    events: string[];
    options: { onToken: (token: string) => void; onNotice: (notice: string) => void };
  } {
    const events: string[] = [];
    return {
      events,
      options: { onToken: (token) => events.push(token), onNotice: (notice) => events.push(`NOTICE ${notice}`) },
    };
  }

  it('treats a stream that ends cleanly before [DONE] as a failure: notice, then the whole answer from the next provider', async () => {
    const { local, cloud } = await localAndCloud();
    await opened!.steward.providers.probe();
    local.mode = 'truncate';
    const { events, options } = collect();
    const reply = await opened!.say('hello', options);
    const noticeAt = events.findIndex((event) => event.startsWith('NOTICE'));
    expect(events.slice(0, noticeAt).join('')).toBe('one two three four ');
    expect(events[noticeAt]).toBe(
      'NOTICE local-fast stopped mid-reply (stream ended before [DONE]); the answer restarts on the next provider.',
    );
    expect(events.slice(noticeAt + 1).join('')).toBe(reply.text);
    expect(reply.text).toContain('Hello from gpt-test. You said: hello');
    expect(reply.text).not.toContain('one two');
    expect(reply.via).toMatchObject({
      provider: 'openai-fast',
      kind: 'cloud',
      fallbackFrom: [{ provider: 'local-fast', reason: 'stream ended before [DONE]' }],
    });
    expect(cloud.chatRequests).toHaveLength(1);
    // The half answer is not stored as the reply.
    const stored = opened!.steward.conversations.recent(1)[0];
    expect(stored?.text).toBe(reply.text);
    expect(stored?.meta.notices).toEqual([events[noticeAt]?.replace(/^NOTICE /, '')]);
  });

  it('drops a half answer when no provider is left, and says so', async () => {
    const local = await server('local-model');
    local.respond = () => ({ content: 'one two three four five six' });
    opened = await openTestSteward({ env: { STEWARD_LOCAL_FAST_URL: local.url } });
    await opened.steward.providers.probe();
    local.mode = 'truncate';
    const { events, options } = collect();
    const reply = await opened.say('hello', options);
    expect(events).toContain(
      'NOTICE local-fast stopped mid-reply (stream ended before [DONE]); no other provider is left, so that partial answer is dropped.',
    );
    expect(reply.kind).toBe('error');
    expect(reply.text).toMatch(/^No model answered: tried local-fast \(stream ended before \[DONE\]\)/);
  });

  it('is invisible when a provider fails before its first token (HTTP 500): only the answer streams', async () => {
    const { local, cloud } = await localAndCloud();
    await opened!.steward.providers.probe();
    local.mode = 'error500';
    const { events, options } = collect();
    const reply = await opened!.say('hello', options);
    expect(events.some((event) => event.startsWith('NOTICE'))).toBe(false);
    expect(events.join('')).toBe(reply.text);
    expect(reply.via?.fallbackFrom).toEqual([{ provider: 'local-fast', reason: 'HTTP 500' }]);
    expect(cloud.chatRequests).toHaveLength(1);
  });

  it('gives up on a hanging server after the probe timeout, once; then its breaker is open and it gets no request', async () => {
    const { local, cloud } = await localAndCloud();
    await opened!.steward.providers.probe();
    local.mode = 'hang';
    const first = await opened!.say('first');
    expect(first.text).toContain('Hello from gpt-test. You said: first');
    expect(first.via?.fallbackFrom).toEqual([
      { provider: 'local-fast', reason: 'not responding (timed out after 1000 ms)' },
    ]);
    const requestsSoFar = local.authorizations.length;
    const second = await opened!.say('second');
    expect(second.via?.provider).toBe('openai-fast');
    expect(local.authorizations).toHaveLength(requestsSoFar); // breaker open: not contacted at all
    expect(opened!.steward.status().providers.find((entry) => entry.provider.id === 'local-fast')?.health.state).toBe(
      'open',
    );
    expect(cloud.chatRequests).toHaveLength(2);
  });

  it('gives up on a server that hangs from the start at its first probe', async () => {
    const { local } = await localAndCloud();
    local.mode = 'hang';
    const reply = await opened!.say('hello');
    expect(reply.via?.fallbackFrom).toEqual([{ provider: 'local-fast', reason: 'timed out after 1000 ms' }]);
    expect(local.chatRequests).toHaveLength(0);
  });

  it('waits for a busy server that is alive (its /models answers) instead of giving up on it', async () => {
    const { local, cloud } = await localAndCloud();
    await opened!.steward.providers.probe();
    local.chatDelayMs = 1500; // longer than the 1000 ms probe timeout
    local.respond = () => ({ content: 'slow but sure' });
    const reply = await opened!.say('hello');
    expect(reply.text).toMatch(/^slow but sure/);
    expect(reply.via).toMatchObject({ provider: 'local-fast', fallbackFrom: [] });
    expect(cloud.chatRequests).toHaveLength(0);
  });

  it('treats a stream that goes quiet for the provider timeout as a failure', async () => {
    const local = await server('local-model');
    const cloud = await server('gpt-test', OPENAI_KEY);
    local.respond = () => ({ content: 'one two three four five six' });
    opened = await openTestSteward({
      env: { OPENAI_API_KEY: OPENAI_KEY, OPENAI_BASE_URL: cloud.url },
      overrides: {
        models: {
          providers: [
            { id: 'studio', baseUrl: local.url, model: 'local-model', tier: 'fast', kind: 'local', timeoutMs: 400 },
          ],
          chains: { fast: ['studio', 'openai-fast'] },
        },
      },
    });
    await opened.steward.providers.probe();
    local.mode = 'stall';
    const { events, options } = collect();
    const reply = await opened.say('hello', options);
    expect(events).toContain(
      'NOTICE studio stopped mid-reply (stream stalled: no tokens for 400 ms); the answer restarts on the next provider.',
    );
    expect(reply.text).toContain('Hello from gpt-test');
  });

  it('opens the breaker once when a closed provider refuses the real request', async () => {
    const { local } = await localAndCloud();
    await opened!.steward.providers.probe();
    await local.close();
    const reply = await opened!.say('hello');
    expect(reply.via).toMatchObject({
      provider: 'openai-fast',
      fallbackFrom: [{ provider: 'local-fast', reason: 'connection refused' }],
    });
    // The liveness probe that ran alongside failed too, but the same outage counts once: the first cooldown (30 s).
    await opened!.steward.providers.settled();
    const health = opened!.steward.status().providers.find((entry) => entry.provider.id === 'local-fast')?.health;
    expect(health?.consecutiveFailures).toBe(1);
    expect((health?.retryAt ?? 0) - opened!.steward.clock.now().getTime()).toBe(30_000);
  });

  it('moves on from a provider that answers with a wrong key (HTTP 401) and says which key to set', async () => {
    // A llama-server started with --api-key: its model list is public, its chat is not.
    const local = await startOpenAIServer({ model: 'local-model', apiKey: 'sk-local-right-key-123' });
    servers.push(local);
    const cloud = await server('gpt-test', OPENAI_KEY);
    opened = await openTestSteward({
      env: { OPENAI_API_KEY: OPENAI_KEY, OPENAI_BASE_URL: cloud.url },
      overrides: {
        models: {
          providers: [
            {
              id: 'lab',
              baseUrl: local.url,
              model: 'local-model',
              tier: 'fast',
              kind: 'local',
              apiKey: 'sk-local-wrong-key-456',
            },
          ],
          chains: { fast: ['lab', 'openai-fast'] },
        },
      },
    });
    const reply = await opened.say('hello');
    expect(reply.via?.fallbackFrom).toEqual([
      { provider: 'lab', reason: 'HTTP 401 (check the API key): set models.providers (id "lab").apiKey' },
    ]);
  });

  it('skips a refused server after its one failed probe, and sends nothing more to it that turn', async () => {
    const cloud = await server('gpt-test', OPENAI_KEY);
    opened = await openTestSteward({
      env: { STEWARD_LOCAL_FAST_URL: await refusedUrl(), OPENAI_API_KEY: OPENAI_KEY, OPENAI_BASE_URL: cloud.url },
    });
    const reply = await opened.say('hello');
    expect(reply.via?.fallbackFrom).toEqual([{ provider: 'local-fast', reason: 'connection refused' }]);
    expect(cloud.chatRequests).toHaveLength(1);
  });

  it('sends a failing chat request once, with no client retries (maxRetries 0), then falls back', async () => {
    const local = await server('local-model');
    const cloud = await server('gpt-test', OPENAI_KEY);
    opened = await openTestSteward({
      env: { STEWARD_LOCAL_FAST_URL: local.url, OPENAI_API_KEY: OPENAI_KEY, OPENAI_BASE_URL: cloud.url },
    });
    local.mode = 'error500'; // /models answers, every chat request gets a 500 (which the OpenAI client retries twice by default, LangChain's wrapper 6 times)
    const reply = await opened.say('hello');
    expect(reply.via?.provider).toBe('openai-fast');
    expect(local.chatRequests).toHaveLength(1);
    expect(cloud.chatRequests).toHaveLength(1);
  });
});
