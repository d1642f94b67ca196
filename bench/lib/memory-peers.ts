import { spawn } from 'node:child_process';
import type { Database } from '../../src/shared/database.js';
import { fromRoot } from '../../src/shared/paths.js';
import { loadCorpus, makeQueries } from './memory-corpus.js';

/** What a peer measured. */
export interface PeerTimes {
  /** Filling the peer, in ms (undefined when it was filled earlier and cached). */
  ingestMs?: number | undefined;
  /** One time per query, in ms (k = 10). */
  times: number[];
  /** Resident memory of the peer's process, in bytes, when it is one of its own. */
  rss?: number | undefined;
}

/**
 * The MemoryVectorStore peer's child process: LangChain's in-memory store
 * (brute-force cosine over number arrays in JS) filled with the cached
 * corpus, then `BENCH_PEER_QUERIES` searches. Run in a process of its own
 * with a larger heap: 100k × 4096 numbers are 3.3 GB of JS arrays.
 */
export async function memoryVectorStoreChild(): Promise<void> {
  const size = Number(process.env.BENCH_SIZE);
  const dim = Number(process.env.BENCH_DIM);
  const corpus = loadCorpus(size, dim, process.env.BENCH_CORPUS ?? '', () => undefined);
  const queries = makeQueries(corpus, Number(process.env.BENCH_PEER_QUERIES ?? 10), 7);
  const { MemoryVectorStore } = await import('@langchain/classic/vectorstores/memory');
  const { Document } = await import('@langchain/core/documents');
  const store = new MemoryVectorStore({
    embedDocuments: () => Promise.reject(new Error('not used')),
    embedQuery: () => Promise.reject(new Error('not used')),
  });
  const started = performance.now();
  await store.addVectors(
    Array.from({ length: size }, (_, row) => Array.from(corpus.vectors.subarray(row * dim, (row + 1) * dim))),
    corpus.texts.map((text, row) => new Document({ pageContent: text, metadata: { row } })),
  );
  const ingestMs = performance.now() - started;
  const times: number[] = [];
  for (const query of queries) {
    const plain = Array.from(query.vector);
    const begun = performance.now();
    await store.similaritySearchVectorWithScore(plain, 10);
    times.push(performance.now() - begun);
  }
  const result: PeerTimes = { ingestMs, times, rss: process.memoryUsage().rss };
  process.stdout.write(JSON.stringify(result) + '\n');
}

/**
 * Run the MemoryVectorStore peer in its own process.
 * @param corpusDir - the corpus's cache folder
 * @param size - messages
 * @param dim - dimensions
 * @param queries - searches to time
 */
export function memoryVectorStore(corpusDir: string, size: number, dim: number, queries: number): Promise<PeerTimes> {
  // Each vector as a JS array of doubles (8 bytes a number), the Documents, and room to work.
  const heapMb = Math.max(4096, Math.ceil((size * dim * 8 * 1.6) / 1e6) + 1024);
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [`--max-old-space-size=${heapMb}`, fromRoot('dist', 'bench', 'memory.js'), '--peer-memory-vector-store'],
      {
        env: {
          PATH: process.env.PATH ?? '',
          BENCH_SIZE: String(size),
          BENCH_DIM: String(dim),
          BENCH_CORPUS: corpusDir,
          BENCH_PEER_QUERIES: String(queries),
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (code) =>
      code === 0
        ? resolve(JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as PeerTimes)
        : reject(new Error(`MemoryVectorStore peer exited ${code}: ${stderr.slice(-500)}`)),
    );
  });
}

/**
 * sqlite-vec's `vec0` KNN (cosine) over the cached table, in this process.
 * @param vecDb - the peer's database (filled by `loadData`)
 * @param queries - query vectors
 */
export async function sqliteVec(vecDb: string, queries: readonly Float32Array[]): Promise<PeerTimes> {
  const extension = (await import('sqlite-vec')) as unknown as { load: (database: Database) => void };
  const BetterSqlite3 = (await import('better-sqlite3')).default;
  const database = new BetterSqlite3(vecDb, { readonly: true });
  extension.load(database);
  const knn = database.prepare('SELECT rowid, distance FROM items WHERE embedding MATCH ? AND k = 10');
  const times: number[] = [];
  for (const query of queries) {
    const begun = performance.now();
    knn.all(Buffer.from(query.buffer, query.byteOffset, query.byteLength));
    times.push(performance.now() - begun);
  }
  database.close();
  return { times };
}
