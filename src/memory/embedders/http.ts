import pRetry from 'p-retry';
import { z } from 'zod';
import { EmbeddingError } from '../../shared/errors.js';
import { http } from '../../shared/http.js';
import type { Embedder } from './types.js';

/** Options of {@link HttpEmbedder}. */
export interface HttpEmbedderOptions {
  /** Embedder id (see {@link Embedder.id}). */
  id: string;
  /** `local` for the owner's own server, `cloud` for OpenAI. */
  kind: 'local' | 'cloud';
  /** OpenAI-compatible base URL ending in /v1. */
  baseUrl: string;
  /** Model name sent in each request. */
  model: string;
  /** Bearer key, if the server needs one. */
  apiKey?: string | null | undefined;
  /** Texts per request (default 64). */
  batchSize?: number;
  /** Timeout of one request, in ms (default 30 000). */
  timeoutMs?: number;
  /** Retries of a failed request (default 3), with exponential backoff from `retryMinMs`. */
  retries?: number;
  /** First backoff, in ms (default 500; doubles each retry). */
  retryMinMs?: number;
}

const responseSchema = z.object({
  data: z.array(z.object({ index: z.number().int().min(0), embedding: z.array(z.number()) })),
});

/** HTTP statuses that no retry will fix. */
const FINAL_STATUSES = new Set([400, 401, 403, 404, 405, 413, 422]);

/**
 * Embeddings from any OpenAI-compatible `POST /v1/embeddings`: llama.cpp's
 * `llama-server --embeddings`, Ollama, vLLM, LM Studio, or OpenAI. Texts go
 * in batches of `batchSize` with `encoding_format: "float"` (10 000 texts =
 * 157 requests at 64), and each request is retried with exponential backoff
 * (p-retry) on refused connections, timeouts, 429 and 5xx.
 */
export class HttpEmbedder implements Embedder {
  readonly id: string;
  readonly kind: 'local' | 'cloud';
  readonly batchSize: number;
  #requests = 0;
  readonly #options: Required<Omit<HttpEmbedderOptions, 'apiKey'>> & { apiKey: string | null };

  /**
   * @param options - endpoint, model, batching and retries
   */
  constructor(options: HttpEmbedderOptions) {
    this.id = options.id;
    this.kind = options.kind;
    this.batchSize = options.batchSize ?? 64;
    this.#options = {
      id: options.id,
      kind: options.kind,
      baseUrl: options.baseUrl.replace(/\/+$/, ''),
      model: options.model,
      apiKey: options.apiKey ?? null,
      batchSize: this.batchSize,
      timeoutMs: options.timeoutMs ?? 30_000,
      retries: options.retries ?? 3,
      retryMinMs: options.retryMinMs ?? 500,
    };
  }

  /** @inheritdoc */
  get requests(): number {
    return this.#requests;
  }

  /** @inheritdoc */
  async embed(texts: readonly string[], options: { signal?: AbortSignal | undefined } = {}): Promise<Float32Array[]> {
    const vectors: Float32Array[] = [];
    for (let start = 0; start < texts.length; start += this.batchSize) {
      vectors.push(...(await this.#embedBatch(texts.slice(start, start + this.batchSize), options.signal)));
    }
    return vectors;
  }

  async #embedBatch(batch: readonly string[], signal: AbortSignal | undefined): Promise<Float32Array[]> {
    const { retries, retryMinMs } = this.#options;
    try {
      return await pRetry(() => this.#request(batch, signal), {
        retries,
        minTimeout: retryMinMs,
        factor: 2,
        ...(signal === undefined ? {} : { signal }),
        shouldRetry: ({ error }) => signal?.aborted !== true && (!(error instanceof EmbeddingError) || error.retryable),
      });
    } catch (error) {
      // Cancelled (steward is closing, Ctrl-C): not the server's failure.
      if (signal?.aborted === true) throw signal.reason;
      if (error instanceof EmbeddingError) throw error;
      throw new EmbeddingError(
        `embeddings at ${this.#options.baseUrl} failed: ${(error as Error).message}`,
        { embedder: this.id, retryable: true },
        { cause: error },
      );
    }
  }

  async #request(batch: readonly string[], signal: AbortSignal | undefined): Promise<Float32Array[]> {
    const axios = await http();
    this.#requests += 1;
    const where = `${this.#options.baseUrl}/embeddings`;
    let response;
    try {
      response = await axios.post(
        where,
        { model: this.#options.model, input: batch, encoding_format: 'float' },
        {
          timeout: this.#options.timeoutMs,
          signal,
          validateStatus: () => true,
          headers: this.#options.apiKey === null ? {} : { authorization: `Bearer ${this.#options.apiKey}` },
        },
      );
    } catch (error) {
      const code = (error as { code?: string }).code;
      const reason =
        code === 'ECONNREFUSED'
          ? 'connection refused'
          : code === 'ECONNABORTED' || code === 'ETIMEDOUT'
            ? `timed out after ${this.#options.timeoutMs} ms`
            : (error as Error).message;
      throw new EmbeddingError(
        `embeddings at ${where}: ${reason}`,
        { embedder: this.id, retryable: true },
        { cause: error },
      );
    }
    if (response.status < 200 || response.status >= 300) {
      const body = response.data as { error?: { message?: string } | string } | undefined;
      const detail = typeof body?.error === 'string' ? body.error : (body?.error?.message ?? '');
      throw new EmbeddingError(
        `embeddings at ${where}: HTTP ${response.status}${detail === '' ? '' : ` (${detail.slice(0, 200)})`}`,
        {
          embedder: this.id,
          status: response.status,
          retryable: !FINAL_STATUSES.has(response.status),
        },
      );
    }
    const parsed = responseSchema.safeParse(response.data);
    if (!parsed.success || parsed.data.data.length !== batch.length) {
      const got = parsed.success
        ? `${parsed.data.data.length} vectors for ${batch.length} texts`
        : 'not an embeddings response';
      throw new EmbeddingError(`embeddings at ${where}: malformed answer (${got})`, {
        embedder: this.id,
        retryable: true,
      });
    }
    const ordered = [...parsed.data.data].sort((left, right) => left.index - right.index);
    const dimension = ordered[0]?.embedding.length ?? 0;
    if (dimension === 0 || ordered.some((item) => item.embedding.length !== dimension)) {
      throw new EmbeddingError(`embeddings at ${where}: vectors of different or zero length`, {
        embedder: this.id,
        retryable: false,
      });
    }
    return ordered.map((item) => Float32Array.from(item.embedding));
  }
}
