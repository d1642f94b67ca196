import { execFileSync } from 'node:child_process';
import Table from 'cli-table3';
import { GloveEmbedder, HashingEmbedder } from '../../src/memory/embedders/index.js';
import { fromRoot } from '../../src/shared/paths.js';
import { percentile } from './stats.js';

/**
 * The offline word-vector embedder's costs, for `pnpm bench memory`: its
 * load in a fresh process (time and memory, as a daemon's first recall
 * pays them), and its throughput against the hashing embedder (the peer,
 * on the same texts), with the latency of one query.
 */

/** What a fresh process reports after loading the word vectors. */
interface LoadReport {
  loadMs: number;
  rssMb: number;
  heapMb: number;
}

function loadInFreshProcess(): LoadReport {
  const script = `
    const { GloveEmbedder } = await import(${JSON.stringify(fromRoot('dist', 'src', 'memory', 'embedders', 'glove', 'glove.js'))});
    const before = process.memoryUsage();
    const started = performance.now();
    const embedder = new GloveEmbedder();
    await embedder.load();
    const loadMs = performance.now() - started;
    const after = process.memoryUsage();
    process.stdout.write(JSON.stringify({ loadMs, rssMb: (after.rss - before.rss) / 1e6, heapMb: (after.heapUsed + after.arrayBuffers - before.heapUsed - before.arrayBuffers) / 1e6 }));`;
  return JSON.parse(
    execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' }),
  ) as LoadReport;
}

/**
 * Measure and print the word vectors' load, memory and throughput.
 * @param texts - sample texts to embed
 * @returns the median load time in ms (of 3 fresh processes)
 */
export async function benchWordVectors(texts: readonly string[]): Promise<number> {
  const loads = [loadInFreshProcess(), loadInFreshProcess(), loadInFreshProcess()];
  const load = [...loads].sort((left, right) => left.loadMs - right.loadMs)[1] as LoadReport;
  const glove = new GloveEmbedder();
  await glove.load();
  const hashing = new HashingEmbedder(384);
  const throughput = (embed: (text: string) => Float32Array): number => {
    const started = performance.now();
    for (const text of texts) embed(text);
    return texts.length / ((performance.now() - started) / 1000);
  };
  throughput((text) => glove.embedOne(text)); // warm
  const gloveRate = throughput((text) => glove.embedOne(text));
  const hashingRate = throughput((text) => hashing.embedOne(text));
  const queries: number[] = [];
  for (const text of texts.slice(0, 500)) {
    const started = performance.now();
    await glove.embed([text]);
    queries.push(performance.now() - started);
  }
  const table = new Table({ head: ['offline embedder', 'measured', 'peer / note'], style: { head: [], border: [] } });
  table.push(
    [
      'word vectors: load in a fresh process (median of 3)',
      `${load.loadMs.toFixed(0)} ms`,
      `${loads.map((report) => report.loadMs.toFixed(0)).join(', ')} ms; paid on the first text or query embedded`,
    ],
    [
      'word vectors: memory after load',
      `${load.rssMb.toFixed(0)} MB RSS`,
      `${load.heapMb.toFixed(0)} MB heap + buffers`,
    ],
    [
      'word vectors: throughput (100 dims)',
      `${gloveRate.toFixed(0)} texts/s`,
      `peer: hashing embedder ${hashingRate.toFixed(0)} texts/s (${(gloveRate / hashingRate).toFixed(2)}×)`,
    ],
    [
      'word vectors: one query',
      `p50 ${percentile(queries, 0.5).toFixed(3)} ms, p95 ${percentile(queries, 0.95).toFixed(3)} ms`,
      '',
    ],
  );
  process.stdout.write(`\n${GloveEmbedder.ID}\n${table.toString()}\n`);
  return load.loadMs;
}
