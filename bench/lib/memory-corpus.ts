import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeVector, encodeVector } from '../../src/memory/vector-codec.js';
import { random } from './stats.js';

/**
 * The synthetic corpus of `pnpm bench memory`: messages about 200 topics
 * (topic words plus Zipf-distributed common words), each with a vector
 * near its topic's centroid. The vectors are Matryoshka-like: the variance
 * of dimension i falls as 1/(1 + i/32), in the centroids and the noise
 * alike, so a vector's head carries most of what tells it apart, as it does
 * in embeddings trained with Matryoshka representation learning
 * (Qwen3-Embedding, text-embedding-3). A vector is its topic's centroid
 * plus noise of the same size, so an item is about 0.5 cosine from
 * another of its topic and about 0 from the rest, at every dimension.
 */

/** Topics of the corpus. */
export const TOPICS = 200;
/** Bumped when the generator changes, so that a cache made by another version is not used. */
export const CORPUS_VERSION = 'matryoshka-1';
/** The falloff of the variance: dimension i has variance 1/(1 + i/FALLOFF). */
const FALLOFF = 32;

/** A corpus: texts, vectors (row after row) and what makes queries. */
export interface Corpus {
  size: number;
  dim: number;
  texts: string[];
  /** size × dim float32, row-major, unit rows. */
  vectors: Float32Array;
  topicWords: string[][];
  centroids: Float32Array[];
}

/** A query: three words of a topic, and a vector near that topic. */
export interface Query {
  text: string;
  vector: Float32Array;
}

function gaussian(next: () => number): number {
  return Math.sqrt(-2 * Math.log(next() + 1e-12)) * Math.cos(2 * Math.PI * next());
}

function normalise(vector: Float32Array): Float32Array {
  let norm = 0;
  for (const value of vector) norm += value * value;
  norm = Math.sqrt(norm) || 1;
  for (let index = 0; index < vector.length; index += 1) vector[index] = (vector[index] ?? 0) / norm;
  return vector;
}

/**
 * The share of a vector's expected energy in its first `head` dimensions (printed with the tables).
 * @param head - dimensions kept
 * @param dim - all dimensions
 */
export function headEnergy(head: number, dim: number): number {
  let kept = 0;
  let all = 0;
  for (let axis = 0; axis < dim; axis += 1) {
    const variance = 1 / (1 + axis / FALLOFF);
    all += variance;
    if (axis < head) kept += variance;
  }
  return kept / all;
}

const SYLLABLES = ['ka', 'lo', 'mi', 're', 'tu', 'sa', 'ne', 'vo', 'di', 'pa', 'ri', 'zo', 'fe', 'gu', 'ha', 'ju'];

function word(index: number): string {
  let text = '';
  let value = index + 1;
  while (value > 0) {
    text += SYLLABLES[value % SYLLABLES.length];
    value = Math.floor(value / SYLLABLES.length);
  }
  return text + 'n';
}

/** One vector near a centroid, Matryoshka-scaled and normalised. */
function near(centroid: Float32Array, scales: Float32Array, next: () => number): Float32Array {
  const vector = new Float32Array(centroid.length);
  for (let axis = 0; axis < centroid.length; axis += 1)
    vector[axis] = (scales[axis] as number) * ((centroid[axis] as number) + gaussian(next));
  return normalise(vector);
}

function scalesFor(dim: number): Float32Array {
  return Float32Array.from({ length: dim }, (_, axis) => 1 / Math.sqrt(1 + axis / FALLOFF));
}

/**
 * The corpus of a size and dimension: read from the cache folder when it
 * was made before (the vectors of 100k × 4096 are 1.6 GB and take a while
 * to draw), else made and written there.
 * @param size - messages
 * @param dim - dimensions
 * @param cache - folder for `vectors.f32` and `texts.txt`
 * @param log - progress lines
 */
export function loadCorpus(size: number, dim: number, cache: string, log: (line: string) => void): Corpus {
  const next = random(size * 7919 + dim);
  const common = Array.from({ length: 3000 }, (_, index) => word(index));
  const topicWords = Array.from({ length: TOPICS }, (_, topic) =>
    Array.from({ length: 12 }, (_, index) => word(3000 + topic * 12 + index)),
  );
  const centroids = Array.from({ length: TOPICS }, () => Float32Array.from({ length: dim }, () => gaussian(next)));
  const vectorsFile = join(cache, 'vectors.f32');
  const textsFile = join(cache, 'texts.txt');
  if (existsSync(vectorsFile) && existsSync(textsFile)) {
    log(`  corpus from the cache (${cache})`);
    const bytes = readFileSync(vectorsFile);
    const vectors =
      bytes.byteOffset % 4 === 0
        ? new Float32Array(bytes.buffer, bytes.byteOffset, size * dim)
        : new Float32Array(new Uint8Array(bytes).buffer, 0, size * dim);
    return {
      size,
      dim,
      texts: readFileSync(textsFile, 'utf8').split('\n').slice(0, size),
      vectors,
      topicWords,
      centroids,
    };
  }
  log(`  drawing the corpus (${size} × ${dim})…`);
  const zipf = (): string =>
    common[Math.min(common.length - 1, Math.floor(Math.exp(next() * Math.log(common.length))) - 1)] as string;
  const scales = scalesFor(dim);
  const texts: string[] = [];
  const vectors = new Float32Array(size * dim);
  for (let row = 0; row < size; row += 1) {
    const topic = Math.floor(next() * TOPICS);
    const words: string[] = [];
    const length = 8 + Math.floor(next() * 12);
    for (let position = 0; position < length; position += 1)
      words.push(next() < 0.35 ? (topicWords[topic]?.[Math.floor(next() * 12)] as string) : zipf());
    texts.push(words.join(' '));
    vectors.set(near(centroids[topic] as Float32Array, scales, next), row * dim);
  }
  mkdirSync(cache, { recursive: true });
  writeFileSync(`${vectorsFile}.tmp`, new Uint8Array(vectors.buffer));
  renameSync(`${vectorsFile}.tmp`, vectorsFile);
  writeFileSync(textsFile, texts.join('\n'));
  return { size, dim, texts, vectors, topicWords, centroids };
}

/**
 * Queries: three words of a topic, and a vector near its centroid (drawn like the corpus's).
 * @param corpus - the corpus
 * @param count - how many
 * @param seed - any integer
 */
export function makeQueries(corpus: Corpus, count: number, seed: number): Query[] {
  const next = random(seed);
  const scales = scalesFor(corpus.dim);
  return Array.from({ length: count }, () => {
    const topic = Math.floor(next() * TOPICS);
    const words = corpus.topicWords[topic] as string[];
    const text = [0, 1, 2].map(() => words[Math.floor(next() * words.length)]).join(' ');
    return { text, vector: near(corpus.centroids[topic] as Float32Array, scales, next) };
  });
}

/**
 * The exact top k rows of each query by cosine over the whole float32
 * vectors, and over the same vectors stored as int8 (steward's format),
 * in one pass over the rows.
 * @param corpus - the corpus (unit rows)
 * @param queries - query vectors (unit)
 * @param k - how many
 * @returns row numbers, best first, per query: for float32 and for int8
 */
export function exactTop(
  corpus: Corpus,
  queries: readonly Float32Array[],
  k: number,
): { float32: number[][]; int8: number[][] } {
  const { dim, size, vectors } = corpus;
  const tops = (): Array<Array<{ row: number; score: number }>> => queries.map(() => []);
  const float32 = tops();
  const int8 = tops();
  const keep = (list: Array<{ row: number; score: number }>, row: number, score: number): void => {
    if (list.length === k && score <= (list[k - 1] as { score: number }).score) return;
    list.push({ row, score });
    list.sort((left, right) => right.score - left.score);
    if (list.length > k) list.pop();
  };
  for (let row = 0; row < size; row += 1) {
    const vector = vectors.subarray(row * dim, (row + 1) * dim);
    const stored = decodeVector(encodeVector(vector), dim);
    let storedNorm = 0;
    for (let axis = 0; axis < dim; axis += 1) storedNorm += (stored[axis] as number) ** 2;
    storedNorm = Math.sqrt(storedNorm) || 1;
    queries.forEach((query, index) => {
      let dot = 0;
      let dotStored = 0;
      for (let axis = 0; axis < dim; axis += 1) {
        dot += (vector[axis] as number) * (query[axis] as number);
        dotStored += (stored[axis] as number) * (query[axis] as number);
      }
      keep(float32[index] as Array<{ row: number; score: number }>, row, dot);
      keep(int8[index] as Array<{ row: number; score: number }>, row, dotStored / storedNorm);
    });
  }
  const rows = (lists: Array<Array<{ row: number }>>): number[][] => lists.map((list) => list.map((hit) => hit.row));
  return { float32: rows(float32), int8: rows(int8) };
}
