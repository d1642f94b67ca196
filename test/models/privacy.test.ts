import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Daemon } from '../../src/daemon/daemon.js';
import { refusedUrl, startOpenAIServer, type OpenAIServer } from '../support/openai-server.js';
import { manualClock, openTestSteward, runCli, temporaryDataDir, type TestSteward } from '../support/steward.js';

const OPENAI_KEY = 'sk-proj-privacy-A1b2C3d4E5f6G7h8';
const LAB_KEY = 'lab-secret-Z9y8X7w6V5u4';

describe('privacy: allowCloud=false and keys in logs', () => {
  const servers: OpenAIServer[] = [];
  const cleanups: Array<() => void> = [];
  let opened: TestSteward | undefined;
  afterEach(async () => {
    await opened?.close();
    opened = undefined;
    await Promise.all(servers.splice(0).map((server) => server.close()));
    cleanups.splice(0).forEach((cleanup) => cleanup());
  });

  async function server(model: string, apiKey?: string): Promise<OpenAIServer> {
    const started = await startOpenAIServer({
      model,
      ...(apiKey === undefined ? {} : { apiKey, flavor: 'openai' as const }),
    });
    servers.push(started);
    return started;
  }

  it('with models.allowCloud=false sends nothing to the cloud, not even a probe, and says no local provider is up', async () => {
    const cloud = await server('gpt-test', OPENAI_KEY);
    const local = await server('local-model');
    opened = await openTestSteward({
      env: {
        STEWARD_LOCAL_FAST_URL: local.url,
        STEWARD_LOCAL_QUALITY_URL: await refusedUrl(),
        OPENAI_API_KEY: OPENAI_KEY,
        OPENAI_BASE_URL: cloud.url,
      },
      overrides: {
        models: {
          allowCloud: false,
          routing: { routerModel: { enabled: true, provider: 'openai-fast', budgetMs: 300 } },
        },
      },
    });
    expect((await opened.say('hello')).via?.provider).toBe('local-fast');
    expect((await opened.say('plan my week')).via?.provider).toBe('local-fast'); // quality chain: local-quality down, then local-fast
    await opened.steward.composeBriefing('morning');
    await opened.steward.providers.probe();
    const status = opened.steward.status().providers.find((entry) => entry.provider.id === 'openai-fast');
    expect(status?.disabled).toBe('cloud disabled by models.allowCloud=false');
    expect(opened.steward.turns.last()?.decision.reason ?? '').not.toContain('router model openai-fast said');

    await local.close();
    const reply = await opened.say('hello again');
    expect(reply.kind).toBe('error');
    expect(reply.text).toMatch(
      /tried local-fast \(connection (refused|dropped)\), local-quality \(connection refused\), openai-fast \(cloud disabled by models\.allowCloud=false\)/,
    );
    expect(reply.text).toContain('(cloud fallback is off: models.allowCloud=false, so nothing was sent to the cloud)');

    // The daemon's background probes and warm-up leave the cloud alone as well.
    const daemon = new Daemon(opened.steward);
    void daemon.start();
    await daemon.warmUp();
    await daemon.stop();
    expect(cloud.chatRequests).toHaveLength(0);
    expect(cloud.probes).toBe(0);
    expect(cloud.authorizations).toHaveLength(0);
  });

  it('never writes an API key to a log line, through every failure mode', async () => {
    const lines: string[] = [];
    const cloud = await server('gpt-test', OPENAI_KEY);
    const lab = await server('lab-model', 'lab-right-key-0000');
    const local = await server('local-model');
    const clock = manualClock();
    opened = await openTestSteward({
      clock,
      logLevel: 'trace',
      logSink: (line) => lines.push(line),
      env: { STEWARD_LOCAL_FAST_URL: local.url, OPENAI_API_KEY: OPENAI_KEY, OPENAI_BASE_URL: cloud.url },
      overrides: {
        models: {
          providers: [
            { id: 'lab', baseUrl: lab.url, model: 'lab-model', tier: 'fast', kind: 'local', apiKey: LAB_KEY },
          ],
          chains: { fast: ['local-fast', 'lab', 'openai-fast'] },
        },
      },
    });
    opened.log.info({ config: opened.config }, 'configuration loaded');
    for (const mode of ['ok', 'error500', 'junk', 'truncate', 'cut', 'loading'] as const) {
      local.mode = mode;
      clock.advance(301_000); // past the longest cooldown: every open breaker gets its half-open probe
      await opened.say(`hello in mode ${mode}`);
    }
    // The lab server rejects its key and echoes it back in the error, as OpenAI does.
    expect(lab.authorizations.some((header) => header === `Bearer ${LAB_KEY}`)).toBe(true);
    cloud.mode = 'error500';
    await opened.say('everything fails');
    expect(lines.length).toBeGreaterThan(10);
    const log = lines.join('\n');
    expect(log).toContain('provider circuit opened');
    expect(log).toContain('[redacted]'); // the keys were there (the configuration line) and were blanked out
    expect(log).not.toContain(OPENAI_KEY);
    expect(log).not.toContain(LAB_KEY);
    expect(log).not.toContain('A1b2C3d4');
    // Nor in what is stored.
    const stored =
      JSON.stringify(opened.steward.database.prepare('SELECT * FROM turns').all()) +
      JSON.stringify(opened.steward.conversations.recent(100));
    expect(stored).not.toContain(OPENAI_KEY);
    expect(stored).not.toContain(LAB_KEY);
  });

  it('keeps keys out of the log file of the built CLI, even when the cloud rejects and echoes the key', async () => {
    const cloud = await server('gpt-test', 'sk-the-right-key-000000');
    const { dataDir, remove } = temporaryDataDir();
    cleanups.push(remove);
    const { writeFileSync } = await import('node:fs');
    const configFile = join(dataDir, 'config.json');
    writeFileSync(configFile, JSON.stringify({ log: { level: 'trace' } }));
    const env = {
      STEWARD_DATA_DIR: dataDir,
      STEWARD_CONFIG: configFile,
      STEWARD_LOCAL_FAST_URL: await refusedUrl(),
      OPENAI_API_KEY: OPENAI_KEY,
      OPENAI_BASE_URL: cloud.url,
    };
    const result = await runCli(['run', 'hello'], { env });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('openai-fast (HTTP 401 (check the API key): set OPENAI_API_KEY)');
    expect(cloud.authorizations).toContain(`Bearer ${OPENAI_KEY}`);
    const log = readFileSync(join(dataDir, 'steward.log'), 'utf8');
    expect(log).toContain('provider circuit opened');
    expect(log).not.toContain(OPENAI_KEY);
    expect(result.stderr + result.stdout).not.toContain(OPENAI_KEY);
  });
});
