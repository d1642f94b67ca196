import { readdirSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { GloveEmbedder, HashingEmbedder, HttpEmbedder } from '../../src/memory/embedders/index.js';
import { ftsQuery } from '../../src/memory/fts.js';
import { startOpenAIServer, type OpenAIServer } from '../support/openai-server.js';
import { openTestSteward, temporaryDataDir, type TestSteward } from '../support/steward.js';

const TOPICS = [
  'marathon training plan',
  'sister Ana visiting',
  'dentist appointment Tuesday',
  'coffee order oat flat white',
  'tax return deadline',
  'guitar practice chords',
];

async function fill(opened: TestSteward, count: number): Promise<void> {
  for (let index = 0; index < count; index += 1) {
    await opened.say(`note ${index}: ${TOPICS[index % TOPICS.length]} number ${index}`);
  }
  await opened.steward.memory.embedPending();
}

/** The index file in use: the one its metadata file names. */
function currentIndexFile(dataDir: string): string {
  const meta = readdirSync(join(dataDir, 'vectors')).find((name) => name.endsWith('.json'));
  if (meta === undefined) throw new Error('no index metadata');
  return (JSON.parse(readFileSync(join(dataDir, 'vectors', meta), 'utf8')) as { file: string }).file;
}

/** Embedders, the HNSW index files and hybrid recall. */
describe('vectors and recall', () => {
  let opened: TestSteward | undefined;
  let embeddings: OpenAIServer | undefined;
  const cleanups: Array<() => void> = [];
  afterEach(async () => {
    await opened?.close();
    await embeddings?.close();
    opened = undefined;
    embeddings = undefined;
    cleanups.splice(0).forEach((cleanup) => cleanup());
  });

  function dataDir(): string {
    const made = temporaryDataDir();
    cleanups.push(made.remove);
    return made.dataDir;
  }

  it('works with the offline embedder and no server: every hit says why it was recalled', async () => {
    opened = await openTestSteward();
    expect(opened.steward.memory.embedder.id).toBe(GloveEmbedder.ID);
    await fill(opened, 12);
    const result = await opened.steward.memory.recall('when is the dentist appointment?');
    expect(result.vector).toBe('used');
    expect(result.hits[0]?.text).toMatch(/dentist appointment Tuesday/);
    const { rrfK: k, vectorWeight: v } = opened.config.memory.recall;
    for (const hit of result.hits) {
      expect(hit.bm25Rank !== null || hit.vectorRank !== null).toBe(true);
      // Weighted reciprocal rank fusion: (1 − v)/(k + BM25 rank) + v/(k + vector rank).
      expect(hit.fused).toBeCloseTo(
        (hit.bm25Rank === null ? 0 : (1 - v) / (k + hit.bm25Rank)) +
          (hit.vectorRank === null ? 0 : v / (k + hit.vectorRank)),
        10,
      );
      expect(hit.score).toBeCloseTo(hit.fused * hit.weight * hit.recency, 10);
      expect(hit.why).toMatch(/BM25 (#\d+|—) · vector (#\d+ \(cos [\d.-]+\)|—) · RRF /);
    }
    // The top hits are the dentist notes; the word vectors bring related notes after them.
    expect(result.hits.slice(0, 2).every((hit) => /dentist appointment tuesday/i.test(hit.text))).toBe(true);
    const shown = (await opened.say('recall dentist')).text;
    expect(shown).toMatch(
      /^\d+ memories for "dentist" in \d+ ms:\n1\. \[message #\d+, \d{4}-\d{2}-\d{2}\] note \d+: dentist appointment Tuesday/,
    );
    expect(shown).toContain('why: BM25 #1');
  });

  it('reads hostile text as words, never as FTS5 syntax', async () => {
    opened = await openTestSteward();
    await fill(opened, 6);
    expect(ftsQuery('"; DROP TABLE messages; -- NEAR(a b) * ^col:x OR')).toBe(
      '"drop" OR "table" OR "messages" OR "near" OR "col"',
    );
    expect(ftsQuery('the a of ?!')).toBeUndefined();
    const result = await opened.steward.memory.recall('marathon" OR NOT "x* AND (');
    expect(result.hits.length).toBeGreaterThan(0);
  });

  it('embeds through an OpenAI-compatible server in batches of 64 with encoding_format float, once per text, retrying a failure', async () => {
    embeddings = await startOpenAIServer({ model: 'embed-model', dimensions: 16 });
    const embedder = new HttpEmbedder({
      id: 'http:embed-model',
      kind: 'local',
      baseUrl: embeddings.url,
      model: 'embed-model',
      batchSize: 64,
      retryMinMs: 5,
    });
    const texts = Array.from({ length: 10_000 }, (_, index) => `text number ${index}`);
    embeddings.embeddingFailures = 2;
    const vectors = await embedder.embed(texts);
    expect(vectors).toHaveLength(10_000);
    expect(vectors[0]).toHaveLength(16);
    expect(embeddings.embeddingRequests).toHaveLength(157 + 2); // ceil(10000 / 64) = 157, plus the two refused tries
    expect(
      embeddings.embeddingRequests.every(
        (request) => request.encoding_format === 'float' && request.input.length <= 64,
      ),
    ).toBe(true);
    expect(embedder.requests).toBe(159);

    await embeddings.close();
    await expect(
      new HttpEmbedder({
        id: 'x',
        kind: 'local',
        baseUrl: embeddings.url,
        model: 'm',
        retries: 1,
        retryMinMs: 5,
      }).embed(['a']),
    ).rejects.toThrow(/connection refused/);
    embeddings = undefined;
  });

  it('stores each (model, text) once, never re-embeds on load, and rebuilds a missing or corrupt index from the stored vectors', async () => {
    embeddings = await startOpenAIServer({ model: 'embed-model', dimensions: 32 });
    const directory = dataDir();
    const env = { STEWARD_EMBEDDINGS_URL: embeddings.url, STEWARD_EMBEDDINGS_MODEL: 'embed-model' };
    opened = await openTestSteward({ dataDir: directory, env });
    await fill(opened, 30);
    await opened.say('note 0: marathon training plan number 0'); // the same text again: its vector is reused
    await opened.steward.memory.embedPending();
    const embedded = embeddings.embeddingRequests.flatMap((request) => request.input);
    expect(new Set(embedded).size).toBe(embedded.length);
    expect(
      opened.steward.database.prepare("SELECT count(*) AS n FROM embeddings WHERE model = 'http:embed-model'").get(),
    ).toEqual({ n: 31 });
    await opened.close();
    const file = currentIndexFile(directory);

    const calls = (): number =>
      embeddings!.embeddingRequests.filter((request) => !request.input.some((text) => text.includes('dentist'))).length;
    const before = calls();
    const reopen = async (): Promise<{ how: string; reason?: string | undefined }> => {
      opened = await openTestSteward({ dataDir: directory, env });
      const index = await opened.steward.memory.index('http:embed-model');
      await index.ready();
      expect(index.size).toBe(31);
      const result = await opened.steward.memory.recall('dentist appointment');
      expect(result.vector).toBe('used');
      expect(result.hits[0]?.text).toContain('dentist appointment');
      const report = opened.steward.memory.status().index?.opened;
      await opened.close();
      return { how: report?.how ?? '?', reason: report?.reason };
    };
    expect(await reopen()).toEqual({ how: 'loaded', reason: undefined });
    rmSync(join(directory, 'vectors', file));
    expect(await reopen()).toEqual({ how: 'rebuilt', reason: 'missing' });
    const rebuilt = join(directory, 'vectors', currentIndexFile(directory));
    const bytes = readFileSync(rebuilt);
    bytes.fill(7, 200, 400);
    writeFileSync(rebuilt, bytes);
    expect(await reopen()).toEqual({ how: 'rebuilt', reason: 'corrupt (checksum mismatch)' });
    writeFileSync(join(directory, 'vectors', currentIndexFile(directory)), 'not an index');
    expect(await reopen()).toEqual({ how: 'rebuilt', reason: 'corrupt (checksum mismatch)' });
    // No text was embedded again: only the queries ("dentist appointment") went to the server.
    expect(calls()).toBe(before);
  });

  it('re-embeds in the background when the embedding model changes; the old index serves until the new one is complete', async () => {
    embeddings = await startOpenAIServer({ model: 'embed-model', dimensions: 24 });
    const directory = dataDir();
    opened = await openTestSteward({ dataDir: directory, overrides: { embeddings: { provider: 'hashing' } } });
    await fill(opened, 20);
    await opened.close();

    embeddings.embeddingFailures = 1000; // the new server fails at first: nothing is lost, the old model serves
    opened = await openTestSteward({
      dataDir: directory,
      env: { STEWARD_EMBEDDINGS_URL: embeddings.url, STEWARD_EMBEDDINGS_MODEL: 'new-model' },
      overrides: { embeddings: { retries: 0 } },
    });
    const first = await opened.steward.memory.embedPending();
    expect(first.error).toMatch(/HTTP 500/);
    let status = opened.steward.memory.status();
    expect(status.serving).toBe('hashing:v1:384');
    expect(status.reembed).toEqual({ done: 0, total: 20 });
    const during = await opened.steward.memory.recall('guitar practice');
    expect(during.vector).toBe('used');
    expect(during.hits[0]?.text).toContain('guitar practice');

    embeddings.embeddingFailures = 0;
    const progress: Array<[number, number]> = [];
    const second = await opened.steward.memory.embedPending({
      onProgress: (done, total) => progress.push([done, total]),
      retry: true,
    });
    expect(second.embedded).toBe(20);
    expect(progress.at(-1)).toEqual([20, 20]);
    status = opened.steward.memory.status();
    expect(status.serving).toBe('http:new-model');
    expect(status.reembed).toBeUndefined();
    expect(status.vectors).toEqual([
      { model: 'hashing:v1:384', count: 20 },
      { model: 'http:new-model', count: 20 },
    ]);
    const after = await opened.steward.memory.recall('guitar practice');
    expect(after.vector).toBe('used');
    expect(embeddings.embeddingRequests.at(-1)?.input).toEqual(['guitar practice']);
  });

  it('gives a hit for a fact, an episode and a message, weighting facts first', async () => {
    opened = await openTestSteward();
    await opened.say('remember my physio is Dr Jones');
    await opened.say('I saw the physio about my knee');
    const session = opened.steward.conversations.resumeSession('repl', 'owner', 60_000);
    await opened.steward.memory.endSession(session);
    await opened.steward.memory.embedPending();
    const result = await opened.steward.memory.recall('physio');
    // The session's episode is a heuristic one (no model): it quotes the message, so the message stands for it.
    expect(result.hits.map((hit) => hit.ref.type)).toEqual(['fact', 'message']);
    expect(result.hits[0]?.text).toBe('physio: Dr Jones');
    expect(opened.steward.memory.episodes.bySession(session)?.method).toBe('heuristic');
  });

  it('recalls a model-written episode beside the messages it summarizes', async () => {
    opened = await openTestSteward();
    await opened.say('I saw the physio about my knee');
    const session = opened.steward.conversations.resumeSession('repl', 'owner', 60_000);
    await opened.steward.memory.endSession(session);
    const messages = opened.steward.conversations.history(session, 10);
    opened.steward.memory.episodes.save(
      { id: session, channel: 'repl' },
      messages,
      {
        summary: 'The owner had physio for a sore knee.',
        topics: ['physio'],
        sentiment: 'neutral',
        actions: [],
        followups: [],
      },
      { method: 'model', provider: 'local-fast' },
    );
    await opened.steward.memory.embedPending();
    const result = await opened.steward.memory.recall('physio');
    expect(result.hits.map((hit) => hit.ref.type).sort()).toEqual(['episode', 'message']);
  });

  it('the hashing embedder maps word forms together and unrelated texts apart', () => {
    const embedder = new HashingEmbedder(384);
    const cosine = (left: string, right: string): number => {
      const a = embedder.embedOne(left);
      const b = embedder.embedOne(right);
      return a.reduce((sum, value, index) => sum + value * (b[index] ?? 0), 0);
    };
    expect(cosine('running', 'I went for a run')).toBeGreaterThan(0.5);
    expect(cosine('alpha again', 'bravo')).toBe(0);
    expect(cosine('sister', "sister's name: Ana")).toBeGreaterThan(0.5);
    expect(embedder.embedOne('the of and').every((value) => value === 0)).toBe(true);
  });
});
