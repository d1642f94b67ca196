import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { GloveEmbedder } from '../../src/memory/embedders/index.js';
import { insertOldNotes, isExtraction, memoryModel } from '../support/memory.js';
import { refusedUrl, startOpenAIServer, type OpenAIServer } from '../support/openai-server.js';
import { manualClock, openTestSteward, temporaryDataDir, type TestSteward } from '../support/steward.js';

function indexFile(dataDir: string): string {
  const meta = readdirSync(join(dataDir, 'vectors')).find((name) => name.endsWith('.json'));
  return join(
    dataDir,
    'vectors',
    (JSON.parse(readFileSync(join(dataDir, 'vectors', meta as string), 'utf8')) as { file: string }).file,
  );
}

/** Memory when several processes, outages and rebuilds meet. */
describe('memory robustness', () => {
  const opened: TestSteward[] = [];
  const servers: OpenAIServer[] = [];
  const cleanups: Array<() => void> = [];
  afterEach(async () => {
    for (const steward of opened.splice(0)) await steward.close();
    await Promise.all(servers.splice(0).map((server) => server.close()));
    cleanups.splice(0).forEach((cleanup) => cleanup());
  });

  async function open(options: Parameters<typeof openTestSteward>[0]): Promise<TestSteward> {
    const steward = await openTestSteward(options);
    opened.push(steward);
    return steward;
  }

  function dataDir(): string {
    const made = temporaryDataDir();
    cleanups.push(made.remove);
    return made.dataDir;
  }

  it('keeps answering turns while a large index is rebuilt, with BM25 alone until it is done', async () => {
    const directory = dataDir();
    const first = await open({ dataDir: directory });
    insertOldNotes(first.steward.database, 5000);
    await first.steward.memory.embedPending();
    await first.close();
    opened.splice(0);
    rmSync(indexFile(directory));

    const steward = await open({ dataDir: directory });
    const index = await steward.steward.memory.index(steward.steward.memory.embedder.id);
    expect(index.state).toBe('rebuilding');
    // Turns during the rebuild: the database is usable, and recall says why it has no vectors.
    expect((await steward.say('remember my shed key is under the pot')).text).toContain('Remembered');
    const during = await steward.steward.memory.recall('gardening topic 7');
    expect(during.vector).toMatch(/^index rebuilding \(\d+%\)$/);
    expect(during.hits.length).toBeGreaterThan(0);
    await index.ready();
    expect(index.size).toBeGreaterThanOrEqual(5000);
    const after = await steward.steward.memory.recall('gardening topic 7');
    expect(after.vector).toBe('used');
  }, 60_000);

  it("lets two processes with different embedding models share a database without losing or stealing each other's jobs", async () => {
    const embeddings = await startOpenAIServer({ model: 'embed-model', dimensions: 16 });
    servers.push(embeddings);
    const directory = dataDir();
    const daemon = await open({ dataDir: directory });
    for (const text of ['the boiler needs a service', 'book the boiler engineer', 'ana likes tulips'])
      await daemon.say(text);
    await daemon.steward.memory.embedPending();

    // A REPL started with another model: it re-embeds for its model; the daemon keeps serving with its own.
    const repl = await open({
      dataDir: directory,
      env: { STEWARD_EMBEDDINGS_URL: embeddings.url, STEWARD_EMBEDDINGS_MODEL: 'new-model' },
      overrides: { embeddings: { retries: 0 } },
    });
    embeddings.embeddingFailures = 1000;
    await repl.steward.memory.embedPending();
    expect(repl.steward.memory.status().reembed).toEqual({ done: 0, total: 3 });
    await daemon.say('the boiler is fixed');
    await daemon.steward.memory.embedPending();
    const jobs = (model: string): number =>
      (
        daemon.steward.database.prepare('SELECT count(*) AS n FROM embedding_jobs WHERE model = ?').get(model) as {
          n: number;
        }
      ).n;
    expect(jobs(GloveEmbedder.ID)).toBe(0);
    expect(jobs('http:new-model')).toBe(4); // the daemon's new message is queued for both models
    expect(daemon.steward.memory.status().serving).toBe(GloveEmbedder.ID);

    embeddings.embeddingFailures = 0;
    await repl.steward.memory.embedPending({ retry: true });
    expect(repl.steward.memory.status().serving).toBe('http:new-model');
    expect(
      repl.steward.database.prepare("SELECT count(*) AS n FROM embeddings WHERE model = 'http:new-model'").get(),
    ).toEqual({ n: 4 });
    const found = await daemon.steward.memory.recall('boiler fixed');
    // The daemon now recalls with the new model's index (the fake server's vectors are arbitrary; BM25 finds the text).
    expect(found.vector).toBe('used');
    expect(found.hits.find((hit) => hit.text === 'the boiler is fixed')).toMatchObject({ bm25Rank: 1 });
  });

  it('claims a message before extracting its facts, so two processes extract it once', async () => {
    const model = await startOpenAIServer({
      model: 'local-model',
      respond: memoryModel({
        model: 'local-model',
        facts: () => [{ category: 'other', key: 'bike', value: 'a blue Brompton', confidence: 0.8 }],
      }),
    });
    servers.push(model);
    const directory = dataDir();
    const env = { STEWARD_LOCAL_FAST_URL: model.url };
    const overrides = { memory: { extraction: { enabled: true } } };
    const one = await open({ dataDir: directory, env, overrides });
    const two = await open({ dataDir: directory, env, overrides });
    model.chatDelayMs = 100;
    await one.say('my bike is a blue Brompton');
    await Promise.all([one.steward.memory.background(), two.steward.memory.background()]);
    await one.steward.memory.idle();
    expect(model.chatRequests.filter(isExtraction)).toHaveLength(1);
    expect(one.steward.memory.facts.currentByKey('bike')?.confidence).toBe(0.8);
  });

  it('does not count an outage against upgrading a heuristic episode', async () => {
    const directory = dataDir();
    const overrides = { memory: { episodes: { summarizeWithModel: true } } };
    const down = await open({ dataDir: directory, env: { STEWARD_LOCAL_FAST_URL: await refusedUrl() }, overrides });
    await down.say('plan the garden for spring');
    const session = down.steward.conversations.resumeSession('repl', 'owner', 60 * 60_000);
    await down.steward.memory.endSession(session);
    for (let pass = 0; pass < 4; pass += 1) await down.steward.memory.background();
    expect(down.steward.memory.episodes.bySession(session)).toMatchObject({ method: 'heuristic', attempts: 0 });
    await down.close();
    opened.splice(0);

    const model = await startOpenAIServer({ model: 'local-model', respond: memoryModel({ model: 'local-model' }) });
    servers.push(model);
    const up = await open({ dataDir: directory, env: { STEWARD_LOCAL_FAST_URL: model.url }, overrides });
    await up.steward.memory.background();
    expect(up.steward.memory.episodes.bySession(session)).toMatchObject({ method: 'model' });
  });

  it('opens a conversation again when a message arrives after the daemon ended it, and summarizes it whole', async () => {
    const clock = manualClock('2026-11-21T08:00:00Z');
    const steward = await open({ clock });
    const session = steward.steward.conversations.startSession('repl', 'owner');
    await steward.say('first I talked about tulips', { sessionId: session });
    clock.advance(45 * 60_000);
    await steward.steward.memory.sweep(); // the daemon's minute: the REPL's session has been quiet for 45 min
    expect(steward.steward.memory.episodes.bySession(session)?.summary).not.toContain('daffodils');
    await steward.say('then about daffodils', { sessionId: session });
    const episode = await steward.steward.memory.endSession(session);
    expect(episode?.summary).toBe('2 messages from the owner: "first I talked about tulips" … "then about daffodils".');
  });

  it('loads the index file after the newest vector was forgotten, instead of rebuilding it', async () => {
    const directory = dataDir();
    const first = await open({ dataDir: directory });
    await first.say('remember my locker is 118');
    await first.say('remember my bike lock is 4412');
    await first.steward.memory.embedPending();
    await first.say('forget bike lock');
    await first.close();
    opened.splice(0);
    const second = await open({ dataDir: directory });
    await second.steward.memory.index(second.steward.memory.embedder.id);
    expect(second.steward.memory.status().index?.opened?.how).toBe('loaded');
    // The forgotten fact is never recalled (the word vectors may still bring the locker, a neighbour in meaning).
    const facts = (await second.steward.memory.recall('bike lock')).hits.filter((hit) => hit.ref.type === 'fact');
    expect(facts.some((hit) => hit.text.includes('4412'))).toBe(false);
  });
});
