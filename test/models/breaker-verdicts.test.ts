import { describe, expect, it } from 'vitest';
import { promptTokensOf, type OpenAIServer } from '../support/openai-server.js';
import { modelTestFixture } from '../support/model-fixture.js';
import { manualClock, runCli, temporaryDataDir, type TestSteward } from '../support/steward.js';

const OPENAI_KEY = 'sk-test-verdicts-0123456789';

/**
 * What a failed request does to a local provider's breaker (issue 11, items
 * 10 and 12), against servers that fail the way real ones do: only what
 * means the server is down opens it; no 400 from a healthy local server
 * sends a turn to the cloud; a slow reply does not shut out the only local
 * server; a wrong key names the variable to set.
 */
describe('breaker verdicts on real failures', () => {
  const fixture = modelTestFixture();
  const { start, open, cleanups } = fixture;
  let opened: TestSteward;

  async function localAndCloud(
    local: OpenAIServer,
    env: Record<string, string> = {},
  ): Promise<{ cloud: OpenAIServer; steward: TestSteward }> {
    const pair = await fixture.withCloud(local, OPENAI_KEY, env);
    opened = pair.steward;
    return pair;
  }

  function breaker(steward: TestSteward): string | undefined {
    return steward.steward.providers.health('local-fast')?.state;
  }

  it('llama.cpp restarted with a smaller context: its 400 makes steward trim and ask it again, not the cloud', async () => {
    const llama = await start({ model: 'qwen3-8b' });
    const { cloud, steward } = await localAndCloud(llama);
    for (let turn = 0; turn < 6; turn += 1)
      await steward.say(`note ${turn}: ${'a long thought about the week. '.repeat(40)}`);
    // llama-server comes back with -c 6000 before the next probe: steward still believes 32768.
    llama.contextTokens = 6000;
    const before = llama.chatRequests.length;
    const reply = await steward.say('and what now?');
    expect(reply.via).toMatchObject({ provider: 'local-fast', fallbackFrom: [] });
    const sent = llama.chatRequests.slice(before);
    expect(sent.length).toBe(2); // refused once (400 exceed_context_size_error), then trimmed and answered
    expect(promptTokensOf(sent[1]!)).toBeLessThanOrEqual(6000);
    expect(cloud.chatRequests).toHaveLength(0);
    expect(breaker(steward)).toBe('closed');
    expect(steward.steward.providers.health('local-fast')?.server).toMatchObject({
      contextTokens: 6000,
      contextSource: 'the server said so in a context-too-long error',
    });
    // The next probe reads /props again.
    await steward.steward.providers.probe();
    expect(steward.steward.providers.health('local-fast')?.server).toMatchObject({
      contextTokens: 6000,
      contextSource: 'llama.cpp /props n_ctx',
    });
  });

  it('llama-server --no-jinja: the turn runs without tools on the same server, and doctor says so', async () => {
    const llama = await start({ model: 'qwen3-8b' });
    llama.jinja = false;
    const { cloud, steward } = await localAndCloud(llama);
    const reply = await steward.say('hello');
    expect(reply.via).toMatchObject({ provider: 'local-fast', fallbackFrom: [] });
    expect(llama.chatRequests.map((request) => (request.tools ?? []).length > 0)).toEqual([true, false]);
    // The next turn knows: no more requests with tools.
    await steward.say('hello again');
    expect(llama.chatRequests[2]?.tools).toBeUndefined();
    expect(cloud.chatRequests).toHaveLength(0);
    expect(breaker(steward)).toBe('closed');

    const { dataDir, remove } = temporaryDataDir();
    cleanups.push(remove);
    const doctor = await runCli(['doctor'], { env: { STEWARD_DATA_DIR: dataDir, STEWARD_LOCAL_FAST_URL: llama.url } });
    expect(doctor.stdout).toMatch(/ok {4}model local-fast .*takes no tools; breaker closed/);
    expect(doctor.stdout).toContain(
      'warn  tools local-fast     HTTP 500 (tools not supported: tools param requires --jinja flag): its turns run without tools, so chat cannot check in habits or update goals; start llama-server with --jinja',
    );
  });

  it('an Ollama model without tool support: the same, on the same server', async () => {
    const ollama = await start({
      flavor: 'ollama',
      model: 'gemma2:9b',
      models: [{ id: 'gemma2:9b', loaded: true, tools: false }],
      contextTokens: 32_768,
    });
    const { cloud, steward } = await localAndCloud(ollama);
    const reply = await steward.say('hello');
    expect(reply.via).toMatchObject({ provider: 'local-fast', fallbackFrom: [] });
    // Ollama says so in /api/show capabilities: steward never sent it tools.
    expect(ollama.chatRequests.every((request) => request.tools === undefined)).toBe(true);
    expect(cloud.chatRequests).toHaveLength(0);
  });

  it('one slow reply does not shut out the only local server while it is up', async () => {
    const llama = await start({ model: 'qwen3-8b' });
    opened = await open({
      env: { STEWARD_LOCAL_FAST_URL: llama.url },
      overrides: { models: { requestTimeoutMs: 1500 } },
    });
    await opened.say('warm up');
    llama.chatDelayMs = 2500; // longer than the 1500 ms request timeout; /models still answers at once
    const slow = await opened.say('a hard question');
    expect(slow.kind).toBe('error');
    expect(slow.text).toContain('tried local-fast (timed out after 1500 ms)');
    expect(breaker(opened)).toBe('closed');
    llama.chatDelayMs = 0;
    const next = await opened.say('hello again');
    expect(next.via).toMatchObject({ provider: 'local-fast', fallbackFrom: [] });
  });

  it('when every provider is behind an open breaker, probes the first at once instead of giving up', async () => {
    const llama = await start({ model: 'qwen3-8b' });
    opened = await open({ clock: manualClock(), env: { STEWARD_LOCAL_FAST_URL: llama.url } });
    await opened.say('warm up');
    llama.mode = 'error500'; // a crash: this opens the breaker for 30 s
    expect((await opened.say('one')).kind).toBe('error');
    expect(breaker(opened)).toBe('open');
    llama.mode = 'ok'; // restarted, well within the cooldown
    const back = await opened.say('two');
    expect(back.via).toMatchObject({ provider: 'local-fast', fallbackFrom: [] });
    expect(breaker(opened)).toBe('closed');
  });

  it('a 5xx opens the breaker; a 400 or 404 from a healthy server does not', async () => {
    const llama = await start({ model: 'qwen3-8b' });
    const { steward } = await localAndCloud(llama);
    await steward.say('warm up');
    llama.mode = 'model-not-found';
    const missing = await steward.say('one');
    expect(missing.via?.provider).toBe('openai-fast');
    expect(missing.via?.fallbackFrom[0]?.reason).toBe(
      'HTTP 404 (check the base URL and model name): set STEWARD_LOCAL_FAST_MODEL',
    );
    expect(breaker(steward)).toBe('closed');
    llama.mode = 'error500';
    await steward.say('two');
    expect(breaker(steward)).toBe('open');
  });

  it("llama.cpp's model list needs no key: a wrong key shows at the first chat, names the variable, and opens no breaker", async () => {
    const llama = await start({ model: 'qwen3-8b', apiKey: 'llama-secret-key-42' });
    const { cloud, steward } = await localAndCloud(llama);
    const reply = await steward.say('hello');
    expect(reply.via?.provider).toBe('openai-fast');
    expect(reply.via?.fallbackFrom).toEqual([
      { provider: 'local-fast', reason: 'HTTP 401 (check the API key): set STEWARD_LOCAL_FAST_API_KEY' },
    ]);
    expect(breaker(steward)).toBe('closed');
    expect(cloud.chatRequests).toHaveLength(1);

    const { dataDir, remove } = temporaryDataDir();
    cleanups.push(remove);
    const env = { STEWARD_DATA_DIR: dataDir, STEWARD_LOCAL_FAST_URL: llama.url };
    const doctor = await runCli(['doctor'], { env });
    expect(doctor.code).toBe(1);
    expect(doctor.stdout).toMatch(
      /FAIL {2}model local-fast +http:\/\/127\.0\.0\.1:\d+\/v1 answered in \d+ ms, but a chat request to model qwen3-8b failed: HTTP 401 \(check the API key\): set STEWARD_LOCAL_FAST_API_KEY \(GET \/models answered without a key/,
    );
    const fixed = await runCli(['run', 'hello'], {
      env: { ...env, STEWARD_LOCAL_FAST_API_KEY: 'llama-secret-key-42' },
    });
    expect(fixed.stdout).toContain('Hello from qwen3-8b');
    expect(llama.authorizations).toContain('Bearer llama-secret-key-42');
  });
});
