import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { runRepl } from '../../src/channels/repl.js';
import { replHost } from '../../src/app/repl-host.js';
import { classifyTier } from '../../src/models/tiers.js';
import { lastText, promptTokensOf, startOpenAIServer, tokensOf, type OpenAIServer } from '../support/openai-server.js';
import { openTestSteward, runCli, temporaryDataDir, type TestSteward } from '../support/steward.js';

describe('the tier classifier', () => {
  const cases: Array<[string, 'fast' | 'quality', string]> = [
    ['hi', 'fast', 'short message (1 word), no planning, analysis, writing or code cues'],
    ['I went for a run this morning', 'fast', 'one habit or goal action (a quick tool call)'],
    ['explain photosynthesis', 'fast', 'analysis cue "explain"'],
    ['plan my week around the marathon training', 'quality', 'planning cue "plan my"'],
    ["I'm 40% through the marathon plan", 'fast', 'no planning, analysis, writing or code cues'],
    ['Can you compare these two job offers for me', 'quality', 'analysis cue "compare"'],
    ['draft an email to my landlord about the heating', 'quality', 'writing cue "draft"'],
    ['why does ```/a+b/``` not match "aab"', 'quality', 'code cue "```"'],
    ['what is on today? is it going to rain? should I run or swim?', 'quality', '3 questions'],
    ['how did my week go, can you review it', 'quality', 'review cue "how did my"'],
    ['I meditated and I ran, mark both done', 'fast', '3 habit or goal actions (tools)'],
  ];
  it.each(cases)('%s → %s', (text, tier, reason) => {
    const decision = classifyTier(text);
    expect(decision.tier).toBe(tier);
    expect(decision.source).toBe('classifier');
    expect(decision.reason).toContain(reason);
  });

  it('sends a long message to quality, and says why with the score', () => {
    const decision = classifyTier(Array.from({ length: 160 }, (_, index) => `word${index}`).join(' '));
    expect(decision).toMatchObject({ tier: 'quality', score: 0.5 });
    expect(decision.reason).toBe('long message (160 words) (score 0.50, quality from 0.50)');
  });

  it('follows the configured threshold', () => {
    expect(classifyTier('explain photosynthesis', { qualityThreshold: 0.25 }).tier).toBe('quality');
  });
});

describe('tier choice per turn, through the pipeline', () => {
  const servers: OpenAIServer[] = [];
  let opened: TestSteward | undefined;
  afterEach(async () => {
    await opened?.close();
    opened = undefined;
    await Promise.all(servers.splice(0).map((server) => server.close()));
  });

  async function server(model: string): Promise<OpenAIServer> {
    const started = await startOpenAIServer({ model });
    servers.push(started);
    return started;
  }

  async function twoTiers(overrides?: Record<string, unknown>): Promise<{ fast: OpenAIServer; quality: OpenAIServer }> {
    const fast = await server('small-model');
    const quality = await server('big-model');
    opened = await openTestSteward({
      env: { STEWARD_LOCAL_FAST_URL: fast.url, STEWARD_LOCAL_QUALITY_URL: quality.url },
      ...(overrides === undefined ? {} : { overrides }),
    });
    return { fast, quality };
  }

  function asked(server: OpenAIServer): string[] {
    return server.chatRequests.map((request) => lastText(request).replace(/\n\n\[.*\]$/, ''));
  }

  it('routes by the rules, stores the decision, and /why explains it', async () => {
    const { fast, quality } = await twoTiers();
    const planned = await opened!.say('plan my week around the marathon training');
    expect(planned.via).toMatchObject({ provider: 'local-quality', tier: 'quality' });
    const chat = await opened!.say('hi there');
    expect(chat.via).toMatchObject({ provider: 'local-fast', tier: 'fast' });
    expect(asked(quality)).toEqual(['plan my week around the marathon training']);
    expect(asked(fast)).toEqual(['hi there']);

    const why = await opened!.say('/why');
    expect(why.kind).toBe('command');
    expect(why.text).toContain(
      'tier      fast, chosen by the rules: short message (2 words), no planning, analysis, writing or code cues',
    );
    expect(why.text).toContain('answered  by local-fast (local, model small-model)');
    expect(why.text).toMatch(/time {6}first token after \d+ ms, done after \d+ ms, tier chosen in \d+\.\d\d ms/);
    // steward reports what the server reported.
    expect(why.text).toContain(
      `tokens    ${promptTokensOf(fast.chatRequests[0]!)} prompt + ${tokensOf(chat.text)} completion; 1 model request`,
    );
  });

  it('honours /fast and /quality for one turn on every channel, and stores the message without the prefix', async () => {
    const { fast, quality } = await twoTiers();
    const reply = await opened!.steward.handle({
      channel: 'signal',
      sender: '+15551112222',
      text: '/quality hi',
      receivedAt: new Date(),
    });
    expect(reply.via).toMatchObject({ provider: 'local-quality', tier: 'quality' });
    expect(asked(quality)).toEqual(['hi']);
    const fastReply = await opened!.steward.handle({
      channel: 'signal',
      sender: '+15551112222',
      text: '/FAST plan my week',
      receivedAt: new Date(),
    });
    expect(fastReply.via?.provider).toBe('local-fast');
    expect(asked(fast)).toEqual(['plan my week']);
    const stored = opened!.steward.conversations.recent(4);
    expect(stored.map((message) => message.text).filter((_, index) => index % 2 === 0)).toEqual(['hi', 'plan my week']);
    expect(stored[2]?.meta).toEqual({ tierOverride: 'fast' });

    const why = await opened!.steward.handle({
      channel: 'signal',
      sender: '+15551112222',
      text: '/why',
      receivedAt: new Date(),
    });
    expect(why.text).toContain('tier      fast, chosen by your override: you asked for it with /fast');
  });

  it('answers a bare /fast outside the REPL with how to use it, and runs no model', async () => {
    const { fast, quality } = await twoTiers();
    const reply = await opened!.steward.handle({
      channel: 'signal',
      sender: '+15551112222',
      text: '/fast',
      receivedAt: new Date(),
    });
    expect(reply.kind).toBe('error');
    expect(reply.text).toBe(
      'Put your message after /fast, for example "/fast plan my week". (In the REPL, /fast alone sets the tier for the session.)',
    );
    expect(fast.chatRequests.length + quality.chatRequests.length).toBe(0);
  });

  it('runs a plugin command after a tier prefix without any model', async () => {
    const { fast, quality } = await twoTiers();
    expect((await opened!.say('/quality add habit walk daily')).text).toContain('Added habit walk (daily)');
    expect(fast.chatRequests.length + quality.chatRequests.length).toBe(0);
  });

  it('sets the tier for a REPL session with a bare /quality, until /auto', async () => {
    const { fast, quality } = await twoTiers();
    const input = new PassThrough();
    const output = new PassThrough();
    let text = '';
    output.on('data', (chunk: Buffer) => (text += chunk.toString()));
    input.end(['/quality', 'hi', '/why', '/status', '/auto', 'hello', '/quality what next', 'bye'].join('\n') + '\n');
    await runRepl({ host: replHost(opened!.steward), input, output, terminal: false, sender: 'owner' });
    expect(asked(quality)).toEqual(['hi', 'what next']);
    expect(asked(fast)).toEqual(['hello', 'bye']);
    expect(text).toContain('Every turn of this session now goes to the quality tier.');
    expect(text).toContain(
      'tier      quality, chosen by the session override: this session is set to quality (/quality; /auto to undo)',
    );
    expect(text).toContain('tier       quality for this session (/auto to undo)');
    expect(text).toContain('steward chooses the tier of each turn again');
  });

  it('sends briefings to quality and records them as turns', async () => {
    const { fast, quality } = await twoTiers();
    const briefing = await opened!.steward.composeBriefing('morning');
    expect(briefing.writtenBy).toBe('local-quality');
    expect(fast.chatRequests).toHaveLength(0);
    expect(quality.chatRequests).toHaveLength(1);
    const turn = opened!.steward.turns.last();
    expect(turn).toMatchObject({
      purpose: 'briefing',
      outcome: 'answered',
      provider: 'local-quality',
      decision: { tier: 'quality', source: 'caller', reason: 'briefings go to quality' },
    });
  });

  it('asks the router model when it is enabled, and falls back to the rules past its time budget', async () => {
    const fast = await server('small-model');
    const quality = await server('big-model');
    const router = await server('router-model');
    router.respond = (request) => ({ content: lastText(request).includes('poem') ? 'quality' : 'fast' });
    opened = await openTestSteward({
      env: { STEWARD_LOCAL_FAST_URL: fast.url, STEWARD_LOCAL_QUALITY_URL: quality.url },
      overrides: {
        models: {
          providers: [{ id: 'router', baseUrl: router.url, model: 'router-model', tier: 'fast', kind: 'local' }],
          routing: { routerModel: { enabled: true, provider: 'router', budgetMs: 300 } },
        },
      },
    });
    const poem = await opened.say('a poem about rain');
    expect(poem.via?.provider).toBe('local-quality');
    expect(router.chatRequests[0]).toMatchObject({ model: 'router-model', max_tokens: 3, stream: false });
    expect(opened.steward.turns.last()?.decision).toMatchObject({ tier: 'quality', source: 'router-model' });
    expect(opened.steward.turns.last()?.decision.reason).toMatch(
      /^router model router said quality in \d+ ms \(rules said fast: /,
    );

    router.mode = 'hang';
    const slow = await opened.say('plan my week');
    expect(slow.via?.provider).toBe('local-quality');
    expect(opened.steward.turns.last()?.decision).toMatchObject({ tier: 'quality', source: 'classifier' });
    expect(opened.steward.turns.last()?.decision.reason).toMatch(
      /^router model router: over its 300 ms budget; rules: planning cue "plan my"/,
    );
  });

  it('runs "/quality ..." and "/why" with the built CLI', async () => {
    const fast = await server('small-model');
    const quality = await server('big-model');
    const { dataDir, remove } = temporaryDataDir();
    try {
      const env = {
        STEWARD_DATA_DIR: dataDir,
        STEWARD_LOCAL_FAST_URL: fast.url,
        STEWARD_LOCAL_QUALITY_URL: quality.url,
        STEWARD_TIMEZONE: 'UTC',
      };
      const answered = await runCli(['run', '/quality', 'hello'], { env });
      expect(answered.code).toBe(0);
      expect(answered.stdout).toContain('Hello from big-model. You said: hello');
      const why = await runCli(['run', '/why'], { env });
      expect(why.code).toBe(0);
      expect(why.stdout).toContain('tier      quality, chosen by your override: you asked for it with /quality');
      expect(why.stdout).toContain('answered  by local-quality (local, model big-model)');
      const bare = await runCli(['run', '/fast'], { env });
      expect(bare.code).toBe(1);
      expect(bare.stderr).toContain('Put your message after /fast');
    } finally {
      remove();
    }
  });
});
