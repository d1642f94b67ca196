import type { StewardConfig } from '../config/schema.js';
import { NoModelAvailableError, ProviderError, type ProviderAttempt } from '../shared/errors.js';
import type { Logger } from '../shared/log.js';
import { classifyProviderError } from './classify.js';
import { statedContextSize } from './faults.js';
import type { HealthMonitor } from './health.js';
import type { ModelProvider, Tier } from './providers.js';
import { RequestMeter } from './meter.js';
import { keyVariable, modelVariable, type ModelChoice } from './servers/profile.js';
import { verdictOf } from './verdict.js';

/** A provider with its model settled (from the config, or what the server says it serves). */
export type ResolvedProvider = ModelProvider & { model: string };

/** What a provider's server takes, as far as steward knows. */
export interface ProviderLimits {
  /** The context a request gets, in tokens, or null when the server does not say. */
  contextTokens: number | null;
  /** False when the server is known to take no tools (llama-server without `--jinja`, an Ollama model without the capability). */
  tools: boolean;
}

/** What an attempt on one provider gets besides the provider. */
export interface AttemptContext {
  /**
   * Aborts when the turn is cancelled, or when the provider's liveness probe
   * fails before it has answered: pass it to the request.
   */
  signal: AbortSignal;
  /** Measurements of this attempt; pass it to `openChatModel`. */
  meter: RequestMeter;
  /** What the server takes: fit the prompt to its context, and leave the tools out when it takes none. */
  limits: ProviderLimits;
  /** 0 at first; 1, 2 after the server refused the prompt as too long that many times: fit it tighter. */
  trim: number;
}

/** Tries on the same provider with a shorter prompt after it refused one as too long. */
const MAX_TRIMS = 2;

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
  /**
   * The attempt fits its prompt to `context.limits` and `context.trim` (the
   * agent turn does): a prompt refused as too long is sent again, shorter, to
   * the same provider, and a server that takes no tools gets the turn again
   * without them. Default false: such a failure moves on to the next provider
   * (the breaker stays closed).
   */
  adapts?: boolean | undefined;
}

/**
 * Picks a healthy provider for a tier and falls back along the tier's chain
 * within the same turn (local first, then cloud), as ARCHITECTURE.md lays
 * out. The router owns retries: each provider is tried once per turn (again
 * only with a shorter prompt, or without tools, when it said so), and only a
 * failure that means the server is down opens its circuit breaker in the
 * {@link HealthMonitor} (see {@link verdictOf}). When every provider of the
 * chain is behind an open breaker, the first is probed at once rather than
 * giving up: one slow reply must not shut out the only local server while it is up.
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
   * The model to ask a provider for: the configured name, else what its
   * server says it serves (see `ServerProfiles`), never a guess.
   * @param provider - the provider
   * @returns the choice, or the problem naming the variable to set
   */
  choose(provider: ModelProvider): ModelChoice {
    if (provider.model !== null) return { ok: true, model: provider.model, how: 'configured', detail: 'configured' };
    const profile = this.#health.profiles.get(provider);
    if (profile !== undefined) return profile.choice;
    return {
      ok: false,
      problem: `steward has not yet asked ${provider.baseUrl} which model it serves (it does at the first probe), or set ${modelVariable(provider.id)}`,
    };
  }

  /**
   * The provider with its model settled (see {@link choose}).
   * @param provider - the provider
   * @throws ProviderError of kind `not-found` when no model can be chosen (its message names the variable to set)
   */
  resolve(provider: ModelProvider): ResolvedProvider {
    const choice = this.choose(provider);
    if (!choice.ok)
      throw new ProviderError(choice.problem, { provider: provider.id, kind: 'not-found', isRetryable: false });
    return { ...provider, model: choice.model };
  }

  /**
   * What a provider's server takes, as far as steward knows now.
   * @param provider - the provider
   */
  limits(provider: ModelProvider): ProviderLimits {
    const profile = this.#health.profiles.get(provider);
    return { contextTokens: profile?.contextTokens ?? null, tools: profile?.tools !== false };
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
    let shutOut = 0;
    for (const provider of candidates) {
      options.signal?.throwIfAborted();
      const admission = await this.#health.admit(provider);
      options.signal?.throwIfAborted();
      if (!admission.available) {
        if (!admission.probed) shutOut += 1;
        tried.push({ provider: provider.id, reason: this.#health.health(provider).lastError ?? 'unavailable' });
        continue;
      }
      const outcome = await this.#attempt(provider, admission.probed, attempt, options);
      if (outcome.ok)
        return { value: outcome.value, provider: outcome.provider, fallbackFrom: tried, meter: outcome.meter };
      this.#log.warn({ provider: provider.id, tier, reason: outcome.reason }, 'model request failed; falling back');
      const failed = { provider: provider.id, reason: outcome.reason };
      tried.push(failed);
      options.onFallback?.(failed);
    }
    // Every provider is behind an open breaker and none was asked: rather than give up for the
    // whole cooldown, probe the first one now, and use it if it answers.
    const first = candidates[0];
    if (first !== undefined && shutOut === candidates.length && (await this.#health.probe(first))) {
      options.signal?.throwIfAborted();
      const outcome = await this.#attempt(first, true, attempt, options);
      if (outcome.ok) {
        const others = tried.filter((entry) => entry.provider !== first.id);
        return { value: outcome.value, provider: outcome.provider, fallbackFrom: others, meter: outcome.meter };
      }
      tried[0] = { provider: first.id, reason: outcome.reason };
    }
    throw new NoModelAvailableError([...tried, ...excluded], this.hint(tier, candidates));
  }

  /**
   * One provider: its model chosen, then the attempt, tried again on the same
   * provider with a shorter prompt or without tools when the server asks for
   * it (and the caller adapts); a failure is judged by {@link verdictOf}.
   */
  async #attempt<T>(
    provider: ModelProvider,
    justProbed: boolean,
    attempt: (provider: ResolvedProvider, context: AttemptContext) => Promise<T>,
    options: RunOptions,
  ): Promise<{ ok: true; value: T; provider: ResolvedProvider; meter: RequestMeter } | { ok: false; reason: string }> {
    // A server not yet asked which model it serves (its first probe is still under way) is asked now.
    if (provider.model === null && this.#health.profiles.get(provider) === undefined)
      await this.#health.check(provider);
    const choice = this.choose(provider);
    if (!choice.ok) {
      this.#health.noteError(provider, choice.problem);
      return { ok: false, reason: choice.problem };
    }
    const resolved: ResolvedProvider = { ...provider, model: choice.model };
    if (options.adapts === true) await this.#health.profiles.prepare(provider, provider.timeoutMs);
    const meter = new RequestMeter();
    const epoch = this.#health.breaker(provider).epoch;
    for (let trim = 0, probed = justProbed; ; probed = true) {
      const limits = this.limits(provider);
      const tried = await this.#try(resolved, probed, attempt, { signal: options.signal, meter, limits, trim });
      if (tried.ok) {
        this.#health.reportSuccess(provider);
        return { ok: true, value: tried.value, provider: resolved, meter };
      }
      const { error, unresponsive } = tried;
      const verdict = verdictOf(error, unresponsive);
      if (verdict === 'trim' && options.adapts === true && trim < MAX_TRIMS) {
        const stated = statedContextSize(error.responseBody ?? error.message);
        if (stated !== undefined)
          this.#health.profiles.learnContext(provider, stated, 'the server said so in a context-too-long error');
        this.#log.info(
          { provider: provider.id, stated: stated ?? null, trim: trim + 1 },
          'prompt too long; trying again shorter',
        );
        trim += 1;
        continue;
      }
      if (verdict === 'no-tools' && options.adapts === true && limits.tools) {
        this.#health.profiles.learnNoTools(provider, error.message);
        this.#log.warn(
          { provider: provider.id, reason: error.message },
          'the server takes no tools; the turn runs without them',
        );
        continue;
      }
      const reason = verdict === 'config' ? this.#configReason(provider, error) : error.message;
      if (verdict === 'down') this.#health.reportFailure(provider, reason, { epoch });
      else if (verdict === 'confirm' && (await this.#health.check(provider)).healthy)
        this.#health.noteError(provider, reason);
      else if (verdict !== 'confirm') this.#health.noteError(provider, reason);
      return { ok: false, reason };
    }
  }

  /** A wrong key or model names the variable to set. */
  #configReason(provider: ModelProvider, error: ProviderError): string {
    if (error.kind === 'unauthorized') return `${error.message}: set ${keyVariable(provider.id)}`;
    return `${error.message}: set ${modelVariable(provider.id)}`;
  }

  /** One request: the attempt, with a liveness probe alongside on a local provider. */
  async #try<T>(
    resolved: ResolvedProvider,
    justProbed: boolean,
    attempt: (provider: ResolvedProvider, context: AttemptContext) => Promise<T>,
    context: { signal: AbortSignal | undefined; meter: RequestMeter; limits: ProviderLimits; trim: number },
  ): Promise<{ ok: true; value: T } | { ok: false; error: ProviderError; unresponsive: boolean }> {
    const turnSignal = context.signal;
    const controller = new AbortController();
    const forward = (): void => controller.abort(turnSignal?.reason);
    turnSignal?.addEventListener('abort', forward, { once: true });
    const { meter } = context;
    const headersBefore = meter.headersAt;
    let settled = false;
    let unresponsive: ProviderError | undefined;
    if (resolved.kind === 'local' && !justProbed) {
      // The liveness probe: only a probe that times out means a hung server; a refused
      // or dropped connection makes the request itself fail, with its own reason.
      void this.#health.check(resolved).then((probe) => {
        if (probe.healthy || !probe.timedOut || settled || meter.headersAt !== headersBefore) return;
        unresponsive = new ProviderError(`not responding (${probe.reason ?? 'health probe failed'})`, {
          provider: resolved.id,
          kind: 'timeout',
        });
        controller.abort(unresponsive);
      });
    }
    try {
      const value = await attempt(resolved, {
        signal: controller.signal,
        meter,
        limits: context.limits,
        trim: context.trim,
      });
      settled = true;
      return { ok: true, value };
    } catch (error) {
      settled = true;
      if (turnSignal?.aborted === true) throw error;
      const typed = unresponsive ?? classifyProviderError(error, resolved.id, resolved.timeoutMs, [resolved.apiKey]);
      return { ok: false, error: typed, unresponsive: unresponsive !== undefined };
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
      advice.push(
        'run "steward init" to find your local model servers, or set STEWARD_LOCAL_FAST_URL to one (e.g. http://127.0.0.1:8080/v1)',
      );
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
