import { afterEach } from 'vitest';
import { startOpenAIServer, type OpenAIServer, type OpenAIServerOptions } from './openai-server.js';
import { openTestSteward, type TestSteward, type TestStewardOptions } from './steward.js';

/** What {@link modelTestFixture} gives a test file. */
export interface ModelTestFixture {
  /** Start a fake model server, closed after the test. */
  start(options: OpenAIServerOptions): Promise<OpenAIServer>;
  /** Open a steward, closed after the test (before the servers). */
  open(options?: TestStewardOptions): Promise<TestSteward>;
  /**
   * A fake OpenAI (the cloud fallback, taking `key`) and a steward whose fast tier is `local`.
   * @param local - the local server
   * @param key - the OpenAI key both are given
   * @param env - more environment for the steward
   */
  withCloud(
    local: OpenAIServer,
    key: string,
    env?: Record<string, string>,
  ): Promise<{ cloud: OpenAIServer; steward: TestSteward }>;
  /** More clean-ups to run after the test (temporary folders). */
  cleanups: Array<() => void>;
}

/**
 * The servers, stewards and temporary folders of a test against fake model
 * servers, all closed after each test: call it once in a `describe`.
 * @returns the fixture
 */
export function modelTestFixture(): ModelTestFixture {
  const servers: OpenAIServer[] = [];
  const stewards: TestSteward[] = [];
  const cleanups: Array<() => void> = [];
  afterEach(async () => {
    for (const steward of stewards.splice(0)) await steward.close();
    await Promise.all(servers.splice(0).map((server) => server.close()));
    for (const cleanup of cleanups.splice(0)) cleanup();
  });
  const start = async (options: OpenAIServerOptions): Promise<OpenAIServer> => {
    const server = await startOpenAIServer(options);
    servers.push(server);
    return server;
  };
  const open = async (options?: TestStewardOptions): Promise<TestSteward> => {
    const steward = await openTestSteward(options);
    stewards.push(steward);
    return steward;
  };
  return {
    start,
    open,
    withCloud: async (local, key, env = {}) => {
      const cloud = await start({ flavor: 'openai', model: 'gpt-test', apiKey: key });
      const steward = await open({
        env: { STEWARD_LOCAL_FAST_URL: local.url, OPENAI_API_KEY: key, OPENAI_BASE_URL: cloud.url, ...env },
      });
      return { cloud, steward };
    },
    cleanups,
  };
}
