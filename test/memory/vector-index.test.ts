import { existsSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EmbeddingStore } from '../../src/memory/embedding-store.js';
import { applyMigrations, readCoreMigrations } from '../../src/memory/migrations.js';
import { MemoryStateStore } from '../../src/memory/state-store.js';
import { cosineToStored, decodeVector, encodeVector } from '../../src/memory/vector-codec.js';
import {
  indexFileStem,
  StagedIndex,
  type VectorIndex,
  type VectorIndexOptions,
} from '../../src/memory/vector-index/index.js';
import { openDatabase, type Database } from '../../src/shared/database.js';
import { silentLogger } from '../../src/shared/log.js';
import { ExactIndex } from '../support/exact-index.js';
import { manualClock, temporaryDataDir } from '../support/steward.js';

const MODEL = 'http:matryoshka-test';

/** A seeded generator (mulberry32), so every run sees the same vectors. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Vectors around 40 topics whose variance falls with the dimension index,
 * as a Matryoshka embedding's does (the leading dimensions carry most of
 * the meaning), so that a head of the vector ranks nearly as the whole does.
 */
function corpus(count: number, dim: number, seed: number): { vectors: Float32Array[]; queries: Float32Array[] } {
  const next = seeded(seed);
  const gaussian = (): number => Math.sqrt(-2 * Math.log(next() + 1e-12)) * Math.cos(2 * Math.PI * next());
  const scale = Float32Array.from({ length: dim }, (_, axis) => 1 / Math.sqrt(1 + axis / 16));
  const topics = Array.from({ length: 40 }, () => Float32Array.from({ length: dim }, gaussian));
  const around = (): Float32Array => {
    const topic = topics[Math.floor(next() * topics.length)] as Float32Array;
    return Float32Array.from(
      { length: dim },
      (_, axis) => (scale[axis] as number) * ((topic[axis] as number) + gaussian()),
    );
  };
  return {
    vectors: Array.from({ length: count }, around),
    queries: Array.from({ length: 30 }, around),
  };
}

/** Vector indexes in two stages: the int8 first stage, the HNSW graph, rescoring, their files. */
describe('staged vector index', () => {
  let database: Database;
  let store: EmbeddingStore;
  let remove: () => void;
  let dataDir: string;
  const clock = manualClock();
  beforeEach(() => {
    ({ dataDir, remove } = temporaryDataDir());
    database = openDatabase(dataDir);
    applyMigrations(database, readCoreMigrations());
    store = new EmbeddingStore(database, clock);
  });
  afterEach(() => {
    database.close();
    remove();
  });

  function storeAll(vectors: Float32Array[], firstOwner = 1): number[] {
    return database.transaction(() =>
      vectors.map(
        (vector, index) =>
          store.put({ type: 'message', id: firstOwner + index }, MODEL, `h${firstOwner + index}`, vector).id,
      ),
    )();
  }

  function options(dimensions: number): VectorIndexOptions {
    return {
      model: MODEL,
      directory: join(dataDir, 'vectors'),
      store,
      settings: { dimensions, m: 16, efConstruction: 100, ef: 64, saveEvery: 500 },
      log: silentLogger(),
      databaseId: new MemoryStateStore(database).databaseId(),
    };
  }

  function meta(): { file: string; graph: { file: string } | null; dims: number } {
    return JSON.parse(readFileSync(join(dataDir, 'vectors', `${indexFileStem(MODEL)}.json`), 'utf8')) as {
      file: string;
      graph: { file: string } | null;
      dims: number;
    };
  }

  /** Share of the exact top 10 that the index finds, over the queries. */
  async function recallAt10(index: VectorIndex, queries: Float32Array[]): Promise<number> {
    const { index: exact } = await ExactIndex.open(options(0));
    let found = 0;
    for (const query of queries) {
      const truth = new Set((exact.search(query, 10) ?? []).map((hit) => hit.label));
      found += (index.search(query, 10) ?? []).filter((hit) => truth.has(hit.label)).length;
    }
    return found / (queries.length * 10);
  }

  it('stores vectors as int8 with a scale, a quarter of float32, and still reads rows written as float32', () => {
    const { vectors } = corpus(2, 1024, 1);
    const vector = vectors[0] as Float32Array;
    const bytes = encodeVector(vector);
    expect(bytes.byteLength).toBe(1024 + 4);
    const back = decodeVector(bytes, 1024);
    const largest = Math.max(...vector.map(Math.abs));
    for (let axis = 0; axis < 1024; axis += 1)
      expect(Math.abs((back[axis] as number) - (vector[axis] as number))).toBeLessThanOrEqual(largest / 127 / 2 + 1e-6);
    expect(decodeVector(encodeVector(new Float32Array(8)), 8)).toEqual(new Float32Array(8));

    const [id] = storeAll([vector]);
    expect(database.prepare('SELECT length(vector) AS bytes FROM embeddings WHERE id = ?').get(id)).toEqual({
      bytes: 1028,
    });
    // A row as the float32 format wrote it (before int8) is read as it was.
    database
      .prepare('UPDATE embeddings SET vector = ? WHERE id = ?')
      .run(Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength), id);
    expect(store.page(MODEL, 0, 10)[0]?.vector).toEqual(vector);
    const stored = store.vectors([id as number]).get(id as number);
    expect(stored === undefined ? undefined : decodeVector(stored.bytes, stored.dim)).toEqual(vector);
    expect(cosineToStored(vector, Math.hypot(...vector), stored!)).toBeCloseTo(1, 6);
    const other = vectors[1] as Float32Array;
    expect(cosineToStored(other, Math.hypot(...other), { dim: 1024, bytes: encodeVector(vector) })).toBeCloseTo(
      vector.reduce((sum, value, axis) => sum + value * (other[axis] as number), 0) /
        (Math.hypot(...vector) * Math.hypot(...other)),
      2,
    );
  });

  it('answers from the first stage at once while the graph is built, and both find the exact top 10 after rescoring', async () => {
    const { vectors, queries } = corpus(3000, 256, 2);
    storeAll(vectors);
    const first = await StagedIndex.open(options(64));
    expect(first.report).toMatchObject({ how: 'rebuilt', reason: 'missing' });
    await first.index.ready();
    expect(first.index.details()).toMatchObject({ dims: { stored: 256, heads: 64 }, graph: { state: 'ready' } });
    await first.index.close();
    expect(meta()).toMatchObject({ dims: 64, graph: { file: expect.stringMatching(/\.hnsw$/) } });

    rmSync(join(dataDir, 'vectors', (meta().graph as { file: string }).file));
    const { index, report } = await StagedIndex.open(options(64));
    expect(report.how).toBe('loaded');
    expect(index.state).toBe('loading');
    expect(index.details().graph.state).not.toBe('ready');
    expect(await recallAt10(index, queries)).toBeGreaterThanOrEqual(0.95); // the exact scan of the first stage
    await index.ready();
    expect(index.state).toBe('ready');
    expect(index.details().graph).toMatchObject({ state: 'ready', done: 3000, total: 3000, reason: 'missing' });
    expect(await recallAt10(index, queries)).toBeGreaterThanOrEqual(0.95); // the graph
    const hits = index.search(queries[0] as Float32Array, 5) ?? [];
    expect(hits).toHaveLength(5);
    expect(hits.map((hit) => hit.distance)).toEqual([...hits.map((hit) => hit.distance)].sort((a, b) => a - b));
    await index.close();
    expect(meta().graph).not.toBeNull(); // the built graph was written
  }, 60_000);

  it('loads a saved graph off the event loop, then catches up with rows written and deleted since', async () => {
    const { vectors, queries } = corpus(1200, 128, 3);
    storeAll(vectors.slice(0, 1000));
    const first = await StagedIndex.open(options(32));
    await first.index.ready();
    await first.index.close();

    // Another process, meanwhile: 200 more vectors and one deletion.
    storeAll(vectors.slice(1000), 1001);
    const gone = store.remove({ type: 'message', id: 5 });
    const { index, report } = await StagedIndex.open(options(32));
    expect(report).toMatchObject({ how: 'loaded', caughtUp: 200 });
    expect(index.details().graph.state).toBe('loading');
    await index.ready();
    // Another process's deletion is found when a search meets it (its row is gone), as before the stages.
    expect(index.details().graph).toMatchObject({ state: 'ready', done: 1200 });
    const deleted = vectors[4] as Float32Array;
    expect((index.search(deleted, 10) ?? []).map((hit) => hit.label)).not.toContain(gone[0]?.id);
    expect(index.size).toBe(1199);
    expect(await recallAt10(index, queries)).toBeGreaterThanOrEqual(0.95);
    await index.close();
  }, 60_000);

  it('keeps the saved graph when a short process adds a vector and closes before the graph was loaded', async () => {
    const { vectors } = corpus(300, 64, 5);
    storeAll(vectors.slice(0, 200));
    const first = await StagedIndex.open(options(16));
    await first.index.ready();
    await first.index.close();
    const saved = meta().graph?.file;
    expect(saved).toMatch(/\.hnsw$/);

    // `steward memory embed` with one text pending: an embedding pass, a save, a close; no search.
    const short = await StagedIndex.open(options(16));
    const [id] = storeAll(vectors.slice(200, 201), 201);
    short.index.add(id as number, vectors[200] as Float32Array);
    short.index.save();
    await short.index.close();
    expect(meta().graph?.file).toBe(saved);

    const next = await StagedIndex.open(options(16));
    await next.index.ready();
    expect(next.index.details().graph).toMatchObject({ state: 'ready', done: 201 });
    expect(next.index.details().graph.reason).toBeUndefined(); // loaded, not built again
    await next.index.close();
  }, 60_000);

  it("a save leaves another process's files written since the last metadata, and the remains of a crashed save until they are old", async () => {
    const { vectors } = corpus(60, 32, 7);
    storeAll(vectors.slice(0, 50));
    const { index } = await StagedIndex.open(options(16));
    await index.ready();
    index.save();
    const directory = join(dataDir, 'vectors');
    const stem = indexFileStem(MODEL);
    const hourAgo = new Date(Date.now() - 3_600_000);
    // Another process's save in flight: its first stage renamed into place, its metadata not yet written.
    const inFlight = join(directory, `${stem}.00000000000000aa.flat`);
    writeFileSync(inFlight, 'another process');
    // Left behind long ago: a first stage no metadata names, and a crashed save's temporary file.
    const orphan = join(directory, `${stem}.00000000000000bb.flat`);
    writeFileSync(orphan, 'old');
    utimesSync(orphan, hourAgo, hourAgo);
    const crashed = join(directory, `${stem}.4242.deadbeef.tmp`);
    writeFileSync(crashed, 'half a save');
    utimesSync(crashed, hourAgo, hourAgo);
    const fresh = join(directory, `${stem}.4343.cafef00d.tmp`);
    writeFileSync(fresh, 'a save under way');

    storeAll(vectors.slice(50), 51);
    index.catchUp();
    index.save();
    expect(existsSync(inFlight)).toBe(true);
    expect(existsSync(orphan)).toBe(false);
    expect(existsSync(crashed)).toBe(false);
    expect(existsSync(fresh)).toBe(true);
    await index.close();
  }, 60_000);

  it('leaves a large catch-up to the graph in the background: the search that meets it scans the first stage', async () => {
    const { vectors, queries } = corpus(1200, 64, 6);
    storeAll(vectors.slice(0, 400));
    const { index } = await StagedIndex.open(options(16));
    await index.ready();
    expect(index.details().graph.state).toBe('ready');
    storeAll(vectors.slice(400), 401); // another process imports 800 more
    const hits = index.search(queries[0] as Float32Array, 10) ?? [];
    expect(hits).toHaveLength(10);
    expect(index.size).toBe(1200);
    expect(index.details().graph).toMatchObject({
      state: 'building',
      reason: 'catching up with 800 vectors added at once',
    });
    await index.ready();
    expect(index.details().graph).toMatchObject({ state: 'ready', done: 1200 });
    expect(await recallAt10(index, queries)).toBeGreaterThanOrEqual(0.95);
    await index.close();
  }, 60_000);

  it('rebuilds a corrupt graph from the first stage, and a stale first stage from SQLite when the head size changes', async () => {
    const { vectors, queries } = corpus(800, 64, 4);
    storeAll(vectors);
    const first = await StagedIndex.open(options(16));
    await first.index.ready();
    await first.index.close();
    const graphFile = join(dataDir, 'vectors', (meta().graph as { file: string }).file);
    const bytes = readFileSync(graphFile);
    bytes.fill(7, 100, 300);
    writeFileSync(graphFile, bytes);
    const corrupt = await StagedIndex.open(options(16));
    expect(corrupt.report.how).toBe('loaded');
    await corrupt.index.ready();
    expect(corrupt.index.details().graph).toMatchObject({ state: 'ready', reason: 'corrupt (checksum mismatch)' });
    await corrupt.index.close();

    const wider = await StagedIndex.open(options(32));
    expect(wider.report).toMatchObject({
      how: 'rebuilt',
      reason: 'stale (heads of 16 dimensions; memory.index.dimensions asks for 32)',
    });
    expect(wider.index.state).toBe('rebuilding');
    expect(wider.index.search(queries[0] as Float32Array, 10)).toBeUndefined();
    await wider.index.ready();
    expect(wider.index.details().dims).toEqual({ stored: 64, heads: 32 });
    expect(await recallAt10(wider.index, queries)).toBeGreaterThanOrEqual(0.95);
    await wider.index.close();
  }, 60_000);
});
