/**
 * An embedder turns texts into vectors. Implementations: the offline
 * {@link HashingEmbedder} (no server), and {@link HttpEmbedder} for any
 * OpenAI-compatible `/v1/embeddings` (llama.cpp, Ollama, vLLM, LM Studio)
 * and for OpenAI itself.
 */
export interface Embedder {
  /**
   * Stable id of the model, stored with each vector and naming its index
   * file: `hashing:v1:384`, `http:nomic-embed-text`, `openai:text-embedding-3-small`.
   * A different id means different vectors: steward re-embeds in the background.
   */
  readonly id: string;
  /** offline (no network), local (an HTTP server of the owner's) or cloud (OpenAI). */
  readonly kind: 'offline' | 'local' | 'cloud';
  /** Texts per request; {@link embed} splits larger inputs. */
  readonly batchSize: number;
  /** HTTP requests sent so far (0 for offline), for `steward memory` and the benchmark. */
  readonly requests: number;
  /**
   * Embed texts, in order.
   * @param texts - the texts (any number; sent in batches of {@link batchSize})
   * @param options - cancellation
   * @returns one vector per text, each of the same dimension
   * @throws ProviderError when a request fails after its retries
   */
  embed(texts: readonly string[], options?: { signal?: AbortSignal | undefined }): Promise<Float32Array[]>;
}

/**
 * How close two words are in meaning, from an embedder's word vectors:
 * what the prompt's relevance gate (`relevance.ts`) uses to count a
 * paraphrase ("pet" for "cat") as a shared word. Only the offline
 * word-vector embedder has one (`GloveEmbedder.wordSimilarity`).
 */
export interface WordSimilarity {
  /**
   * Cosine similarity of two words' vectors.
   * @param left - a lower-case word
   * @param right - another
   * @returns -1–1; null when either word is not in the vocabulary
   */
  similarity(left: string, right: string): number | null;
  /**
   * How much a word says about a text, 0–1: about 0 for the most frequent words, near 1 for rare ones.
   * @param word - a lower-case word
   * @returns the weight (1 for a word not in the vocabulary: a rare word)
   */
  weight(word: string): number;
}
