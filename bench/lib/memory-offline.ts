import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Table from 'cli-table3';
import { loadConfig } from '../../src/config/load.js';
import { GloveEmbedder, loadWordVectors, WORD_VECTORS_FILE } from '../../src/memory/embedders/glove/glove.js';
import { coldStart, dropPageCache, type ColdStart } from './memory-cold.js';
import type { Corpus } from './memory-corpus.js';
import { loadData, openBenchDatabase } from './memory-data.js';
import { random } from './stats.js';

/** What the offline start-up measured. */
export interface OfflineStart {
  size: number;
  /** Median launch → first recall, page cache dropped and warm, in ms. */
  coldMs: number;
  warmMs: number;
  /** The median cold launch (its parts: open, recall, the first stage's read). */
  cold: ColdStart;
  /** Whether every launch's first recall had vectors in it (`used`), and the fewest vector hits. */
  vector: string;
  vectorHits: number;
  /** Embedding jobs left queued by the launches: texts they would embed (0: nothing re-embedded). */
  jobsQueued: number;
  cacheNote: string;
}

/** Bumped when the texts or their build change. */
const OFFLINE_VERSION = 'offline-1';

/**
 * Texts made of real English words (the word vectors' own vocabulary, its
 * 20,000 most frequent alphabetic words of three letters or more), 6 to 14
 * each, so that every text has a vector; and the queries, three such words.
 */
async function englishCorpus(size: number, embedder: GloveEmbedder): Promise<{ corpus: Corpus; queries: string[] }> {
  const vectors = await loadWordVectors(WORD_VECTORS_FILE);
  const words = [...vectors.rows.keys()].filter((word) => /^[a-z]{3,}$/.test(word)).slice(0, 20_000);
  const next = random(size + 17);
  const pick = (): string => words[Math.floor(next() * words.length)] ?? 'note';
  const texts = Array.from({ length: size }, () => Array.from({ length: 6 + Math.floor(next() * 9) }, pick).join(' '));
  const embedded = await embedder.embed(texts);
  const dim = embedded[0]?.length ?? 0;
  const flat = new Float32Array(size * dim);
  embedded.forEach((vector, row) => flat.set(vector, row * dim));
  const queries = Array.from({ length: 20 }, () => [pick(), pick(), pick()].join(' '));
  return { corpus: { size, dim, texts, vectors: flat, topicWords: [], centroids: [] }, queries };
}

/**
 * Start-up with the offline word-vector embedder serving recall (the
 * default configuration): `size` memories of English words embedded by
 * it, stored and indexed once into the cache; then new processes with no
 * embeddings URL, from launch to the first recall, so that loading the
 * word vectors (to embed the query) is counted in it. Issue 12's target:
 * ≤ 1 s at 100k with 0 texts embedded.
 * @param size - memories
 * @param options - the cache folder, launches per measurement, progress lines
 * @returns what it measured
 */
export async function benchOfflineStart(
  size: number,
  options: { cache: string; coldRuns: number; log: (line: string) => void },
): Promise<OfflineStart> {
  const { log } = options;
  log(`\n${size} items, offline word-vector embedder (${GloveEmbedder.ID})`);
  const settings = loadConfig({ readLocalFile: false, env: {} }).memory;
  const cache = join(options.cache, `memory-${OFFLINE_VERSION}`, String(size));
  const embedder = new GloveEmbedder();
  await embedder.load();
  const { corpus, queries } = await englishCorpus(size, embedder);
  const version = `${OFFLINE_VERSION}/${GloveEmbedder.ID}/${JSON.stringify(settings.index)}`;
  const data = await loadData(corpus, cache, settings.index, version, log, GloveEmbedder.ID);
  await sleep(2000);
  log('  start-up (new processes, no embeddings URL)…');
  const pair = (run: number): [string, string] => [
    queries[run % queries.length] ?? '',
    queries[(run + 1) % queries.length] ?? '',
  ];
  const cold: ColdStart[] = [];
  let cacheNote = '';
  for (let run = 0; run < options.coldRuns; run += 1) {
    cacheNote = dropPageCache(data.dataDir);
    cold.push(await coldStart(data.dataDir, undefined, corpus.dim, pair(run)));
  }
  const warm: ColdStart[] = [];
  for (let run = 0; run < options.coldRuns; run += 1)
    warm.push(await coldStart(data.dataDir, undefined, corpus.dim, pair(run + 10)));
  const database = openBenchDatabase(data.dataDir);
  const jobsQueued =
    database.prepare<[], { count: number }>('SELECT count(*) AS count FROM embedding_jobs').get()?.count ?? 0;
  database.close();
  const median = (samples: ColdStart[]): ColdStart =>
    [...samples].sort((left, right) => left.sinceLaunchMs - right.sinceLaunchMs)[
      Math.floor(samples.length / 2)
    ] as ColdStart;
  const all = [...cold, ...warm];
  const coldMedian = median(cold);
  const result: OfflineStart = {
    size,
    coldMs: coldMedian.sinceLaunchMs,
    warmMs: median(warm).sinceLaunchMs,
    cold: coldMedian,
    vector: all.every((sample) => sample.vector === 'used')
      ? 'used'
      : (all.find((sample) => sample.vector !== 'used')?.vector ?? ''),
    vectorHits: Math.min(...all.map((sample) => sample.vectorHits)),
    jobsQueued,
    cacheNote,
  };
  const table = new Table({ head: ['offline embedder, start-up', 'median', 'notes'], style: { head: [], border: [] } });
  table.push(
    [
      'launch → first recall, page cache dropped',
      `${Math.round(result.coldMs)} ms`,
      `of ${options.coldRuns}: open ${Math.round(coldMedian.openedMs)}, recall ${Math.round(coldMedian.recallMs)} (the word vectors loaded and the first stage read in it; first stage ${Math.round(coldMedian.indexMs)}), CPU ${Math.round(coldMedian.cpuFirstMs)}; ${cacheNote}`,
    ],
    ['launch → first recall, page cache warm', `${Math.round(result.warmMs)} ms`, `of ${options.coldRuns}`],
    [
      'vectors in the first recall; texts embedded',
      `${result.vector}, ≥ ${result.vectorHits} vector hits`,
      `${jobsQueued} embedding jobs queued after the launches (0: nothing re-embedded)`,
    ],
  );
  process.stdout.write(
    `\n${size} items, offline word-vector embedder (100 dimensions, real English words)\n${table.toString()}\n`,
  );
  return result;
}
