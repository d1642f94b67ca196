import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Table from 'cli-table3';
import { EmbeddingQueue } from '../../src/memory/embed-queue.js';
import { HashingEmbedder, HttpEmbedder } from '../../src/memory/embedders/index.js';
import { EmbeddingStore } from '../../src/memory/embedding-store.js';
import { StagedIndex } from '../../src/memory/vector-index/index.js';
import { silentLogger } from '../../src/shared/log.js';
import { systemClock } from '../../src/shared/time.js';
import { embeddingsServer } from './embeddings-server.js';
import { loadCorpus } from './memory-corpus.js';
import { openBenchDatabase } from './memory-data.js';

function time<T>(run: () => T): { value: T; ms: number } {
  const started = performance.now();
  const value = run();
  return { value, ms: performance.now() - started };
}

async function timeAsync<T>(run: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await run();
  return { value, ms: performance.now() - started };
}

const fmt = (value: number): string =>
  value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2);

/**
 * The ingest part of `pnpm bench memory`: 10k texts through the embedding
 * queue in batches of 64 against one request per text (the fault of the
 * older assistant this replaces), HTTP calls counted, with a local
 * embeddings server; and the offline hashing embedder alone.
 * @param dim - vector dimensions of the server
 * @returns the HTTP calls of the batched run, and the texts (for the word-vector bench)
 */
export async function benchIngest(dim: number): Promise<{ calls: number; texts: string[] }> {
  const texts = 10_000;
  const corpusDir = mkdtempSync(join(tmpdir(), 'steward-bench-ingest-corpus-'));
  const corpus = loadCorpus(texts, 8, corpusDir, () => undefined);
  rmSync(corpusDir, { recursive: true, force: true });
  const run = async (batchSize: number, count: number): Promise<{ ms: number; calls: number }> => {
    const dataDir = mkdtempSync(join(tmpdir(), 'steward-bench-ingest-'));
    const server = await embeddingsServer(dim);
    try {
      const database = openBenchDatabase(dataDir);
      database.transaction(() => {
        const session = Number(
          database
            .prepare(
              "INSERT INTO sessions (channel, peer, started_at, last_activity_at) VALUES ('repl', 'owner', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')",
            )
            .run().lastInsertRowid,
        );
        const insert = database.prepare(
          "INSERT INTO messages (session_id, channel, sender, role, text, created_at, meta) VALUES (?, 'repl', 'owner', 'user', ?, '2026-01-01T00:00:00Z', '{}')",
        );
        for (const text of corpus.texts.slice(0, count)) insert.run(session, text);
      })();
      const store = new EmbeddingStore(database, systemClock);
      const embedder = new HttpEmbedder({
        id: `http:bench-${dim}`,
        kind: 'local',
        baseUrl: server.url,
        model: `bench-${dim}`,
        batchSize,
      });
      const { index } = await StagedIndex.open({
        model: embedder.id,
        directory: join(dataDir, 'vectors'),
        store,
        settings: { m: 16, efConstruction: 100, ef: 64, saveEvery: 1_000_000 },
        log: silentLogger(),
        databaseId: 'bench',
      });
      const queue = new EmbeddingQueue({ database, store, embedder, index, log: silentLogger() });
      const drained = await timeAsync(() => queue.drain());
      database.close();
      return { ms: drained.ms, calls: server.requests };
    } finally {
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  };
  process.stderr.write(`\ningest of ${texts} texts at ${dim} dimensions…\n`);
  const batched = await run(64, texts);
  const single = await run(1, 2000);
  const hashing = new HashingEmbedder(384);
  const offline = time(() => corpus.texts.forEach((text) => hashing.embedOne(text)));
  const table = new Table({
    head: ['what', 'texts', 'HTTP calls', 'ms', 'texts/s', 'calls per 10k'],
    style: { head: [], border: [] },
  });
  table.push(
    [
      'steward queue, batches of 64 (embed + store + index)',
      String(texts),
      String(batched.calls),
      fmt(batched.ms),
      fmt((texts / batched.ms) * 1000),
      String(batched.calls),
    ],
    [
      'peer: one request per text (embed + store + index)',
      '2000',
      String(single.calls),
      fmt(single.ms),
      fmt((2000 / single.ms) * 1000),
      String(single.calls * 5),
    ],
    [
      'offline hashing embedder alone (384 dims, no server)',
      String(texts),
      '0',
      fmt(offline.ms),
      fmt((texts / offline.ms) * 1000),
      '0',
    ],
  );
  process.stdout.write(`\ningest, ${dim} dimensions (local embeddings server)\n${table.toString()}\n`);
  return { calls: batched.calls, texts: corpus.texts };
}
