import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { runRepl } from '../../src/channels/repl.js';
import { replHost } from '../../src/app/repl-host.js';
import { Daemon } from '../../src/daemon/daemon.js';
import { isChatTurn, isSummary, memoryModel, promptText } from '../support/memory.js';
import { refusedUrl, startOpenAIServer, type OpenAIServer } from '../support/openai-server.js';
import { manualClock, openTestSteward, temporaryDataDir, type TestSteward } from '../support/steward.js';

async function repl(opened: TestSteward, lines: string[]): Promise<string> {
  const input = new PassThrough();
  const output = new PassThrough();
  let text = '';
  output.on('data', (chunk: Buffer) => (text += chunk.toString()));
  input.end(lines.join('\n') + '\n');
  await runRepl({ host: replHost(opened.steward), input, output, terminal: false, sender: 'owner' });
  return text;
}

/** Episodes: written when a session ends, by the model or by the heuristic, and used in the next conversation. */
describe('episodes', () => {
  let opened: TestSteward | undefined;
  let local: OpenAIServer | undefined;
  const cleanups: Array<() => void> = [];
  afterEach(async () => {
    await opened?.close();
    await local?.close();
    cleanups.splice(0).forEach((cleanup) => cleanup());
    opened = undefined;
    local = undefined;
  });

  it('summarizes a session on /end with the fast tier into structured output, and brings it back as "where we left off"', async () => {
    local = await startOpenAIServer({ model: 'local-model', respond: memoryModel({ model: 'local-model' }) });
    opened = await openTestSteward({
      env: { STEWARD_LOCAL_FAST_URL: local.url },
      overrides: { memory: { episodes: { summarizeWithModel: true } } },
    });
    const output = await repl(opened, [
      'I want to train for the marathon in May',
      '/end',
      'what did we talk about last time?',
    ]);
    expect(output).toContain(
      'Saved as episode #1, summarized by local-fast: The owner talked about: I want to train for the marathon in May Open: check the marathon plan.',
    );
    const summaryRequest = local.chatRequests.find(isSummary)!;
    expect(summaryRequest.response_format).toMatchObject({
      type: 'json_schema',
      json_schema: { name: 'episode_summary' },
    });
    expect(promptText(summaryRequest)).toContain('owner (');
    const episode = opened.steward.memory.episodes.bySession(1);
    expect(episode).toMatchObject({
      method: 'model',
      provider: 'local-fast',
      sentiment: 'positive',
      topics: ['testing'],
      followups: ['check the marathon plan'],
    });
    // The next session's turn gets the episode and its follow-ups in the system prompt.
    const next = local.chatRequests.filter(isChatTurn).at(-1)!;
    expect(promptText(next)).toMatch(
      /Where we left off \(\d{4}-\d{2}-\d{2}, repl\): The owner talked about: I want to train for the marathon in May Open follow-ups: check the marathon plan\./,
    );
    // Leaving the REPL ended the second session too.
    expect(opened.steward.memory.episodes.bySession(2)).toBeDefined();
  });

  it('stores a heuristic episode when no model answers, and upgrades it when a model is up', async () => {
    const { dataDir, remove } = temporaryDataDir();
    cleanups.push(remove);
    opened = await openTestSteward({
      dataDir,
      env: { STEWARD_LOCAL_FAST_URL: await refusedUrl() },
      overrides: { memory: { episodes: { summarizeWithModel: true } } },
    });
    await repl(opened, [
      'add habit meditation daily',
      'check in meditation',
      'how should I plan my marathon training?',
    ]);
    const heuristic = opened.steward.memory.episodes.bySession(1)!;
    expect(heuristic).toMatchObject({
      method: 'heuristic',
      sentiment: 'unknown',
      actions: ['add habit meditation daily', 'check in meditation'],
      followups: ['Unanswered: how should I plan my marathon training?'],
    });
    expect(heuristic.summary).toBe(
      '3 messages from the owner: "add habit meditation daily" … "how should I plan my marathon training?".',
    );
    expect(heuristic.topics).toContain('meditation');
    await opened.close();

    // Same database, a model now listens: the next background pass rewrites the episode.
    local = await startOpenAIServer({ model: 'local-model', respond: memoryModel({ model: 'local-model' }) });
    opened = await openTestSteward({
      dataDir,
      env: { STEWARD_LOCAL_FAST_URL: local.url },
      overrides: { memory: { episodes: { summarizeWithModel: true } } },
    });
    await opened.steward.memory.background();
    expect(opened.steward.memory.episodes.bySession(1)).toMatchObject({
      method: 'model',
      summary: 'The owner talked about: add habit meditation daily',
    });
    expect(opened.steward.database.prepare('SELECT count(*) AS n FROM episodes').get()).toEqual({ n: 1 });
  });

  it('falls back to the heuristic when the model answers junk, and does not open its breaker', async () => {
    local = await startOpenAIServer({
      model: 'local-model',
      respond: (request) => ({ content: isSummary(request) ? '{"summary": 42}' : 'hi' }),
    });
    opened = await openTestSteward({
      env: { STEWARD_LOCAL_FAST_URL: local.url },
      overrides: { memory: { episodes: { summarizeWithModel: true } } },
    });
    const output = await repl(opened, ['tell me a joke', '/end']);
    expect(output).toContain('summarized without a model for now');
    expect(opened.steward.memory.episodes.bySession(1)).toMatchObject({ method: 'heuristic', attempts: 1 });
    expect(opened.steward.providers.health('local-fast')?.state).toBe('closed');
  });

  it('ends a daemon session after memory.sessionIdleMinutes of silence and writes its episode', async () => {
    const clock = manualClock('2026-11-21T08:00:00Z');
    opened = await openTestSteward({ clock });
    await opened.steward.handle({
      channel: 'signal',
      sender: '+15551112222',
      text: 'remind me to call the plumber',
      receivedAt: new Date(),
    });
    const daemon = new Daemon(opened.steward, { signalSource: null, memorySweepMs: 20 });
    await daemon.start();
    try {
      clock.advance(29 * 60_000);
      await new Promise((resolve) => setTimeout(resolve, 80));
      expect(opened.steward.memory.episodes.bySession(1)).toBeUndefined();
      clock.advance(2 * 60_000);
      for (let wait = 0; wait < 50 && opened.steward.memory.episodes.bySession(1) === undefined; wait += 1)
        await new Promise((resolve) => setTimeout(resolve, 20));
      expect(opened.steward.memory.episodes.bySession(1)).toMatchObject({
        channel: 'signal',
        method: 'heuristic',
        followups: ['Unanswered: remind me to call the plumber'],
      });
      // The next message from the owner starts a new session.
      await opened.steward.handle({
        channel: 'signal',
        sender: '+15551112222',
        text: 'hi again',
        receivedAt: new Date(),
      });
      expect(
        opened.steward.database.prepare("SELECT count(*) AS n FROM sessions WHERE channel = 'signal'").get(),
      ).toEqual({ n: 2 });
    } finally {
      await daemon.stop();
    }
  });

  it('puts the open follow-ups of recent episodes into the morning briefing', async () => {
    const clock = manualClock('2026-11-21T08:00:00Z');
    opened = await openTestSteward({ clock });
    await repl(opened, ['can you find a physio near me?']);
    clock.set('2026-11-22T06:00:00Z');
    const briefing = await opened.steward.composeBriefing('morning');
    expect(briefing.writtenBy).toBe('template');
    expect(briefing.text).toContain(
      'Open from recent conversations:\n- Unanswered: can you find a physio near me? (from 2026-11-21)',
    );
    clock.set('2026-11-26T06:00:00Z');
    expect((await opened.steward.composeBriefing('morning')).text).not.toContain('physio');
    expect((await opened.steward.composeBriefing('weekly')).text).toContain('physio');
  });
});
