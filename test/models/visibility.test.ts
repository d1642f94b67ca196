import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { runRepl } from '../../src/channels/repl.js';
import { replHost } from '../../src/app/repl-host.js';
import {
  promptTokensOf,
  refusedUrl,
  startOpenAIServer,
  tokensOf,
  type OpenAIServer,
} from '../support/openai-server.js';
import { openTestSteward, runCli, temporaryDataDir, type TestSteward } from '../support/steward.js';

const OPENAI_KEY = 'sk-test-visibility-0123456789';

/** What /status, `steward doctor` and the `turns` table show about the providers and each turn. */
describe('router visibility and per-turn metrics', () => {
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

  it('stores each turn: provider, tier, time to first token, total time, tokens and model requests', async () => {
    const local = await server('local-model');
    local.respond = (request) => {
      const last = request.messages[request.messages.length - 1];
      if (last?.role === 'tool') return { content: 'Logged your walk.' };
      return { toolCalls: [{ name: 'habit_check_in', arguments: { habit: 'walk' } }] };
    };
    opened = await openTestSteward({ env: { STEWARD_LOCAL_FAST_URL: local.url } });
    await opened.say('add habit walk daily');
    const reply = await opened.say('I went for a walk');
    expect(reply.text).toBe('Logged your walk.');
    const turn = opened.steward.turns.last();
    const reported = local.chatRequests.map((request) => promptTokensOf(request));
    expect(turn).toMatchObject({
      purpose: 'chat',
      channel: 'repl',
      outcome: 'answered',
      provider: 'local-fast',
      providerKind: 'local',
      model: 'local-model',
      fallbackFrom: [],
      modelRequests: 2, // the tool call, then the answer
      promptTokens: reported[0]! + reported[1]!,
      completionTokens: 1 + tokensOf('Logged your walk.'),
      decision: { tier: 'fast', source: 'classifier' },
    });
    expect(turn?.firstTokenMs).toBeGreaterThan(0);
    expect(turn?.totalMs).toBeGreaterThanOrEqual(turn?.firstTokenMs ?? Infinity);
    // The stored reply links to the turn's row.
    const stored = opened.steward.conversations.recent(1)[0];
    expect(turn?.replyId).toBe(stored?.id);
    expect(stored?.meta).toMatchObject({
      provider: 'local-fast',
      tier: 'fast',
      tierSource: 'classifier',
      via: 'local',
    });
  });

  it('records a turn that nothing answered, with every provider tried', async () => {
    opened = await openTestSteward({ env: { STEWARD_LOCAL_FAST_URL: await refusedUrl() } });
    await opened.say('hello');
    expect(opened.steward.turns.last()).toMatchObject({
      outcome: 'failed',
      provider: null,
      fallbackFrom: [{ provider: 'local-fast', reason: 'connection refused' }],
      modelRequests: 0,
    });
    expect(opened.steward.why(opened.steward.turns.last()!.sessionId!)).toContain(
      'no answer No model answered: tried local-fast (connection refused)',
    );
  });

  it('shows breaker state, last probe, requests served and the last error in /status', async () => {
    const local = await server('local-model');
    const cloud = await server('gpt-test', OPENAI_KEY);
    opened = await openTestSteward({
      env: { STEWARD_LOCAL_FAST_URL: local.url, OPENAI_API_KEY: OPENAI_KEY, OPENAI_BASE_URL: cloud.url },
    });
    await opened.say('one');
    await opened.say('two');
    local.mode = 'error500';
    const input = new PassThrough();
    const output = new PassThrough();
    let text = '';
    output.on('data', (chunk: Buffer) => (text += chunk.toString()));
    input.end('three\n/status\n');
    await runRepl({ host: replHost(opened.steward), input, output, terminal: false, sender: 'owner' });
    // The cloud reply is marked in the REPL.
    expect(text).toContain('via openai-fast · local-fast: HTTP 500');
    const row = (id: string): string => text.split('\n').find((line) => line.startsWith(`│ ${id} `)) ?? '';
    expect(row('local-fast')).toMatch(
      /│ open \(retry in 30s\) +│ \d+ ms, 0s ago +│ 2 req \/ 2 turns +│ HTTP 500 \(0s ago\) +│/,
    );
    expect(row('openai-fast')).toMatch(/│ closed +│ \d+ ms, 0s ago +│ 1 req \/ 1 turn +│ +│/);
    expect(row('openai-quality')).toMatch(/│ closed +│ \d+ ms, 0s ago +│ 0 req \/ 0 turns +│/);
  });

  it('sends /status probes to the cloud only when no local model is up', async () => {
    const local = await server('local-model');
    const cloud = await server('gpt-test', OPENAI_KEY);
    opened = await openTestSteward({
      env: { STEWARD_LOCAL_FAST_URL: local.url, OPENAI_API_KEY: OPENAI_KEY, OPENAI_BASE_URL: cloud.url },
    });
    const input = new PassThrough();
    const output = new PassThrough();
    output.resume();
    input.end('/status\n');
    await runRepl({ host: replHost(opened.steward), input, output, terminal: false, sender: 'owner' });
    expect(local.probes).toBeGreaterThan(0);
    expect(cloud.probes).toBe(0);
    expect(cloud.authorizations).toEqual([]);
  });

  it('shows the same in "steward doctor", counting requests served by earlier processes', async () => {
    const cloud = await server('gpt-test', OPENAI_KEY);
    const { dataDir, remove } = temporaryDataDir();
    cleanups.push(remove);
    const env = {
      STEWARD_DATA_DIR: dataDir,
      STEWARD_LOCAL_FAST_URL: await refusedUrl(),
      OPENAI_API_KEY: OPENAI_KEY,
      OPENAI_BASE_URL: cloud.url,
    };
    expect((await runCli(['run', 'hello'], { env })).code).toBe(0);
    const doctor = await runCli(['doctor'], { env });
    expect(doctor.stdout).toMatch(
      /FAIL {2}model local-fast +http:\/\/127\.0\.0\.1:\d+\/v1: connection refused: start the server or fix the URL; breaker open \(retry in 30s\); served 0 requests/,
    );
    expect(doctor.stdout).toMatch(
      /ok {4}model openai-fast +http:\/\/127\.0\.0\.1:\d+\/v1 answered in \d+ ms; model gpt-4o-mini \(configured\); breaker closed; served 1 request\n/,
    );
  });

  /** `steward doctor` with a config file (in a fresh data directory) and a local fast model. */
  async function doctorWith(
    config: Record<string, unknown>,
    localUrl: string,
  ): Promise<{ code: number | null; stdout: string }> {
    const { dataDir, remove } = temporaryDataDir();
    cleanups.push(remove);
    const { writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const configFile = join(dataDir, 'config.json');
    writeFileSync(configFile, JSON.stringify(config));
    return runCli(['doctor'], {
      env: { STEWARD_DATA_DIR: dataDir, STEWARD_CONFIG: configFile, STEWARD_LOCAL_FAST_URL: localUrl },
    });
  }

  it('warns in "steward doctor" about a chain that names an unknown provider', async () => {
    const local = await server('local-model');
    const doctor = await doctorWith({ models: { chains: { quality: ['studio-70b', 'local-fast'] } } }, local.url);
    expect(doctor.stdout).toContain(
      'warn  chain quality        models.chains.quality names "studio-70b", which no provider has: fix the id or add it to models.providers',
    );
    expect(doctor.stdout).not.toContain('never used');
  });

  it('warns in "steward doctor" about a provider that no chain names', async () => {
    const local = await server('local-model');
    const doctor = await doctorWith(
      {
        models: { providers: [{ id: 'studio-70b', baseUrl: local.url, model: 'big', tier: 'quality', kind: 'local' }] },
      },
      local.url,
    );
    expect(doctor.stdout).toContain(
      'warn  model studio-70b     no chain names it (models.chains.fast / .quality), so it is never used: add "studio-70b" to a chain',
    );
  });
});
