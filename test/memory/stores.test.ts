import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { ConversationStore } from '../../src/memory/conversations.js';
import { HashingEmbedder } from '../../src/memory/embedders/index.js';
import { EmbeddingJobStore } from '../../src/memory/embedding-jobs.js';
import { EmbeddingStore } from '../../src/memory/embedding-store.js';
import { EpisodeStore } from '../../src/memory/episodes.js';
import { ExtractionQueue } from '../../src/memory/extraction-queue.js';
import { FactStore } from '../../src/memory/facts.js';
import { IndexCache } from '../../src/memory/index-cache.js';
import { applyMigrations, readCoreMigrations } from '../../src/memory/migrations.js';
import { HybridRecall } from '../../src/memory/recall.js';
import { MemoryStateStore } from '../../src/memory/state-store.js';
import { textHash } from '../../src/memory/text.js';
import type { OpenVectorIndex } from '../../src/memory/vector-index/index.js';
import { openDatabase, type Database } from '../../src/shared/database.js';
import { silentLogger } from '../../src/shared/log.js';
import { ExactIndex } from '../support/exact-index.js';
import { manualClock, temporaryDataDir } from '../support/steward.js';

/** The stores behind the memory engine, and the vector-index seam, on a real migrated database. */
describe('memory stores', () => {
  let database: Database;
  let remove: () => void;
  let dataDir: string;
  const clock = manualClock();
  beforeEach(() => {
    ({ dataDir, remove } = temporaryDataDir());
    database = openDatabase(dataDir);
    applyMigrations(database, readCoreMigrations());
  });
  afterEach(() => {
    database.close();
    remove();
  });

  /** Rows of each kind, written the way a turn writes them; the triggers queue their jobs for the models in use. */
  function writeMemories(): { forgotten: number } {
    const conversations = new ConversationStore(database, clock);
    const session = conversations.startSession('repl', 'owner');
    conversations.record({ sessionId: session, channel: 'repl', sender: 'owner', role: 'user', text: 'my knee hurts' });
    conversations.record({
      sessionId: session,
      channel: 'repl',
      sender: 'owner',
      role: 'user',
      text: 'check in meditation',
      meta: { command: 'check-in' },
    });
    conversations.record({
      sessionId: session,
      channel: 'repl',
      sender: 'steward',
      role: 'assistant',
      text: 'Rest it and see the physio.',
      meta: { kind: 'agent' },
    });
    conversations.record({
      sessionId: session,
      channel: 'repl',
      sender: 'steward',
      role: 'assistant',
      text: 'Checked in: meditation.',
      meta: { kind: 'command', command: 'check-in' },
    });
    conversations.endSession(session);
    const episodes = new EpisodeStore(database, clock);
    episodes.save(
      { id: session, channel: 'repl' },
      conversations.history(session, 10),
      {
        summary: 'The owner talked about a sore knee.',
        topics: ['knee'],
        sentiment: 'neutral',
        actions: [],
        followups: [],
      },
      { method: 'heuristic' },
    );
    const facts = new FactStore(database, clock);
    facts.reconcile({ category: 'other', key: 'physio', value: 'Dr Jones', confidence: 1, source: 'explicit' });
    const gone = facts.reconcile({ category: 'other', key: 'locker', value: '41', confidence: 1, source: 'explicit' });
    if (gone.action !== 'created') throw new Error('expected a new fact');
    facts.forget(gone.fact.id, 'test');
    new EmbeddingJobStore(database).removeOwner({ type: 'fact', id: gone.fact.id }); // as Memory.forget does
    return { forgotten: gone.fact.id };
  }

  function jobsOf(model: string): string[] {
    return database
      .prepare<[string], { owner: string }>(
        "SELECT owner_type || ':' || owner_id AS owner FROM embedding_jobs WHERE model = ? ORDER BY owner",
      )
      .all(model)
      .map((row) => row.owner);
  }

  it('queues, for a new model, exactly what the triggers queue for the models in use', () => {
    new MemoryStateStore(database).setActiveModels(['model-a']);
    writeMemories();
    const jobs = new EmbeddingJobStore(database);
    const byTriggers = jobsOf('model-a');
    // The owner's message and the model's answer, not the command line or its output; the episode; the current fact.
    expect(byTriggers).toEqual(['episode:1', 'fact:1', 'message:1', 'message:3']);
    expect(jobs.missing('model-b')).toBe(4);
    expect(jobs.enqueueMissing('model-b')).toBe(4);
    expect(jobsOf('model-b')).toEqual(byTriggers);
    expect(jobs.enqueueMissing('model-b')).toBe(0); // already queued
    new EmbeddingStore(database, clock).put(
      { type: 'message', id: 1 },
      'model-b',
      textHash('my knee hurts'),
      new Float32Array([1, 0]),
    );
    expect(jobs.missing('model-b')).toBe(3);
    expect(jobs.count('model-b')).toBe(4); // the job itself goes when the queue finishes it
    jobs.finish([{ type: 'message', id: 1 }], 'model-b', []);
    expect(jobs.count('model-b')).toBe(3);
    jobs.removeModel('model-b');
    expect(jobs.count('model-b')).toBe(0);
  });

  it('hands a job queued for any model on to the other models in use when one model takes it', () => {
    writeMemories(); // no model in use yet: the triggers queue '*'
    const jobs = new EmbeddingJobStore(database);
    expect(jobsOf('*')).toHaveLength(4);
    jobs.bump([{ type: 'message', id: 1 }], 'model-a');
    expect(jobs.count('model-a', 1)).toBe(1);
    expect(jobs.failed('model-a', 1)).toBe(0); // '*' jobs are not the model's own failures
    jobs.finish([{ type: 'message', id: 1 }], 'model-a', ['model-b']);
    expect(jobsOf('*')).toHaveLength(3);
    expect(jobsOf('model-b')).toEqual(['message:1']);
    expect(jobs.resetFailures('model-a')).toBe(0);
  });

  it('keeps the serving embedder, the models in use, a re-embedding and the database id in memory_state', () => {
    const state = new MemoryStateStore(database);
    expect(state.serving()).toBe('missing');
    const spec = { id: 'hashing:v1:384', provider: 'offline' as const, url: null, model: null, dimensions: 384 };
    state.setServing(spec);
    expect(new MemoryStateStore(database).serving()).toEqual(spec);
    database.prepare("UPDATE memory_state SET value = '{not json' WHERE key = 'serving'").run();
    expect(state.serving()).toBe('unreadable');
    expect(state.reembed()).toBeUndefined();
    state.setReembed({ target: 'http:new', total: 12 });
    expect(state.reembed()).toEqual({ target: 'http:new', total: 12 });
    state.setReembed(undefined);
    expect(state.reembed()).toBeUndefined();
    const id = state.databaseId();
    expect(id).toMatch(/^[0-9a-f-]{32,36}$/);
    expect(new MemoryStateStore(database).databaseId()).toBe(id);
  });

  it('lets one process at a time hold a message for fact extraction, until its lease runs out', () => {
    writeMemories();
    const queue = new ExtractionQueue(database, clock);
    queue.mark(1);
    queue.mark(1);
    expect(queue.pending()).toBe(1);
    expect(queue.due(10)).toEqual([{ id: 1, text: 'my knee hurts', attempts: 0 }]);
    expect(queue.claim(1, 60_000)).toBe(true);
    expect(queue.claim(1, 60_000)).toBe(false);
    expect(queue.due(10)).toEqual([]);
    clock.advance(61_000);
    expect(queue.due(10)).toHaveLength(1); // its process died: the lease ran out
    expect(queue.claim(1, 60_000)).toBe(true);
    queue.failedAttempt(1, 3, 3);
    expect(queue.due(10)).toEqual([]);
    expect(queue.pending()).toBe(0);
  });

  it('opens each model index once behind the VectorIndex seam, and recall uses another implementation', async () => {
    const vectors = new EmbeddingStore(database, clock);
    const embedder = new HashingEmbedder(64);
    const texts = ['the boiler was fixed on Monday', 'sister Ana visits in June', 'marathon training plan'];
    writeMemories();
    const conversations = new ConversationStore(database, clock);
    for (const text of texts) {
      const stored = conversations.record({ sessionId: null, channel: 'cli', sender: 'owner', role: 'user', text });
      vectors.put({ type: 'message', id: stored.id }, embedder.id, textHash(text), embedder.embedOne(text));
    }
    let opens = 0;
    let failNext = true;
    const open: OpenVectorIndex = (options) => {
      opens += 1;
      if (failNext) {
        failNext = false;
        return Promise.reject(new Error('native module missing'));
      }
      return ExactIndex.open(options);
    };
    const cache = new IndexCache({
      directory: `${dataDir}/vectors`,
      store: vectors,
      settings: { m: 16, efConstruction: 100, ef: 64, saveEvery: 500 },
      log: silentLogger(),
      databaseId: () => new MemoryStateStore(database).databaseId(),
      open,
    });
    await expect(cache.get(embedder.id)).rejects.toThrow('native module missing');
    expect(cache.opened(embedder.id)).toBeUndefined();
    const [first, second] = await Promise.all([cache.get(embedder.id), cache.get(embedder.id)]);
    expect(first).toBe(second);
    expect(opens).toBe(2); // the failed open was tried again; the two calls after it shared one
    expect(cache.opened(embedder.id)?.report).toMatchObject({ how: 'loaded', caughtUp: 3 });

    const settings = loadConfig({ env: { STEWARD_DATA_DIR: dataDir }, readLocalFile: false }).memory.recall;
    const recall = new HybridRecall({
      database,
      store: vectors,
      index: () => cache.get(embedder.id),
      embedQuery: (text) => Promise.resolve(embedder.embedOne(text)),
      settings: { ...settings, minSimilarity: 0 },
      clock,
    });
    const result = await recall.search('when was the boiler fixed');
    expect(result.vector).toBe('used');
    expect(result.hits[0]).toMatchObject({ text: 'the boiler was fixed on Monday', vectorRank: 1 });
    // The server's model changed under the same id (longer vectors): BM25 alone, and recall says why.
    const changed = new HybridRecall({
      database,
      store: vectors,
      index: () => cache.get(embedder.id),
      embedQuery: (text) => Promise.resolve(new HashingEmbedder(128).embedOne(text)),
      settings: { ...settings, minSimilarity: 0 },
      clock,
    });
    const stale = await changed.search('when was the boiler fixed');
    expect(stale.vector).toBe(
      "the embedder now returns 128-dimension vectors and the stored ones have 64: the server's model changed; set embeddings.model (STEWARD_EMBEDDINGS_MODEL) to its name to re-embed",
    );
    expect(stale.hits[0]).toMatchObject({ text: 'the boiler was fixed on Monday', vectorRank: null });

    const boiler = result.hits[0]?.ref as { type: 'message'; id: number };
    cache.remove(vectors.remove(boiler));
    expect(first.size).toBe(2);
    await cache.close();
    expect((first as ExactIndex).saves).toBe(1);
  });
});
