import { afterEach, describe, expect, it } from 'vitest';
import { Daemon } from '../../src/daemon/daemon.js';
import { refusedUrl, startOpenAIServer, systemText, type OpenAIServer } from '../support/openai-server.js';
import { openTestSteward, type TestSteward } from '../support/steward.js';

const OPENAI_KEY = 'sk-test-warmup-0123456789';

describe('daemon warm-up of the local providers', () => {
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

  it('sends each local provider that is up one one-token request with the system prompt, and never the cloud', async () => {
    const local = await server('local-model');
    const cloud = await server('gpt-test', OPENAI_KEY);
    opened = await openTestSteward({
      env: {
        STEWARD_LOCAL_FAST_URL: local.url,
        STEWARD_LOCAL_QUALITY_URL: await refusedUrl(),
        OPENAI_API_KEY: OPENAI_KEY,
        OPENAI_BASE_URL: cloud.url,
      },
    });
    const daemon = new Daemon(opened.steward);
    void daemon.start();
    const results = await daemon.warmUp();
    await daemon.stop();
    expect(results.map(({ provider, status, reason }) => ({ provider, status, reason }))).toEqual([
      { provider: 'local-fast', status: 'warmed', reason: undefined },
      { provider: 'local-quality', status: 'skipped', reason: 'connection refused' },
    ]);
    expect(local.chatRequests).toHaveLength(1);
    expect(local.chatRequests[0]).toMatchObject({ model: 'local-model', max_tokens: 1, stream: false });
    expect(systemText(local.chatRequests[0]!)).toMatch(/^You are steward, a private personal assistant/);
    expect(cloud.chatRequests).toHaveLength(0);
    expect(cloud.probes).toBe(0);
    // A warm-up is not a served turn.
    expect(opened.steward.status().providers.find((entry) => entry.provider.id === 'local-fast')?.usage).toEqual({
      turns: 0,
      requests: 0,
    });
  });

  it('opens the breaker of a provider whose warm-up fails, and can be turned off', async () => {
    const local = await server('local-model');
    local.mode = 'error500';
    opened = await openTestSteward({ env: { STEWARD_LOCAL_FAST_URL: local.url } });
    const daemon = new Daemon(opened.steward);
    void daemon.start();
    expect((await daemon.warmUp())[0]).toMatchObject({ provider: 'local-fast', status: 'failed', reason: 'HTTP 500' });
    await daemon.stop();
    expect(opened.steward.status().providers[0]?.health).toMatchObject({ state: 'open', lastError: 'HTTP 500' });
    await opened.close();

    const quiet = await server('local-model');
    opened = await openTestSteward({
      env: { STEWARD_LOCAL_FAST_URL: quiet.url },
      overrides: { models: { warmUp: false } },
    });
    const second = new Daemon(opened.steward);
    void second.start();
    expect(await second.warmUp()).toEqual([]);
    await second.stop();
    expect(quiet.chatRequests).toHaveLength(0);
  });
});
