import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Table from 'cli-table3';
import { loadConfig } from '../../src/config/load.js';
import { EmbeddingStore } from '../../src/memory/embedding-store.js';
import { HybridRecall } from '../../src/memory/recall.js';
import { MemoryStateStore } from '../../src/memory/state-store.js';
import { StagedIndex, type VectorIndex } from '../../src/memory/vector-index/index.js';
import { silentLogger } from '../../src/shared/log.js';
import { systemClock } from '../../src/shared/time.js';
import { embeddingsServer } from './embeddings-server.js';
import { atBenchPriority, benchNice, coldStart, dropPageCache, type ColdStart } from './memory-cold.js';
import { CORPUS_VERSION, exactTop, headEnergy, loadCorpus, makeQueries } from './memory-corpus.js';
import { benchModel, fileBytes, loadData, openBenchDatabase } from './memory-data.js';
import { memoryVectorStore, sqliteVec, type PeerTimes } from './memory-peers.js';
import { percentile } from './stats.js';

/** Options of one row of the scale benchmark. */
export interface ScaleOptions {
  /** The cache folder (corpora, data folders, peer tables). */
  cache: string;
  /** Queries timed through hybrid recall. */
  queries: number;
  /** Queries of recall@10 against exact search. */
  recallQueries: number;
  /** Queries timed for each peer. */
  peerQueries: number;
  /** Launches per start-up measurement (cold and warm page cache). */
  coldRuns: number;
  /** Leave the MemoryVectorStore peer out (it needs 8 bytes a number of JS heap). */
  skipMemoryVectorStore: boolean;
  /** Progress lines. */
  log: (line: string) => void;
}

/** What one row measured, for the summary and the targets. */
export interface ScaleResult {
  size: number;
  dim: number;
  heads: number;
  cache: string;
  coldMs: number;
  warmMs: number;
  firstVector: string;
  firstVectorHits: number;
  textsEmbedded: number;
  graphReadyMs: number;
  rssFirst: number;
  rssReady: number;
  hybridP50: number;
  hybridP95: number;
  recallStaged: number;
  recallFirstStage: number;
  recallInt8: number;
  storedBytes: number;
  float32Bytes: number;
  databaseBytes: number;
  indexBytes: number;
  memoryVectorStoreP50: number | undefined;
  sqliteVecP50: number;
}

/** Index and data formats in the cache key: a cache built by other code is not used. */
const DATA_VERSION = 'staged-1-int8';

const fmt = (value: number): string =>
  value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2);
const mb = (bytes: number): string => `${(bytes / 1e6).toFixed(bytes >= 1e8 ? 0 : 1)} MB`;

function median(samples: readonly ColdStart[], pick: (sample: ColdStart) => number): ColdStart {
  return [...samples].sort((left, right) => pick(left) - pick(right))[Math.floor(samples.length / 2)] as ColdStart;
}

/** recall@10: the share of each exact top 10 that a search found. */
function recallOf(found: readonly number[][], truth: readonly number[][]): number {
  let hits = 0;
  found.forEach((list, index) => {
    const expected = new Set(truth[index]);
    hits += list.filter((row) => expected.has(row)).length;
  });
  return hits / (truth.length * 10);
}

/**
 * One row of `pnpm bench memory`: `size` messages with `dim`-dimension
 * vectors, from launch to the first recall (cold and warm page cache), warm
 * hybrid recall, recall@10 against exact full-length search, sizes, and
 * the peers in the same run. Prints its table.
 * @param size - messages
 * @param dim - dimensions
 * @param options - cache, query counts, runs, logger
 */
export async function benchScale(size: number, dim: number, options: ScaleOptions): Promise<ScaleResult> {
  const { log } = options;
  log(`\n${size} items × ${dim} dimensions`);
  const settings = loadConfig({ readLocalFile: false, env: {} }).memory;
  const cache = join(options.cache, `memory-${CORPUS_VERSION}`, `${size}x${dim}`);
  const corpus = loadCorpus(size, dim, cache, log);
  const version = `${CORPUS_VERSION}/${DATA_VERSION}/${JSON.stringify(settings.index)}`;
  const data = await loadData(corpus, cache, settings.index, version, log);
  const queries = makeQueries(corpus, options.queries, 7);
  const server = await embeddingsServer(dim, new Map(queries.map((query) => [query.text, query.vector])));
  try {
    // Start-up first, while this process is quiet: new processes open steward and answer one recall.
    await sleep(2000);
    log('  start-up (new processes)…');
    const pair = (run: number): [string, string] => [
      queries[run % queries.length]?.text ?? '',
      queries[(run + 1) % queries.length]?.text ?? '',
    ];
    const cold: ColdStart[] = [];
    let cacheNote = '';
    for (let run = 0; run < options.coldRuns; run += 1) {
      cacheNote = dropPageCache(data.dataDir);
      cold.push(await coldStart(data.dataDir, server.url, dim, pair(run)));
    }
    const warm: ColdStart[] = [];
    for (let run = 0; run < options.coldRuns; run += 1)
      warm.push(await coldStart(data.dataDir, server.url, dim, pair(run + 10)));
    const textsEmbedded = server.texts - 2 * (cold.length + warm.length);
    const coldMedian = median(cold, (sample) => sample.sinceLaunchMs);
    const warmMedian = median(warm, (sample) => sample.sinceLaunchMs);

    log('  warm recall and recall@10…');
    const database = openBenchDatabase(data.dataDir);
    const store = new EmbeddingStore(database, systemClock);
    const timed = await atBenchPriority(async () => {
      const { index } = await StagedIndex.open({
        model: benchModel(dim),
        directory: join(data.dataDir, 'vectors'),
        store,
        settings: settings.index,
        log: silentLogger(),
        databaseId: new MemoryStateStore(database).databaseId(),
      });
      const ids = database
        .prepare<[], { first: number; last: number; count: number }>(
          'SELECT min(id) AS first, max(id) AS last, count(*) AS count FROM embeddings',
        )
        .get();
      if (ids?.first !== 1 || ids.last !== size || ids.count !== size)
        throw new Error(`the cached data's ids are not 1..${size} in corpus order: rebuild it (--fresh)`);
      const recallSet = queries.slice(0, options.recallQueries);
      // Synchronously, before the graph (loading on libuv's pool) can take over: the first stage alone.
      const firstStageTimes: number[] = [];
      const firstStageRows: number[][] = [];
      const rowOf = (label: number): number => label - 1; // the corpus was stored in row order from id 1
      for (const query of recallSet) {
        const started = performance.now();
        const hits = index.search(query.vector, 10) ?? [];
        firstStageTimes.push(performance.now() - started);
        firstStageRows.push(hits.map((hit) => rowOf(hit.label)));
      }
      await index.ready();
      const graphTimes: number[] = [];
      const stagedRows: number[][] = [];
      for (const query of recallSet) {
        const started = performance.now();
        const hits = index.search(query.vector, 10) ?? [];
        graphTimes.push(performance.now() - started);
        stagedRows.push(hits.map((hit) => rowOf(hit.label)));
      }
      const recallTimes: number[] = [];
      for (const query of queries) {
        const started = performance.now();
        index.search(query.vector, 2 * settings.recall.candidates);
        recallTimes.push(performance.now() - started);
      }
      const hybrid = await hybridTimes(database, store, index, queries, settings.recall);
      return { index, firstStageTimes, firstStageRows, graphTimes, stagedRows, recallTimes, hybrid, recallSet };
    });
    const { index, firstStageTimes, firstStageRows, graphTimes, stagedRows, recallTimes, hybrid, recallSet } = timed;
    const truth = exactTop(
      corpus,
      recallSet.map((query) => query.vector),
      10,
    );
    const storedBytes =
      database.prepare<[], { bytes: number }>('SELECT sum(length(vector)) AS bytes FROM embeddings').get()?.bytes ?? 0;
    const details = index.details();
    await index.close();
    database.close();

    log('  peers: sqlite-vec, LangChain MemoryVectorStore…');
    const peerSet = queries.slice(0, options.peerQueries).map((query) => query.vector);
    const vec = await sqliteVec(data.vecDb, peerSet);
    let memoryStore: PeerTimes | string;
    try {
      memoryStore = options.skipMemoryVectorStore
        ? 'left out (--no-memory-vector-store)'
        : await memoryVectorStore(cache, size, dim, options.peerQueries);
    } catch (error) {
      memoryStore = `failed: ${(error as Error).message.split('\n')[0]}`;
    }

    const result: ScaleResult = {
      size,
      dim,
      heads: details.dims.heads ?? dim,
      cache,
      coldMs: coldMedian.sinceLaunchMs,
      warmMs: warmMedian.sinceLaunchMs,
      firstVector: coldMedian.vector,
      firstVectorHits: Math.min(...[...cold, ...warm].map((sample) => sample.vectorHits)),
      textsEmbedded,
      graphReadyMs: median(warm, (sample) => sample.graphReadyMs).graphReadyMs,
      rssFirst: Math.max(...warm.map((sample) => sample.rssFirst)),
      rssReady: Math.max(...warm.map((sample) => sample.rssReady)),
      hybridP50: percentile(hybrid.hybrid, 0.5),
      hybridP95: percentile(hybrid.hybrid, 0.95),
      recallStaged: recallOf(stagedRows, truth.float32),
      recallFirstStage: recallOf(firstStageRows, truth.float32),
      recallInt8: recallOf(truth.int8, truth.float32),
      storedBytes,
      float32Bytes: size * dim * 4,
      databaseBytes: fileBytes(join(data.dataDir, 'steward.db')) + fileBytes(join(data.dataDir, 'steward.db-wal')),
      indexBytes: details.bytes.disk,
      memoryVectorStoreP50: typeof memoryStore === 'string' ? undefined : percentile(memoryStore.times, 0.5),
      sqliteVecP50: percentile(vec.times, 0.5),
    };
    const table = new Table({ head: ['what', 'p50', 'p95', 'ratio (p50)', 'notes'], style: { head: [], border: [] } });
    const ms = (value: number): string => `${fmt(value)} ms`;
    const hybridP50 = result.hybridP50;
    table.push(
      [
        'launch → first recall, page cache dropped',
        ms(coldMedian.sinceLaunchMs),
        '',
        '',
        `median of ${cold.length}: open ${fmt(coldMedian.openedMs)}, recall ${fmt(coldMedian.recallMs)} (first stage ${coldMedian.how} in ${fmt(coldMedian.indexMs)}), CPU ${fmt(coldMedian.cpuFirstMs)}; vectors ${coldMedian.vector}, ${coldMedian.vectorHits} vector hits; ${cacheNote}`,
      ],
      [
        'launch → first recall, page cache warm (a restart)',
        ms(warmMedian.sinceLaunchMs),
        '',
        '',
        `median of ${warm.length}: open ${fmt(warmMedian.openedMs)}, recall ${fmt(warmMedian.recallMs)}, CPU ${fmt(warmMedian.cpuFirstMs)}; texts embedded by all launches: ${textsEmbedded} (+2 queries each)`,
      ],
      [
        '  launch → HNSW graph ready (in the background)',
        ms(result.graphReadyMs),
        '',
        '',
        `${warmMedian.graphState}; RSS ${mb(result.rssFirst)} at the first recall, ${mb(result.rssReady)} with the graph`,
      ],
      [
        'steward hybrid recall (BM25 + vectors + RRF + rows)',
        ms(hybridP50),
        ms(result.hybridP95),
        '1.00',
        `${queries.length} queries, top ${settings.recall.limit}; CPU ${fmt(hybrid.cpuMs)} ms a query on average; the graph shortlists, the whole vectors rescore`,
      ],
      [
        '  its BM25 part alone (FTS5)',
        ms(percentile(hybrid.lexical, 0.5)),
        ms(percentile(hybrid.lexical, 0.95)),
        '',
        '',
      ],
      [
        `  its vector search alone (k = ${2 * settings.recall.candidates})`,
        ms(percentile(recallTimes, 0.5)),
        ms(percentile(recallTimes, 0.95)),
        '',
        `HNSW on ${result.heads}-dim heads (ef ${settings.index.ef}), rescoring read from SQLite`,
      ],
      [
        '  vector search k = 10, HNSW + rescoring',
        ms(percentile(graphTimes, 0.5)),
        ms(percentile(graphTimes, 0.95)),
        '',
        `recall@10 ${result.recallStaged.toFixed(3)} vs exact float32 over whole vectors (${recallSet.length} queries)`,
      ],
      [
        '  vector search k = 10, first stage + rescoring (until the graph is ready)',
        ms(percentile(firstStageTimes, 0.5)),
        ms(percentile(firstStageTimes, 0.95)),
        '',
        `recall@10 ${result.recallFirstStage.toFixed(3)}; int8 exact search alone ${result.recallInt8.toFixed(3)} (the cost of the stored format)`,
      ],
      [
        'peer: LangChain MemoryVectorStore (brute force, k = 10)',
        typeof memoryStore === 'string' ? memoryStore : ms(percentile(memoryStore.times, 0.5)),
        typeof memoryStore === 'string' ? '' : ms(percentile(memoryStore.times, 0.95)),
        result.memoryVectorStoreP50 === undefined ? '' : `${fmt(result.memoryVectorStoreP50 / hybridP50)}× hybrid`,
        typeof memoryStore === 'string'
          ? ''
          : `${memoryStore.times.length} queries; fill ${ms(memoryStore.ingestMs ?? 0)}, RSS ${mb(memoryStore.rss ?? 0)}`,
      ],
      [
        'peer: sqlite-vec vec0 KNN (cosine, float32, k = 10)',
        ms(result.sqliteVecP50),
        ms(percentile(vec.times, 0.95)),
        `${fmt(result.sqliteVecP50 / hybridP50)}× hybrid`,
        `${vec.times.length} queries; fill ${ms(data.vecInsertMs)}; file ${mb(fileBytes(data.vecDb))}`,
      ],
      [
        'stored vectors (int8 + scale)',
        mb(storedBytes),
        '',
        `${(storedBytes / result.float32Bytes).toFixed(2)}× float32`,
        `float32 would be ${mb(result.float32Bytes)}; database ${mb(result.databaseBytes)}`,
      ],
      [
        'index files (first stage + HNSW graph)',
        mb(result.indexBytes),
        '',
        '',
        `heads of ${result.heads} dimensions (${Math.round(100 * headEnergy(result.heads, dim))}% of a vector's variance here)`,
      ],
      [
        'built: store / first stage / graph',
        `${fmt(data.storeMs / 1000)} s`,
        '',
        '',
        `first stage rebuilt from SQLite in ${fmt(data.firstStageMs / 1000)} s, graph built in ${fmt(data.graphMs / 1000)} s (a missing or stale index; ${data.fresh ? 'this run' : `cached, built ${data.builtAt}`})`,
      ],
    );
    const nice = benchNice();
    const priority = nice === undefined ? '' : ` (timed parts at nice ${nice}: BENCH_NICE)`;
    process.stdout.write(`\n${size} items × ${dim} dimensions${priority}\n${table.toString()}\n`);
    return result;
  } finally {
    await server.close();
  }
}

/** Hybrid recall and its BM25 half, over the queries (their vectors given, as a warm query cache would). */
async function hybridTimes(
  database: ReturnType<typeof openBenchDatabase>,
  store: EmbeddingStore,
  index: VectorIndex,
  queries: ReadonlyArray<{ text: string; vector: Float32Array }>,
  settings: ReturnType<typeof loadConfig>['memory']['recall'],
): Promise<{ hybrid: number[]; lexical: number[]; cpuMs: number }> {
  const vectors = new Map(queries.map((query) => [query.text, query.vector]));
  const recall = new HybridRecall({
    database,
    store,
    index: () => Promise.resolve(index),
    embedQuery: (text) => Promise.resolve(vectors.get(text) ?? 'unknown query'),
    settings,
    clock: systemClock,
  });
  for (const query of queries.slice(0, 10)) await recall.search(query.text); // warm the statement cache
  const hybrid: number[] = [];
  const cpu = process.cpuUsage();
  for (const query of queries) {
    const started = performance.now();
    await recall.search(query.text);
    hybrid.push(performance.now() - started);
  }
  const used = process.cpuUsage(cpu);
  const cpuMs = (used.user + used.system) / 1000 / queries.length;
  const lexicalOnly = new HybridRecall({
    database,
    store,
    index: () => Promise.resolve('off'),
    embedQuery: () => Promise.resolve('off'),
    settings,
    clock: systemClock,
  });
  const lexical: number[] = [];
  for (const query of queries) {
    const started = performance.now();
    await lexicalOnly.search(query.text);
    lexical.push(performance.now() - started);
  }
  return { hybrid, lexical, cpuMs };
}
