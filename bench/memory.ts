import Table from 'cli-table3';
import { benchIngest } from './lib/memory-ingest.js';
import { memoryVectorStoreChild } from './lib/memory-peers.js';
import { benchOfflineStart, type OfflineStart } from './lib/memory-offline.js';
import { benchScale, type ScaleResult } from './lib/memory-scale.js';
import { benchWordVectors } from './lib/word-vectors.js';

/**
 * `pnpm bench memory [--rows 10000,100000] [--dims 384,1024,4096] [--ingest]
 * [--offline] [--cache DIR] [--no-memory-vector-store]`: the memory engine at scale on
 * a synthetic Matryoshka-like corpus (see `lib/memory-corpus.ts`), one row
 * per size × dimensions, with its peers measured in the same run:
 *
 * - launch → first recall of a new process, with the page cache dropped
 *   and warm, vectors in that recall and texts embedded counted, and the
 *   HNSW graph ready in the background;
 * - hybrid recall (FTS5 BM25 + the staged vector index + reciprocal rank
 *   fusion + rows) p50/p95 once warm, its halves, the vector search alone;
 * - recall@10 against exact search over the whole float32 vectors, of the
 *   graph and of the first stage (both rescored), and of exact search over
 *   the int8 stored vectors (the format's cost);
 * - the stored vectors, database and index files in bytes, and resident memory;
 * - peers: LangChain's MemoryVectorStore (brute force in JS, in a process
 *   of its own) and sqlite-vec's `vec0` KNN;
 * - with `--offline` (or with no `--rows`/`--dims`): the start-up of 100k
 *   memories of English words with the offline word-vector embedder serving
 *   recall (the default configuration), its load counted in the first recall;
 * - with `--ingest` (or with no `--rows`/`--dims`): 10k texts through the
 *   embedding queue in batches of 64 against one request per text, and the
 *   offline word-vector embedder (its load and throughput against hashing).
 *
 * The corpora, the data folders and the peer's table are made once into
 * the cache folder (default /tmp/steward-bench; 100k × 4096 is about 3 GB)
 * and reused by later runs. Queries, vectors and ingest embeddings come
 * from a local OpenAI-compatible `/v1/embeddings` server started here.
 */

function option(name: string): string | undefined {
  const index = process.argv.indexOf(name);
  return index === -1 ? undefined : process.argv[index + 1];
}

const list = (value: string | undefined, fallback: string): number[] =>
  (value ?? fallback).split(',').filter(Boolean).map(Number);

/** English sentences mixed into the word-vector embedder's texts (the synthetic words are not in its vocabulary). */
const WORD_SAMPLES = [
  'I usually wake up at 5:40 to go rowing on the river before work',
  'my sister Ana is visiting from Lisbon next weekend with her kids',
  'the quarterly report is due on Friday and the numbers are late',
  'we booked a trip to Kyoto for April and need to find a hotel',
];

async function main(): Promise<void> {
  const chosen = option('--rows') !== undefined || option('--dims') !== undefined;
  const sizes = list(option('--rows') ?? process.env.BENCH_SIZES, '10000,100000');
  const dims = list(option('--dims') ?? process.env.BENCH_DIMS, '384,1024,4096');
  const log = (line: string): void => void process.stderr.write(line + '\n');
  const results: ScaleResult[] = [];
  for (const dim of dims)
    for (const size of sizes)
      results.push(
        await benchScale(size, dim, {
          cache: option('--cache') ?? process.env.BENCH_CACHE ?? '/tmp/steward-bench',
          queries: Number(process.env.BENCH_QUERIES ?? 200),
          recallQueries: Number(process.env.BENCH_RECALL_QUERIES ?? 100),
          peerQueries: Number(process.env.BENCH_PEER_QUERIES ?? 10),
          coldRuns: Number(process.env.BENCH_COLD_RUNS ?? 3),
          skipMemoryVectorStore: process.argv.includes('--no-memory-vector-store'),
          log,
        }),
      );
  const offline: OfflineStart | undefined =
    !chosen || process.argv.includes('--offline')
      ? await benchOfflineStart(100_000, {
          cache: option('--cache') ?? process.env.BENCH_CACHE ?? '/tmp/steward-bench',
          coldRuns: Number(process.env.BENCH_COLD_RUNS ?? 3),
          log,
        })
      : undefined;
  const ingest = !chosen || process.argv.includes('--ingest') ? await benchIngest(dims[0] ?? 384) : undefined;
  if (ingest !== undefined)
    await benchWordVectors(ingest.texts.map((text, index) => `${WORD_SAMPLES[index % WORD_SAMPLES.length]} ${text}`));

  const yes = (ok: boolean): string => (ok ? 'yes' : 'NO');
  const fmt = (value: number): string =>
    value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2);
  const summary = new Table({
    head: [
      'items × dims',
      'launch → first recall, cold / warm',
      'graph ready',
      'hybrid p50 / p95',
      'recall@10 (graph, first stage, int8 exact)',
      'stored vectors (× float32)',
      'database / index files',
      'RSS',
      'MemoryVectorStore p50 (× hybrid)',
      'sqlite-vec p50 (× hybrid)',
    ],
    style: { head: [], border: [] },
  });
  const targets = new Table({
    head: ['target (issue 15)', ...results.map((result) => `${result.size} × ${result.dim}`)],
    style: { head: [], border: [] },
  });
  const mb = (bytes: number): string =>
    bytes >= 1e9 ? `${(bytes / 1e9).toFixed(2)} GB` : `${(bytes / 1e6).toFixed(0)} MB`;
  for (const result of results)
    summary.push([
      `${result.size} × ${result.dim} (heads ${result.heads})`,
      `${fmt(result.coldMs)} / ${fmt(result.warmMs)} ms`,
      `${(result.graphReadyMs / 1000).toFixed(1)} s`,
      `${fmt(result.hybridP50)} / ${fmt(result.hybridP95)} ms`,
      `${result.recallStaged.toFixed(3)}, ${result.recallFirstStage.toFixed(3)}, ${result.recallInt8.toFixed(3)}`,
      `${mb(result.storedBytes)} (${(result.storedBytes / result.float32Bytes).toFixed(2)})`,
      `${mb(result.databaseBytes)} / ${mb(result.indexBytes)}`,
      `${mb(result.rssFirst)} → ${mb(result.rssReady)}`,
      result.memoryVectorStoreP50 === undefined
        ? '—'
        : `${fmt(result.memoryVectorStoreP50)} ms (${fmt(result.memoryVectorStoreP50 / result.hybridP50)}×)`,
      `${fmt(result.sqliteVecP50)} ms (${fmt(result.sqliteVecP50 / result.hybridP50)}×)`,
    ]);
  const row = (name: string, cell: (result: ScaleResult) => string): void =>
    void targets.push([name, ...results.map(cell)]);
  row(
    'launch → first recall ≤ 1 s (cold), vectors in it, 0 texts embedded',
    (result) =>
      `${yes(result.coldMs <= 1000 && result.firstVector === 'used' && result.firstVectorHits > 0 && result.textsEmbedded === 0)} (${fmt(result.coldMs)} ms, ${result.firstVector}, ${result.firstVectorHits} vector hits, ${result.textsEmbedded} texts)`,
  );
  row(
    'hybrid recall p95 ≤ 10 ms once warm',
    (result) => `${yes(result.hybridP95 <= 10)} (${fmt(result.hybridP95)} ms)`,
  );
  row(
    'recall@10 ≥ 0.95 against exact full-length search',
    (result) =>
      `${yes(result.recallStaged >= 0.95 && result.recallFirstStage >= 0.95)} (${result.recallStaged.toFixed(3)}, first stage ${result.recallFirstStage.toFixed(3)})`,
  );
  row(
    'stored vectors ≤ half of float32',
    (result) =>
      `${yes(result.storedBytes <= result.float32Bytes / 2)} (${(result.storedBytes / result.float32Bytes).toFixed(2)})`,
  );
  row('≥ 20× faster than MemoryVectorStore (p50)', (result) =>
    result.memoryVectorStoreP50 === undefined
      ? 'not measured'
      : `${yes(result.memoryVectorStoreP50 / result.hybridP50 >= 20)} (${fmt(result.memoryVectorStoreP50 / result.hybridP50)}×)`,
  );
  if (offline !== undefined)
    targets.push([
      '100k, offline word vectors: launch → first recall ≤ 1 s (cold), vectors in it, 0 texts embedded (issue 12)',
      `${yes(offline.coldMs <= 1000 && offline.vector === 'used' && offline.jobsQueued === 0)} (${Math.round(offline.coldMs)} ms, ${offline.vector}, ${offline.jobsQueued} queued)`,
    ]);
  if (ingest !== undefined)
    targets.push(['10k texts embedded in ≤ 157 HTTP calls', `${yes(ingest.calls <= 157)} (${ingest.calls})`]);
  process.stdout.write(`\nsummary\n${summary.toString()}\n\n${targets.toString()}\n`);
}

if (process.argv.includes('--peer-memory-vector-store')) await memoryVectorStoreChild();
else await main();
