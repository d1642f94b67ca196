import pRetry from 'p-retry';
import { z } from 'zod';
import { ProviderError } from '../../shared/errors.js';
import { http } from '../../shared/http.js';
import { faultOfNetworkError, faultOfResponse } from '../../models/faults.js';
import { CHARACTERS_PER_TOKEN } from '../../models/prompt-size.js';
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
  /**
   * The most tokens of one input (default 512, llama.cpp's physical batch `-ub`): longer texts
   * are cut to about this many tokens before they are sent.
   */
  maxInputTokens?: number;
  /**
   * Vector length to ask for (OpenAI's `dimensions`, for Matryoshka models);
   * a longer vector (llama.cpp ignores the parameter) is cut to its first
   * `dimensions` and renormalised here. Undefined or null: the model's full length.
   */
  dimensions?: number | null | undefined;
}

/** A text is not shortened below this many characters: past that, the server refuses something else. */
const MIN_INPUT_CHARS = 32;

const responseSchema = z.object({
  data: z.array(z.object({ index: z.number().int().min(0), embedding: z.array(z.number()) })),
});

/**
 * Embeddings from any OpenAI-compatible `POST /v1/embeddings`: llama.cpp's
 * `llama-server --embeddings`, Ollama, vLLM, LM Studio, or OpenAI. Texts go
 * in batches of `batchSize` with `encoding_format: "float"` (10 000 texts =
 * 157 requests at 64), and each request is retried with exponential backoff
 * (p-retry) when the failure may pass ({@link ProviderError.isRetryable}:
 * refused connections, timeouts, 429 and 5xx, but not llama.cpp's 500 for an
 * input too large, which no retry fixes). Every failure is a `ProviderError`
 * whose message never holds the key, even when the server echoes it.
 *
 * Each input is cut to `maxInputTokens` first (about 3 characters a token,
 * which errs short). A batch the server still refuses as too large (llama.cpp:
 * HTTP 500 "input (N tokens) is too large to process", past its `-ub`) is
 * split in halves down to single texts, and a single text is halved until
 * the server takes it; the length that worked becomes the cut for the texts
 * after it.
 *
 * With `dimensions`, the request asks for vectors that long: OpenAI's
 * text-embedding-3, Ollama since v0.11.11 (`server/routes.go` cuts and
 * renormalises) and vLLM for Matryoshka models honour it, llama.cpp ignores
 * it and answers with the full vector (issue ggml-org/llama.cpp#25210), so
 * the length is checked and a longer vector is cut and renormalised here,
 * as Ollama does. vLLM answers 400 for a model not trained that way.
 */
export class HttpEmbedder implements Embedder {
  readonly id: string;
  readonly kind: 'local' | 'cloud';
  readonly batchSize: number;
  #requests = 0;
  /** The longest input sent, in characters: `maxInputTokens` at first, less once the server refused one. */
  #maxChars: number;
  readonly #options: Required<Omit<HttpEmbedderOptions, 'apiKey' | 'dimensions'>> & {
    apiKey: string | null;
    dimensions: number | null;
  };

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
      maxInputTokens: options.maxInputTokens ?? 512,
      dimensions: options.dimensions ?? null,
    };
    this.#maxChars = this.#options.maxInputTokens * CHARACTERS_PER_TOKEN;
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
    const cut = batch.map((text) => (text.length > this.#maxChars ? text.slice(0, this.#maxChars) : text));
    try {
      return await this.#retried(cut, signal);
    } catch (error) {
      if (!(error instanceof ProviderError) || error.kind !== 'input-too-large' || signal?.aborted === true)
        throw error;
      if (cut.length > 1) {
        const half = Math.ceil(cut.length / 2);
        return [
          ...(await this.#embedBatch(cut.slice(0, half), signal)),
          ...(await this.#embedBatch(cut.slice(half), signal)),
        ];
      }
      const text = cut[0] ?? '';
      if (text.length <= MIN_INPUT_CHARS) throw error;
      this.#maxChars = Math.max(MIN_INPUT_CHARS, Math.floor(text.length / 2));
      return this.#embedBatch([text], signal);
    }
  }

  async #retried(batch: readonly string[], signal: AbortSignal | undefined): Promise<Float32Array[]> {
    const { retries, retryMinMs } = this.#options;
    try {
      return await pRetry(() => this.#request(batch, signal), {
        retries,
        minTimeout: retryMinMs,
        factor: 2,
        ...(signal === undefined ? {} : { signal }),
        shouldRetry: ({ error }) =>
          signal?.aborted !== true && (!(error instanceof ProviderError) || error.isRetryable),
      });
    } catch (error) {
      // Cancelled (steward is closing, Ctrl-C): not the server's failure.
      if (signal?.aborted === true) throw signal.reason;
      if (error instanceof ProviderError) throw error;
      throw this.#error(`embeddings at ${this.#options.baseUrl} failed: ${(error as Error).message}`, 'unknown', {
        cause: error,
      });
    }
  }

  /** A {@link ProviderError} of this embedder, with its key blanked out of the message and body. */
  #error(
    message: string,
    kind: ProviderError['kind'],
    extra: { status?: number; responseBody?: string; cause?: unknown } = {},
  ): ProviderError {
    return new ProviderError(
      message,
      {
        provider: this.id,
        kind,
        status: extra.status,
        responseBody: extra.responseBody,
        secrets: [this.#options.apiKey],
      },
      { cause: extra.cause },
    );
  }

  async #request(batch: readonly string[], signal: AbortSignal | undefined): Promise<Float32Array[]> {
    const axios = await http();
    this.#requests += 1;
    const where = `${this.#options.baseUrl}/embeddings`;
    let response;
    try {
      response = await axios.post(
        where,
        {
          model: this.#options.model,
          input: batch,
          encoding_format: 'float',
          ...(this.#options.dimensions === null ? {} : { dimensions: this.#options.dimensions }),
        },
        {
          timeout: this.#options.timeoutMs,
          signal,
          validateStatus: () => true,
          headers: this.#options.apiKey === null ? {} : { authorization: `Bearer ${this.#options.apiKey}` },
        },
      );
    } catch (error) {
      const fault = faultOfNetworkError(error, this.#options.timeoutMs) ?? {
        kind: 'unknown' as const,
        message: (error as Error).message,
      };
      throw this.#error(`embeddings at ${where}: ${fault.message}`, fault.kind, { cause: error });
    }
    if (response.status < 200 || response.status >= 300) {
      const fault = faultOfResponse(response.status, response.data);
      const body = typeof response.data === 'string' ? response.data : JSON.stringify(response.data);
      throw this.#error(
        `embeddings at ${where}: HTTP ${response.status}${fault.detail === '' ? '' : ` (${fault.detail})`}`,
        fault.kind,
        { status: response.status, responseBody: body },
      );
    }
    const parsed = responseSchema.safeParse(response.data);
    if (!parsed.success || parsed.data.data.length !== batch.length) {
      const got = parsed.success
        ? `${parsed.data.data.length} vectors for ${batch.length} texts`
        : 'not an embeddings response';
      throw this.#error(`embeddings at ${where}: malformed answer (${got})`, 'malformed');
    }
    const ordered = [...parsed.data.data].sort((left, right) => left.index - right.index);
    const dimension = ordered[0]?.embedding.length ?? 0;
    if (dimension === 0 || ordered.some((item) => item.embedding.length !== dimension)) {
      throw new ProviderError(`embeddings at ${where}: vectors of different or zero length`, {
        provider: this.id,
        kind: 'malformed',
        isRetryable: false,
      });
    }
    const wanted = this.#options.dimensions;
    if (wanted !== null && dimension < wanted)
      throw new ProviderError(`embeddings at ${where}: vectors of ${dimension} dimensions; asked for ${wanted}`, {
        provider: this.id,
        kind: 'malformed',
        isRetryable: false,
      });
    return ordered.map((item) =>
      wanted === null || dimension === wanted ? Float32Array.from(item.embedding) : shorten(item.embedding, wanted),
    );
  }
}

/**
 * The first `dimensions` of a vector, renormalised to length 1 (a
 * Matryoshka embedding's prefix is itself an embedding; Ollama's
 * `server/routes.go` shortens the same way).
 * @param vector - the whole vector
 * @param dimensions - how many to keep
 */
function shorten(vector: readonly number[], dimensions: number): Float32Array {
  const head = Float32Array.from(vector.slice(0, dimensions));
  let norm = 0;
  for (const value of head) norm += value * value;
  norm = Math.sqrt(norm) || 1;
  for (let axis = 0; axis < head.length; axis += 1) head[axis] = (head[axis] ?? 0) / norm;
  return head;
}
