import type { StewardConfig } from '../config/schema.js';
import { NoModelAvailableError, ProviderError, type ProviderAttempt } from '../shared/errors.js';
import type { Logger } from '../shared/log.js';
import { classifyProviderError } from './classify.js';
import type { HealthMonitor } from './health.js';
import type { ModelProvider, Tier } from './providers.js';
import { RequestMeter } from './meter.js';

/** A provider with its model name settled (from the config or the server's GET /models). */
export type ResolvedProvider = ModelProvider & { model: string };

/** What an attempt on one provider gets besides the provider. */
export interface AttemptContext {
  /**
   * Aborts when the turn is cancelled, or when the provider's liveness probe
   * fails before it has answered: pass it to the request.
   */
  signal: AbortSignal;
  /** Measurements of this attempt; pass it to `openChatModel`. */
  meter: RequestMeter;
}

/** What {@link ModelRouter.run} returns. */
export interface RoutedResult<T> {
  /** What the attempt returned. */
  value: T;
  /** The provider that answered. */
  provider: ResolvedProvider;
  /** Providers skipped or failed before it, in chain order. */
  fallbackFrom: ProviderAttempt[];
  /** Measurements of the answering attempt. */
  meter: RequestMeter;
}

/** Options of {@link ModelRouter.run}. */
export interface RunOptions {
  /** Cancels the turn; an aborted attempt is not counted against the provider. */
  signal?: AbortSignal | undefined;
  /** Called when a provider failed and the next one is about to be tried. */
  onFallback?: (failed: ProviderAttempt) => void;
  /**
   * Only local providers (background memory work: fact extraction, episode
   * summaries). Cloud ones are listed as excluded with the reason. Default false.
   */
  localOnly?: boolean | undefined;
}

/**
 * Picks a healthy provider for a tier and falls back along the tier's chain
 * within the same turn (local first, then cloud), as ARCHITECTURE.md lays
 * out. The router owns retries: each provider is tried at most once per
 * turn, and a failure opens its circuit breaker in the {@link HealthMonitor}.
 *
 * While an attempt on a local provider waits for its response, the
 * provider's `GET /models` is probed alongside it; when that probe fails
 * before the response has started, the server is hung and the turn moves on
 * after the probe timeout (2 s) instead of the request timeout (60 s). A
 * busy but alive server answers the probe and is waited for.
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

  /**
   * A configured provider by id.
   * @param id - provider id, for example `local-fast`
   */
  provider(id: string): ModelProvider | undefined {
    return this.#providers.get(id);
  }

  /** The shared health monitor. */
  get health(): HealthMonitor {
    return this.#health;
  }

  /**
   * Why a provider may never be used in this configuration, or undefined
   * when it may (today: a cloud provider while `models.allowCloud` is false).
   * @param provider - the provider
   */
  disabledReason(provider: ModelProvider): string | undefined {
    return provider.kind === 'cloud' && !this.#config.models.allowCloud
      ? 'cloud disabled by models.allowCloud=false'
      : undefined;
  }

  /**
   * The provider with its model settled: the configured name, else the first
   * model the server listed at `GET /models`, else `default`.
   * @param provider - the provider
   */
  resolve(provider: ModelProvider): ResolvedProvider {
    return { ...provider, model: provider.model ?? this.#health.health(provider).models[0] ?? 'default' };
  }

  /**
   * The providers of a tier's chain, in order, and the ones that cannot be
   * used at all (cloud while `allowCloud` is false). Ids that are not
   * configured are left out.
   * @param tier - `fast` or `quality`
   * @param options - `localOnly`: leave cloud providers out too (listed as excluded)
   */
  chain(
    tier: Tier,
    options: { localOnly?: boolean | undefined } = {},
  ): { candidates: ModelProvider[]; excluded: ProviderAttempt[] } {
    const candidates: ModelProvider[] = [];
    const excluded: ProviderAttempt[] = [];
    for (const id of this.#config.models.chains[tier]) {
      const provider = this.#providers.get(id);
      if (provider === undefined) continue;
      const disabled =
        this.disabledReason(provider) ??
        (options.localOnly === true && provider.kind === 'cloud'
          ? 'background memory work stays on local models'
          : undefined);
      if (disabled !== undefined) {
        excluded.push({ provider: id, reason: disabled });
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
   * @param attempt - the work to do on one provider (a chat turn, a completion); it must honour `context.signal`
   * @param options - cancellation and a fallback callback
   * @returns the value, which provider produced it, and its measurements
   * @throws NoModelAvailableError when no provider answered (one line: what was tried and what to set)
   * @throws the abort reason when `options.signal` fires
   */
  async run<T>(
    tier: Tier,
    attempt: (provider: ResolvedProvider, context: AttemptContext) => Promise<T>,
    options: RunOptions = {},
  ): Promise<RoutedResult<T>> {
    const { candidates, excluded } = this.chain(tier, { localOnly: options.localOnly });
    const tried: ProviderAttempt[] = [];
    for (const provider of candidates) {
      options.signal?.throwIfAborted();
      const admission = await this.#health.admit(provider);
      options.signal?.throwIfAborted();
      if (!admission.available) {
        tried.push({ provider: provider.id, reason: this.#health.health(provider).lastError ?? 'unavailable' });
        continue;
      }
      const outcome = await this.#attempt(provider, admission.probed, attempt, options.signal);
      if (outcome.ok)
        return { value: outcome.value, provider: outcome.provider, fallbackFrom: tried, meter: outcome.meter };
      this.#log.warn({ provider: provider.id, tier, reason: outcome.reason }, 'model request failed; falling back');
      const failed = { provider: provider.id, reason: outcome.reason };
      tried.push(failed);
      options.onFallback?.(failed);
    }
    throw new NoModelAvailableError([...tried, ...excluded], this.hint(tier, candidates));
  }

  async #attempt<T>(
    provider: ModelProvider,
    justProbed: boolean,
    attempt: (provider: ResolvedProvider, context: AttemptContext) => Promise<T>,
    turnSignal: AbortSignal | undefined,
  ): Promise<{ ok: true; value: T; provider: ResolvedProvider; meter: RequestMeter } | { ok: false; reason: string }> {
    const resolved = this.resolve(provider);
    const epoch = this.#health.breaker(provider).epoch;
    const controller = new AbortController();
    const forward = (): void => controller.abort(turnSignal?.reason);
    turnSignal?.addEventListener('abort', forward, { once: true });
    const meter = new RequestMeter();
    let settled = false;
    let unresponsive: string | undefined;
    if (provider.kind === 'local' && !justProbed) {
      // The liveness probe: only a probe that times out means a hung server; a refused
      // or dropped connection makes the request itself fail, with its own reason.
      void this.#health.check(provider).then((probe) => {
        if (probe.healthy || !probe.timedOut || settled || meter.headersAt !== null) return;
        unresponsive = `not responding (${probe.reason ?? 'health probe failed'})`;
        controller.abort(new ProviderError(unresponsive, { provider: provider.id, kind: 'timeout' }));
      });
    }
    try {
      const value = await attempt(resolved, { signal: controller.signal, meter });
      settled = true;
      this.#health.reportSuccess(provider);
      return { ok: true, value, provider: resolved, meter };
    } catch (error) {
      settled = true;
      if (turnSignal?.aborted === true) throw error;
      const reason =
        unresponsive ?? classifyProviderError(error, provider.id, provider.timeoutMs, [provider.apiKey]).message;
      this.#health.reportFailure(provider, reason, { epoch });
      return { ok: false, reason };
    } finally {
      turnSignal?.removeEventListener('abort', forward);
    }
  }

  /**
   * What the owner should set or check when no model answered.
   * @param tier - the tier of the turn
   * @param candidates - the providers that could be tried
   */
  hint(tier: Tier, candidates = this.chain(tier).candidates): string {
    const models = this.#config.models;
    const local = candidates.filter((provider) => provider.kind === 'local');
    const advice: string[] = [];
    if (local.length === 0)
      advice.push('set STEWARD_LOCAL_FAST_URL to a local OpenAI-compatible server (e.g. http://127.0.0.1:8080/v1)');
    else
      advice.push(
        `check that ${local.map((provider) => provider.baseUrl).join(' and ')} ${local.length === 1 ? 'is' : 'are'} running (steward doctor)`,
      );
    if (models.allowCloud && models.openai.apiKey === null)
      advice.push('or set OPENAI_API_KEY for the OpenAI fallback');
    if (!models.allowCloud)
      advice.push('(cloud fallback is off: models.allowCloud=false, so nothing was sent to the cloud)');
    return `To fix: ${advice.join(' ')}. Commands such as "check in" still work.`;
  }
}
