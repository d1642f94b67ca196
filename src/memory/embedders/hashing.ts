import { contentWords, stem } from '../text.js';
import type { Embedder } from './types.js';

/** FNV-1a, 32 bits, with a seed mixed in first. */
function fnv1a(text: string, seed: number): number {
  let hash = (0x811c9dc5 ^ seed) >>> 0;
  for (let index = 0; index < text.length; index += 1) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

/**
 * The offline default embedder: feature hashing ("the hashing trick",
 * Weinberger et al. 2009, as in scikit-learn's HashingVectorizer) of stemmed
 * content words, word pairs and character trigrams into a fixed-size signed
 * vector, L2-normalised. It needs no server and no weights, so a fresh
 * install has vector recall; it captures shared words and word forms
 * ("running" ~ "run"), not meaning. Set STEWARD_EMBEDDINGS_URL for a real
 * embedding model.
 */
export class HashingEmbedder implements Embedder {
  /** @inheritdoc */
  readonly id: string;
  /** @inheritdoc */
  readonly kind = 'offline' as const;
  /** @inheritdoc */
  readonly batchSize = 1024;
  /** @inheritdoc */
  readonly requests = 0;
  readonly #dimensions: number;

  /**
   * @param dimensions - vector size (default 384)
   */
  constructor(dimensions = 384) {
    this.#dimensions = dimensions;
    this.id = HashingEmbedder.idFor(dimensions);
  }

  /**
   * The id of the hashing embedder of a size (the version changes when the features do).
   * @param dimensions - vector size
   * @returns `hashing:v1:<dimensions>`
   */
  static idFor(dimensions: number): string {
    return `hashing:v1:${dimensions}`;
  }

  /**
   * Embed one text synchronously.
   * @param text - the text
   * @returns a unit vector of `dimensions` floats; all zeros when the text has no content words
   */
  embedOne(text: string): Float32Array {
    const vector = new Float32Array(this.#dimensions);
    const stems = contentWords(text).map(stem);
    const add = (feature: string, seed: number, weight: number): void => {
      const hash = fnv1a(feature, seed);
      const sign = fnv1a(feature, seed + 7919) & 1 ? 1 : -1;
      const slot = hash % this.#dimensions;
      vector[slot] = (vector[slot] ?? 0) + sign * weight;
    };
    stems.forEach((word, index) => {
      add(word, 1, 1);
      const next = stems[index + 1];
      if (next !== undefined) add(`${word} ${next}`, 2, 0.5);
      const padded = `<${word}>`;
      const grams = padded.length - 2;
      for (let start = 0; start < grams; start += 1) add(padded.slice(start, start + 3), 3, 0.6 / Math.sqrt(grams));
    });
    let norm = 0;
    for (const value of vector) norm += value * value;
    norm = Math.sqrt(norm);
    if (norm > 0) for (let index = 0; index < vector.length; index += 1) vector[index] = (vector[index] ?? 0) / norm;
    return vector;
  }

  /** @inheritdoc */
  embed(texts: readonly string[]): Promise<Float32Array[]> {
    return Promise.resolve(texts.map((text) => this.embedOne(text)));
  }
}
