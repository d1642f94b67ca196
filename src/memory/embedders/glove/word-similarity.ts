import type { WordSimilarity } from '../types.js';
import type { WordVectors } from './format.js';

/**
 * Word-to-word similarity on the shipped GloVe vectors, for the prompt's
 * relevance gate. Each word's vector has the file's common component
 * removed before the cosine ("all-but-the-top", Mu & Viswanath 2018, "All-
 * but-the-Top: Simple and Effective Postprocessing for Word
 * Representations"): raw GloVe vectors share a large common direction, so
 * frequent words that mean little alike score high ("today" and "time"
 * 0.77, "said" and "going" 0.59); without it those fall to 0.10 and 0.05
 * while "pet" and "cat" stay at 0.68, "music" and "band" at 0.63.
 * A word's weight is its SIF weight, as in the sentence embedding.
 */
export class GloveWordSimilarity implements WordSimilarity {
  readonly #vectors: WordVectors;
  readonly #weight: (word: string, rank: number, vocabulary: number) => number;

  /**
   * @param vectors - the loaded word vectors
   * @param weight - a word's weight from the word, its frequency rank and the source vocabulary's size (the embedder's SIF weight)
   */
  constructor(vectors: WordVectors, weight: (word: string, rank: number, vocabulary: number) => number) {
    this.#vectors = vectors;
    this.#weight = weight;
  }

  /** The row of a word ("miso's" looks up "miso"), or undefined. */
  #row(word: string): number | undefined {
    const row = this.#vectors.rows.get(word);
    if (row !== undefined || !word.includes("'")) return row;
    return this.#vectors.rows.get(word.slice(0, word.indexOf("'")));
  }

  /** Each word's unit vector with the common component removed, made on first need (at most the vocabulary). */
  readonly #units = new Map<number, Float32Array>();

  /** A word's vector with the common component removed, normalised to length 1 (all zero when nothing is left). */
  #unit(row: number): Float32Array {
    const cached = this.#units.get(row);
    if (cached !== undefined) return cached;
    const { dimensions, commonComponent } = this.#vectors.header;
    const scale = this.#vectors.scales[row] ?? 0;
    const start = row * dimensions;
    const vector = new Float32Array(dimensions);
    let projection = 0;
    for (let axis = 0; axis < dimensions; axis += 1) {
      vector[axis] = scale * (this.#vectors.values[start + axis] ?? 0);
      projection += (vector[axis] ?? 0) * (commonComponent[axis] ?? 0);
    }
    let norm = 0;
    for (let axis = 0; axis < dimensions; axis += 1) {
      vector[axis] = (vector[axis] ?? 0) - projection * (commonComponent[axis] ?? 0);
      norm += (vector[axis] ?? 0) ** 2;
    }
    norm = Math.sqrt(norm);
    if (norm > 0) for (let axis = 0; axis < dimensions; axis += 1) vector[axis] = (vector[axis] ?? 0) / norm;
    this.#units.set(row, vector);
    return vector;
  }

  /** @inheritdoc */
  similarity(left: string, right: string): number | null {
    const leftRow = this.#row(left);
    const rightRow = this.#row(right);
    if (leftRow === undefined || rightRow === undefined) return null;
    if (leftRow === rightRow) return 1;
    const a = this.#unit(leftRow);
    const b = this.#unit(rightRow);
    let dot = 0;
    for (let axis = 0; axis < a.length; axis += 1) dot += (a[axis] ?? 0) * (b[axis] ?? 0);
    return dot;
  }

  /** @inheritdoc */
  weight(word: string): number {
    const row = this.#row(word);
    return row === undefined ? 1 : this.#weight(word, this.#vectors.ranks[row] ?? 0, this.#vectors.header.sourceWords);
  }
}
