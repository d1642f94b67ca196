import type { StewardConfig } from '../../config/schema.js';
import { ConfigError } from '../../shared/errors.js';
import { HashingEmbedder } from './hashing.js';
import { HttpEmbedder } from './http.js';
import type { Embedder } from './types.js';

export { HashingEmbedder } from './hashing.js';
export { HttpEmbedder, type HttpEmbedderOptions } from './http.js';
export type { Embedder } from './types.js';

/** OpenAI's embedding model when embeddings.provider is openai and no model is set. */
export const OPENAI_EMBEDDING_MODEL = 'text-embedding-3-small';

/**
 * The embedder the configuration asks for (`embeddings.provider`): `auto`
 * picks the HTTP embedder when `embeddings.url` (STEWARD_EMBEDDINGS_URL) is
 * set and the offline hashing embedder otherwise.
 * @param config - the loaded configuration
 * @returns the embedder
 * @throws ConfigError when `http` has no URL, or `openai` has no key or the cloud is off
 */
export function createEmbedder(config: StewardConfig): Embedder {
  const settings = config.embeddings;
  const provider = settings.provider === 'auto' ? (settings.url === null ? 'offline' : 'http') : settings.provider;
  const common = { batchSize: settings.batchSize, timeoutMs: settings.timeoutMs, retries: settings.retries };
  if (provider === 'offline') return new HashingEmbedder(settings.offlineDimensions);
  if (provider === 'http') {
    if (settings.url === null)
      throw new ConfigError(
        'config error: embeddings.provider is "http" but no URL is set: set STEWARD_EMBEDDINGS_URL (or embeddings.url)',
        { key: 'embeddings.url', source: 'config' },
      );
    const model = settings.model ?? 'default';
    return new HttpEmbedder({
      ...common,
      id: `http:${settings.model ?? new URL(settings.url).host}`,
      kind: 'local',
      baseUrl: settings.url,
      model,
      apiKey: settings.apiKey,
    });
  }
  if (!config.models.allowCloud) {
    throw new ConfigError(
      'config error: embeddings.provider is "openai" but models.allowCloud is false: nothing may go to the cloud; use "auto" or "http"',
      { key: 'embeddings.provider', source: 'config' },
    );
  }
  if (config.models.openai.apiKey === null) {
    throw new ConfigError(
      'config error: embeddings.provider is "openai" but no key is set: set OPENAI_API_KEY (or models.openai.apiKey)',
      { key: 'models.openai.apiKey', source: 'config' },
    );
  }
  const model = settings.model ?? OPENAI_EMBEDDING_MODEL;
  return new HttpEmbedder({
    ...common,
    id: `openai:${model}`,
    kind: 'cloud',
    baseUrl: config.models.openai.baseUrl,
    model,
    apiKey: config.models.openai.apiKey,
  });
}
