import type { StewardConfig } from '../config/schema.js';

/** Which tier a turn asks for: `fast` for chat, `quality` for briefings and reviews. */
export type Tier = 'fast' | 'quality';

/**
 * One OpenAI-compatible chat endpoint (mlx_lm.server, llama.cpp
 * `llama-server`, Ollama, vLLM, LM Studio, an exo cluster, or OpenAI).
 */
export interface ModelProvider {
  /** Unique id, for example `local-fast`, `openai-quality`. */
  id: string;
  /** Base URL ending in /v1 (no trailing slash). */
  baseUrl: string;
  /** Model to request; null = the model the server says it serves (see `ServerProfiles`). */
  model: string | null;
  /** Tier the provider serves. */
  tier: Tier;
  /** `local` (the owner's machines) or `cloud`. */
  kind: 'local' | 'cloud';
  /** Bearer key, if the server needs one. */
  apiKey: string | undefined;
  /** Timeout of one request, in ms. */
  timeoutMs: number;
}

function trimSlash(url: string): string {
  return url.replace(/\/+$/, '');
}

/**
 * Every configured provider: the environment shortcuts (`local-fast`,
 * `local-quality`, `openai-fast`, `openai-quality`) plus `models.providers`.
 * A shortcut without a URL (or OpenAI without a key) is not configured and
 * is left out.
 *
 * @param config - the loaded configuration
 * @returns providers by id
 */
export function resolveProviders(config: StewardConfig): Map<string, ModelProvider> {
  const models = config.models;
  const providers = new Map<string, ModelProvider>();
  for (const tier of ['fast', 'quality'] as const) {
    const local = models.local[tier];
    if (local.baseUrl !== null) {
      providers.set(`local-${tier}`, {
        id: `local-${tier}`,
        baseUrl: trimSlash(local.baseUrl),
        model: local.model,
        tier,
        kind: 'local',
        apiKey: local.apiKey ?? undefined,
        timeoutMs: models.requestTimeoutMs,
      });
    }
    if (models.openai.apiKey !== null) {
      providers.set(`openai-${tier}`, {
        id: `openai-${tier}`,
        baseUrl: trimSlash(models.openai.baseUrl),
        model: tier === 'fast' ? models.openai.fastModel : models.openai.qualityModel,
        tier,
        kind: 'cloud',
        apiKey: models.openai.apiKey,
        timeoutMs: models.requestTimeoutMs,
      });
    }
  }
  for (const provider of models.providers) {
    providers.set(provider.id, {
      id: provider.id,
      baseUrl: trimSlash(provider.baseUrl),
      model: provider.model,
      tier: provider.tier,
      kind: provider.kind,
      apiKey: provider.apiKey,
      timeoutMs: provider.timeoutMs ?? models.requestTimeoutMs,
    });
  }
  return providers;
}

/**
 * Every API key in the configuration (OpenAI's and each provider's), for the
 * logger to blank out of every line.
 * @param config - the loaded configuration
 * @returns the keys; empty when none is set
 */
export function providerSecrets(config: StewardConfig): string[] {
  const keys = [
    config.models.openai.apiKey,
    config.models.local.fast.apiKey,
    config.models.local.quality.apiKey,
    config.embeddings.apiKey,
    ...config.models.providers.map((provider) => provider.apiKey),
  ];
  return keys.filter((key): key is string => typeof key === 'string' && key !== '');
}
