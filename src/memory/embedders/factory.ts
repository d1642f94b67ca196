import { z } from 'zod';
import type { StewardConfig } from '../../config/schema.js';
import { ConfigError } from '../../shared/errors.js';
import { GloveEmbedder, hasWordVectors } from './glove/glove.js';
import { HashingEmbedder } from './hashing.js';
import { HttpEmbedder } from './http.js';
import type { Embedder } from './types.js';

/** OpenAI's embedding model when embeddings.provider is openai and no model is set. */
export const OPENAI_EMBEDDING_MODEL = 'text-embedding-3-small';

/** The most tokens of one input to OpenAI's embedding models (8191, API reference). */
const OPENAI_EMBEDDING_INPUT_TOKENS = 8191;

/**
 * Which embedder, with no secret in it: what the configuration asks for,
 * and what `memory_state.serving` stores for the embedder that serves
 * recall (so a re-embedding can go on querying the old model after the
 * configuration has moved on). Keys and values are the stored JSON's.
 */
export interface EmbedderSpec {
  /** The embedder id (see {@link Embedder.id}): `glove:6b-100d-50k-<sha>:sif1`, `hashing:v1:384`, `http:<model or host>`, `openai:<model>`, with `@<dimensions>` when shortened. */
  id: string;
  /** `offline` (the word-vector or the hashing embedder, told apart by the id), `http` (an OpenAI-compatible server of the owner's) or `openai`. */
  provider: 'offline' | 'http' | 'openai';
  /** The server's /v1 base URL, for `http` only. */
  url: string | null;
  /** The model name sent in requests; null for `offline`, and for `http` with the server's default model. */
  model: string | null;
  /** Vector size of the hashing embedder (`embeddings.offlineDimensions`; stored for every provider). */
  dimensions: number;
  /** Vector length asked of an `http` or `openai` embedder (`embeddings.dimensions`); absent for the model's own. */
  outputDimensions?: number | null | undefined;
}

/** {@link EmbedderSpec} as stored in `memory_state.serving` (a zod schema, to read it back). */
export const embedderSpecSchema = z.object({
  id: z.string().min(1),
  provider: z.enum(['offline', 'http', 'openai']),
  url: z.string().nullable(),
  model: z.string().nullable(),
  dimensions: z.number().int().positive(),
  outputDimensions: z.number().int().positive().nullable().optional(),
});

/**
 * What the configuration asks for (`embeddings.provider`), as a spec:
 * `auto` is `http` when `embeddings.url` (STEWARD_EMBEDDINGS_URL) is set and
 * `offline` otherwise; `offline` is the word-vector embedder (the hashing
 * one when its file is missing from the install); `hashing` the hashing
 * embedder. The one place where config becomes an embedder id.
 * @param config - the loaded configuration
 * @returns the spec of the configured embedder
 * @throws ConfigError when the provider is `http` and no URL is set
 */
export function embedderSpec(config: StewardConfig): EmbedderSpec {
  const settings = config.embeddings;
  const provider = settings.provider === 'auto' ? (settings.url === null ? 'offline' : 'http') : settings.provider;
  const dimensions = settings.offlineDimensions;
  // Shortened vectors are other vectors: a different id, so that changing the length re-embeds.
  const suffix = settings.dimensions === null ? '' : `@${settings.dimensions}`;
  const shortened = settings.dimensions === null ? {} : { outputDimensions: settings.dimensions };
  if (provider === 'offline' && hasWordVectors())
    return { id: GloveEmbedder.ID, provider: 'offline', url: null, model: null, dimensions };
  if (provider === 'offline' || provider === 'hashing')
    return { id: HashingEmbedder.idFor(dimensions), provider: 'offline', url: null, model: null, dimensions };
  if (provider === 'http') {
    if (settings.url === null)
      throw new ConfigError(
        'config error: embeddings.provider is "http" but no URL is set: set STEWARD_EMBEDDINGS_URL (or embeddings.url)',
        { key: 'embeddings.url', source: 'config' },
      );
    const id = `http:${settings.model ?? new URL(settings.url).host}${suffix}`;
    return { id, provider, url: settings.url, model: settings.model, dimensions, ...shortened };
  }
  const model = settings.model ?? OPENAI_EMBEDDING_MODEL;
  return { id: `openai:${model}${suffix}`, provider, url: null, model, dimensions, ...shortened };
}

/**
 * Why this install cannot embed with an offline spec, if it cannot: a
 * word-vector embedder of another file or recipe (the stored serving
 * embedder of an older steward), or its file is missing.
 * @param spec - an `offline` spec
 * @returns the reason, or undefined when {@link embedderFromSpec} can build it
 */
export function offlineUnavailable(spec: EmbedderSpec): string | undefined {
  if (spec.provider !== 'offline' || spec.id.startsWith('hashing:')) return undefined;
  if (spec.id !== GloveEmbedder.ID) return `this steward has other word vectors than ${spec.id}`;
  return hasWordVectors() ? undefined : 'its word-vector file is missing';
}

/**
 * Why the configuration may not send texts to OpenAI's embeddings, if it may not.
 * @param config - the loaded configuration
 * @returns `cloud off` (`models.allowCloud` is false), `no key` (no OpenAI key), or undefined when it may
 */
export function cloudRefusal(config: StewardConfig): 'cloud off' | 'no key' | undefined {
  if (!config.models.allowCloud) return 'cloud off';
  if (config.models.openai.apiKey === null) return 'no key';
  return undefined;
}

/** The configuration errors of an `openai` embedder that may not be used. */
const CLOUD_REFUSALS = {
  'cloud off': {
    message:
      'config error: embeddings.provider is "openai" but models.allowCloud is false: nothing may go to the cloud; use "auto" or "http"',
    key: 'embeddings.provider',
  },
  'no key': {
    message:
      'config error: embeddings.provider is "openai" but no key is set: set OPENAI_API_KEY (or models.openai.apiKey)',
    key: 'models.openai.apiKey',
  },
} as const;

/**
 * The embedder a spec names, with the batching and timeout of
 * `embeddings.*` and the endpoint and key of the configuration (an `http`
 * spec keeps its own URL; the keys are never stored in a spec).
 * @param spec - the embedder to build (from {@link embedderSpec}, or stored in `memory_state.serving`)
 * @param config - the loaded configuration
 * @param options - `retries` of a failed request (default `embeddings.retries`; recall queries use 0)
 * @returns the embedder, whose id is `spec.id` (check an offline spec with {@link offlineUnavailable} first)
 * @throws ConfigError when the spec is `openai` and the cloud is off or no key is set
 */
export function embedderFromSpec(
  spec: EmbedderSpec,
  config: StewardConfig,
  options: { retries?: number } = {},
): Embedder {
  const settings = config.embeddings;
  const common = {
    id: spec.id,
    batchSize: settings.batchSize,
    timeoutMs: settings.timeoutMs,
    retries: options.retries ?? settings.retries,
    dimensions: spec.outputDimensions ?? null,
  };
  if (spec.provider === 'offline')
    return spec.id.startsWith('hashing:') ? new HashingEmbedder(spec.dimensions) : new GloveEmbedder();
  if (spec.provider === 'http')
    return new HttpEmbedder({
      ...common,
      maxInputTokens: settings.maxInputTokens,
      kind: 'local',
      baseUrl: spec.url ?? '',
      model: spec.model ?? 'default',
      apiKey: settings.apiKey,
    });
  const refusal = cloudRefusal(config);
  if (refusal !== undefined) {
    const { message, key } = CLOUD_REFUSALS[refusal];
    throw new ConfigError(message, { key, source: 'config' });
  }
  return new HttpEmbedder({
    ...common,
    maxInputTokens: OPENAI_EMBEDDING_INPUT_TOKENS,
    kind: 'cloud',
    baseUrl: config.models.openai.baseUrl,
    model: spec.model ?? OPENAI_EMBEDDING_MODEL,
    apiKey: config.models.openai.apiKey,
  });
}

/**
 * The embedder the configuration asks for: {@link embedderFromSpec} of
 * {@link embedderSpec}, so its id is always the spec's.
 * @param config - the loaded configuration
 * @returns the embedder
 * @throws ConfigError when `http` has no URL, or `openai` has no key or the cloud is off
 */
export function createEmbedder(config: StewardConfig): Embedder {
  return embedderFromSpec(embedderSpec(config), config);
}
