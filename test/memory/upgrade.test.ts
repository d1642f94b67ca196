import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeVector } from '../../src/memory/vector-codec.js';
import { indexFileStem } from '../../src/memory/vector-index/index.js';
import { openDatabase } from '../../src/shared/database.js';
import { insertOldNotes } from '../support/memory.js';
import { startOpenAIServer, type OpenAIServer } from '../support/openai-server.js';
import { openTestSteward, runCli, temporaryDataDir, type TestSteward } from '../support/steward.js';

/**
 * Make a database look as steward wrote it before int8 vectors and the
 * staged index (commit f9d4ca6): every `embeddings.vector` is `dim`
 * little-endian float32, and `vectors/` holds a version-2 metadata file
 * naming one hnswlib index over the whole vectors.
 */
async function downgrade(dataDir: string, model: string): Promise<number> {
  const database = openDatabase(dataDir);
  const rows = database
    .prepare<[string], { id: number; dim: number; vector: Buffer }>(
      'SELECT id, dim, vector FROM embeddings WHERE model = ? ORDER BY id',
    )
    .all(model);
  const write = database.prepare('UPDATE embeddings SET vector = ? WHERE id = ?');
  database.transaction(() => {
    for (const row of rows) {
      const vector = decodeVector(row.vector, row.dim);
      write.run(Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength), row.id);
    }
  })();
  const databaseId = (
    database.prepare("SELECT value FROM memory_state WHERE key = 'database_id'").get() as { value: string }
  ).value;
  database.close();

  const directory = join(dataDir, 'vectors');
  rmSync(directory, { recursive: true, force: true });
  mkdirSync(directory);
  const { default: hnswlib } = await import('hnswlib-node');
  const dim = rows[0]?.dim ?? 0;
  const hnsw = new hnswlib.HierarchicalNSW('cosine', dim);
  hnsw.initIndex({ maxElements: rows.length, m: 16, efConstruction: 100, randomSeed: 100, allowReplaceDeleted: true });
  for (const row of rows) hnsw.addPoint(Array.from(decodeVector(row.vector, row.dim)), row.id);
  const stem = indexFileStem(model);
  const temporary = join(directory, 'old.tmp');
  hnsw.writeIndexSync(temporary);
  const sha256 = createHash('sha256').update(readFileSync(temporary)).digest('hex');
  const file = `${stem}.${sha256.slice(0, 16)}.hnsw`;
  writeFileSync(join(directory, file), readFileSync(temporary));
  rmSync(temporary);
  const caughtUpTo = rows.at(-1)?.id ?? 0;
  writeFileSync(
    join(directory, `${stem}.json`),
    JSON.stringify({
      version: 2,
      model,
      databaseId,
      file,
      dim,
      caughtUpTo,
      count: rows.length,
      sha256,
      m: 16,
      efConstruction: 100,
      savedAt: '2026-11-01T00:00:00.000Z',
    }),
  );
  return rows.length;
}

/** Databases written by older steward versions, and the embedding length asked of the server. */
describe('memory upgrades', () => {
  const opened: TestSteward[] = [];
  const servers: OpenAIServer[] = [];
  const cleanups: Array<() => void> = [];
  afterEach(async () => {
    for (const steward of opened.splice(0)) await steward.close();
    await Promise.all(servers.splice(0).map((server) => server.close()));
    cleanups.splice(0).forEach((cleanup) => cleanup());
  });

  function dataDir(): string {
    const made = temporaryDataDir();
    cleanups.push(made.remove);
    return made.dataDir;
  }

  it('opens a database written before int8 vectors, converts it in the background and answers throughout', async () => {
    const directory = dataDir();
    const first = await openTestSteward({ dataDir: directory });
    insertOldNotes(first.steward.database, 3000);
    await first.steward.memory.embedPending();
    const model = first.steward.memory.embedder.id;
    await first.close();
    const stored = await downgrade(directory, model);
    expect(stored).toBe(3000);

    const upgraded = await openTestSteward({ dataDir: directory });
    opened.push(upgraded);
    const memory = upgraded.steward.memory;
    memory.warm();
    const seen = { conversion: [] as Array<{ done: number; total: number }>, vector: new Set<string>() };
    for (let round = 0; round < 2000; round += 1) {
      const result = await memory.recall('gardening topic 7');
      expect(result.hits.length).toBeGreaterThan(0); // answers throughout: BM25, then vectors too
      seen.vector.add(result.vector.replace(/\(\d+%\)/, '(n%)'));
      const progress = memory.status().conversion;
      if (progress === undefined && seen.conversion.length > 0 && result.vector === 'used') break;
      if (progress !== undefined) seen.conversion.push(progress);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    expect(memory.status().index?.opened).toMatchObject({
      how: 'rebuilt',
      reason: 'stale (index format 2, before the first stage)',
    });
    expect(seen.conversion.some((progress) => progress.done < progress.total)).toBe(true);
    expect(seen.conversion.at(-1)?.total).toBe(3000);
    expect(seen.vector).toContain('used');
    expect(memory.status().conversion).toBeUndefined();
    const sizes = upgraded.steward.database
      .prepare<[], { bytes: number; rows: number }>(
        'SELECT length(vector) - dim AS bytes, count(*) AS rows FROM embeddings GROUP BY length(vector) - dim',
      )
      .all();
    expect(sizes).toEqual([{ bytes: 4, rows: 3000 }]); // every vector is int8 now: dim + a 4-byte scale
    const index = await memory.index(model);
    await index.ready();
    expect(index.size).toBe(3000);
    await upgraded.close();
    opened.splice(0);
    // Only the new index files are left: the version-2 file went with the first save.
    expect(readdirSync(join(directory, 'vectors')).sort()).toEqual(
      [expect.stringMatching(/\.flat$/), expect.stringMatching(/\.hnsw$/), expect.stringMatching(/\.json$/)].sort(),
    );
    const status = await runCli(['memory'], { env: { STEWARD_DATA_DIR: directory } });
    expect(status.code).toBe(0);
    // Whatever the default embedder's length: int8 is the dimensions and a 4-byte scale, a quarter of float32 and a bit.
    const vectors = /^vectors {4}3000 × (\d+) dimensions, int8: (\d+) B each \(float32: ([\d.]+ K?B)\)$/m.exec(
      status.stdout,
    );
    expect(vectors).not.toBeNull();
    const dims = Number(vectors?.[1]);
    expect(Number(vectors?.[2])).toBe(dims + 4);
    expect(status.stdout).toMatch(
      new RegExp(
        `^index {6}(loading|ready): first stage \\(heads of ${Math.min(dims, 256)} dimensions\\) loaded in \\d+ ms`,
        'm',
      ),
    );
    expect(status.stdout).toMatch(/^disk {7}database [\d.]+ [KM]B.*index files [\d.]+ [KM]B; index in memory about/m);
  }, 120_000);

  it('asks the server for shorter vectors with embeddings.dimensions, and shortens them here when it ignores that', async () => {
    for (const honoured of [false, true]) {
      const server = await startOpenAIServer({ model: 'qwen3-embedding', dimensions: 64 });
      servers.push(server);
      server.embeddingDimensions = honoured ? 'honoured' : 'ignored';
      const steward = await openTestSteward({
        env: { STEWARD_EMBEDDINGS_URL: server.url, STEWARD_EMBEDDINGS_MODEL: 'qwen3-embedding' },
        overrides: { embeddings: { dimensions: 16 } },
      });
      opened.push(steward);
      expect(steward.steward.memory.embedder.id).toBe('http:qwen3-embedding@16');
      await steward.say('my dentist is Dr Lee on Tuesdays');
      await steward.steward.memory.embedPending();
      expect(server.embeddingRequests[0]).toMatchObject({ model: 'qwen3-embedding', dimensions: 16 });
      const rows = steward.steward.database
        .prepare<[], { dim: number; vector: Buffer }>('SELECT dim, vector FROM embeddings')
        .all();
      expect(rows.length).toBeGreaterThan(0);
      for (const row of rows) {
        expect(row.dim).toBe(16);
        const vector = decodeVector(row.vector, row.dim);
        expect(Math.hypot(...vector)).toBeCloseTo(1, 2); // the first 16 dimensions, renormalised
      }
      const result = await steward.steward.memory.recall('dentist');
      expect(result.vector).toBe('used');
      expect(result.hits[0]?.text).toContain('dentist');
    }
  });
});
