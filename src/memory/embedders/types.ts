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
