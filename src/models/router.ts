import type { StewardConfig } from '../config/schema.js';
import { NoModelAvailableError, type ProviderAttempt } from '../shared/errors.js';
import type { Logger } from '../shared/log.js';
import { classifyProviderError } from './classify.js';
import type { HealthMonitor } from './health.js';
import type { ModelProvider, Tier } from './providers.js';

/** A provider with its model name settled (from the config or the server's GET /models). */
export type ResolvedProvider = ModelProvider & { model: string };

/** What {@link ModelRouter.run} returns. */
export interface RoutedResult<T> {
  /** What the attempt returned. */
  value: T;
  /** The provider that answered. */
  provider: ResolvedProvider;
  /** Providers skipped or failed before it, in chain order. */
  fallbackFrom: ProviderAttempt[];
}

/** Options of {@link ModelRouter.run}. */
export interface RunOptions {
  /** Cancels the turn; an aborted attempt is not counted against the provider. */
  signal?: AbortSignal | undefined;
  /** Called when a provider failed and the next one is about to be tried. */
  onFallback?: (failed: ProviderAttempt) => void;
}

function isAbort(error: unknown, signal: AbortSignal | undefined): boolean {
  if (signal?.aborted === true) return true;
  return error instanceof Error && (error.name === 'AbortError' || error.name === 'APIUserAbortError');
}

/**
 * Picks a healthy provider for a tier and falls back along the tier's chain
 * within the same turn (local first, then cloud), as ARCHITECTURE.md lays
 * out. The router owns retries: each provider is tried once per turn, and a
 * failure opens its circuit breaker in the {@link HealthMonitor}.
 */
export class ModelRouter {
  readonly #config: StewardConfig;
  readonly #providers: Map<string, ModelProvider>;
  readonly #health: HealthMonitor;
  readonly #log: Logger;

  /**
   * @param config - the configuration (chains, allowCloud)
   * @param providers - configured providers by id
   * @param health - the shared health monitor
   * @param log - logger
   */
  constructor(config: StewardConfig, providers: Map<string, ModelProvider>, health: HealthMonitor, log: Logger) {
    this.#config = config;
    this.#providers = providers;
    this.#health = health;
    this.#log = log;
  }

  /** Every configured provider. */
  providers(): ModelProvider[] {
    return [...this.#providers.values()];
  }

  /** The shared health monitor. */
  get health(): HealthMonitor {
    return this.#health;
  }

  /**
   * The providers of a tier's chain, in order, with the ones that cannot be
   * used at all (not configured, cloud while `allowCloud` is false).
   * @param tier - `fast` or `quality`
   */
  chain(tier: Tier): { candidates: ModelProvider[]; excluded: ProviderAttempt[] } {
    const candidates: ModelProvider[] = [];
    const excluded: ProviderAttempt[] = [];
    for (const id of this.#config.models.chains[tier]) {
      const provider = this.#providers.get(id);
      if (provider === undefined) continue;
      if (provider.kind === 'cloud' && !this.#config.models.allowCloud) {
        excluded.push({ provider: id, reason: 'cloud disabled by models.allowCloud=false' });
        continue;
      }
      candidates.push(provider);
    }
    return { candidates, excluded };
  }

  /**
   * Run `attempt` on the first healthy provider of the tier's chain; on
   * failure, open that provider's breaker and go on to the next one.
   *
   * @param tier - `fast` or `quality`
   * @param attempt - the work to do on one provider (a chat turn, a completion)
   * @param options - cancellation and a fallback callback
   * @returns the value and which provider produced it
   * @throws NoModelAvailableError when no provider answered (one line: what was tried and what to set)
   * @throws the abort error when `options.signal` fires
   */
  async run<T>(tier: Tier, attempt: (provider: ResolvedProvider) => Promise<T>, options: RunOptions = {}): Promise<RoutedResult<T>> {
    const { candidates, excluded } = this.chain(tier);
    const tried: ProviderAttempt[] = [];
    for (const provider of candidates) {
      if (options.signal?.aborted === true) throw options.signal.reason;
      if (!(await this.#health.isAvailable(provider))) {
        tried.push({ provider: provider.id, reason: this.#health.health(provider).lastError ?? 'unavailable' });
        continue;
      }
      const resolved: ResolvedProvider = { ...provider, model: provider.model ?? this.#health.health(provider).models[0] ?? 'default' };
      try {
        const value = await attempt(resolved);
        this.#health.reportSuccess(provider);
        return { value, provider: resolved, fallbackFrom: tried };
      } catch (error) {
        if (isAbort(error, options.signal)) throw error;
        const classified = classifyProviderError(error, provider.id, provider.timeoutMs);
        this.#health.reportFailure(provider, classified.message);
        this.#log.warn({ provider: provider.id, tier, reason: classified.message }, 'model request failed; falling back');
        const failed = { provider: provider.id, reason: classified.message };
        tried.push(failed);
        options.onFallback?.(failed);
      }
    }
    throw new NoModelAvailableError([...tried, ...excluded], this.hint(tier, candidates));
  }

  /** What the owner should set or check when no model answered. */
  hint(tier: Tier, candidates = this.chain(tier).candidates): string {
    const models = this.#config.models;
    const hasLocal = candidates.some((provider) => provider.kind === 'local');
    const advice: string[] = [];
    if (!hasLocal) advice.push('set STEWARD_LOCAL_FAST_URL to a local OpenAI-compatible server (e.g. http://127.0.0.1:8080/v1)');
    else advice.push(`check that ${candidates.filter((provider) => provider.kind === 'local').map((provider) => provider.baseUrl).join(' and ')} is running (steward doctor)`);
    if (models.allowCloud && models.openai.apiKey === null) advice.push('or set OPENAI_API_KEY for the OpenAI fallback');
    if (!models.allowCloud) advice.push('(cloud fallback is off: models.allowCloud=false)');
    const text = advice.join(' ');
    return `To fix: ${text}. Commands such as "check in" still work.`;
  }
}
