import { afterEach, describe, expect, it } from 'vitest';
import { startOpenAIServer, type OpenAIServer, type OpenAIServerOptions } from '../support/openai-server.js';
import { openTestSteward, type TestSteward } from '../support/steward.js';

const OPENAI_KEY = 'sk-test-stall-0123456789';

/**
 * The stall guard counts tokens, not SSE comments (issue 11, item 8): exo
 * sends `: keep-alive` after every 10 s of silence and llama.cpp pings every
 * 30 s, so a wedged generation keeps sending bytes for ever.
 */
describe('the stall guard', () => {
  const servers: OpenAIServer[] = [];
  let opened: TestSteward | undefined;
  afterEach(async () => {
    await opened?.close();
    opened = undefined;
    await Promise.all(servers.splice(0).map((server) => server.close()));
  });

  async function start(options: OpenAIServerOptions): Promise<OpenAIServer> {
    const server = await startOpenAIServer(options);
    servers.push(server);
    return server;
  }

  async function exoAndCloud(timeoutMs: number): Promise<{ exo: OpenAIServer; cloud: OpenAIServer }> {
    const exo = await start({ flavor: 'exo', model: 'mlx-community/Qwen3-30B-A3B-4bit' });
    exo.keepAliveMs = 100; // exo's 10 s, shortened
    exo.respond = () => ({ content: 'one two three four five six seven eight' });
    const cloud = await start({ flavor: 'openai', model: 'gpt-test', apiKey: OPENAI_KEY });
    opened = await openTestSteward({
      env: { STEWARD_LOCAL_FAST_URL: exo.url, OPENAI_API_KEY: OPENAI_KEY, OPENAI_BASE_URL: cloud.url },
      overrides: { models: { requestTimeoutMs: timeoutMs } },
    });
    return { exo, cloud };
  }

  it('gives up on a wedged exo generation that only sends keep-alive comments', async () => {
    const { exo, cloud } = await exoAndCloud(700);
    exo.mode = 'stall';
    const notices: string[] = [];
    const started = Date.now();
    const reply = await opened!.say('hello', { onNotice: (notice) => notices.push(notice) });
    expect(Date.now() - started).toBeLessThan(5000);
    expect(notices).toEqual([
      'local-fast stopped mid-reply (stream stalled: no tokens for 700 ms); the answer restarts on the next provider.',
    ]);
    expect(reply.via?.provider).toBe('openai-fast');
    expect(cloud.chatRequests).toHaveLength(1);
  });

  it('answers when the first token comes within the timeout, keep-alive comments before it or not', async () => {
    const { exo, cloud } = await exoAndCloud(700);
    exo.firstTokenDelayMs = 400; // keep-alive comments at 0, 100, 200 ... ms: not progress, but within the timeout
    const reply = await opened!.say('hello');
    expect(reply.via?.provider).toBe('local-fast');
    expect(reply.text).toContain('one two three');
    expect(cloud.chatRequests).toHaveLength(0);
  });

  it("counts mlx_lm.server's prompt progress comments as progress: a long prompt is not a stall", async () => {
    const mlx = await start({ flavor: 'mlx', model: 'mlx-community/Qwen3-8B-4bit' });
    mlx.firstTokenDelayMs = 1500; // prompt processing, longer than the 700 ms timeout...
    mlx.keepAliveMs = 200; // ...with `: keepalive N/M` every 200 ms, N growing
    opened = await openTestSteward({
      env: { STEWARD_LOCAL_FAST_URL: mlx.url },
      overrides: { models: { requestTimeoutMs: 700 } },
    });
    const reply = await opened.say('hello');
    expect(reply.via).toMatchObject({ provider: 'local-fast', fallbackFrom: [] });
  });
});
