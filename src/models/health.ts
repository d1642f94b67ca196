import type { Logger } from '../shared/log.js';
import { http } from '../shared/http.js';
import type { Clock } from '../shared/time.js';
import { classifyProviderError } from './classify.js';
import type { ModelProvider } from './providers.js';

/**
 * Circuit-breaker state of one provider:
 * - `unknown`: never probed in this process;
 * - `closed`: healthy, requests flow;
 * - `open`: failed; skipped until the cooldown ends, then probed again (half-open).
 */
export type BreakerState = 'unknown' | 'closed' | 'open';

/** What steward knows about one provider's health. */
export interface ProviderHealth {
  /** Breaker state. */
  state: BreakerState;
  /** When the last probe finished (ms since epoch), or null. */
  lastProbeAt: number | null;
  /** Latency of the last successful probe, in ms, or null. */
  lastProbeLatencyMs: number | null;
  /** Short reason of the last failure (probe or request), or null. */
  lastError: string | null;
  /** Consecutive failures; picks the cooldown. */
  consecutiveFailures: number;
  /** While open: when the next probe may run (ms since epoch). */
  retryAt: number | null;
  /** Models the server listed at GET /models, in its order. */
  models: string[];
  /** Requests this provider answered in this process. */
  served: number;
}

/** Options of {@link HealthMonitor}. */
export interface HealthMonitorOptions {
  /** Probe timeout, in ms (default 2000). */
  probeTimeoutMs: number;
  /** Background probe interval, in ms (default 30000). */
  intervalMs: number;
  /** Cooldown after the 1st, 2nd, ... consecutive failure, in ms; the last is the cap. */
  cooldownsMs: readonly number[];
  /** Clock (injected in tests). */
  clock: Clock;
  /** Logger. */
  log: Logger;
}

function emptyHealth(): ProviderHealth {
  return {
    state: 'unknown',
    lastProbeAt: null,
    lastProbeLatencyMs: null,
    lastError: null,
    consecutiveFailures: 0,
    retryAt: null,
    models: [],
    served: 0,
  };
}

/**
 * Health of the model providers: a probe of `GET {baseUrl}/models` with a
 * short timeout, cached, refreshed in the background, and one circuit breaker
 * per provider. A failed real request opens the breaker at once; after a
 * cooldown (30 s, 1 min, 5 min cap by default) the next use probes again and a
 * success closes it. The fallback-chain-with-cooldowns idea is OpenClaw's.
 */
export class HealthMonitor {
  readonly #options: HealthMonitorOptions;
  readonly #health = new Map<string, ProviderHealth>();
  readonly #inFlight = new Map<string, Promise<boolean>>();
  #timer: NodeJS.Timeout | undefined;

  /** @param options - timeouts, cooldowns, clock and logger */
  constructor(options: HealthMonitorOptions) {
    this.#options = options;
  }

  /** The health record of a provider (created on first use). */
  health(provider: ModelProvider): ProviderHealth {
    let record = this.#health.get(provider.id);
    if (record === undefined) {
      record = emptyHealth();
      this.#health.set(provider.id, record);
    }
    return record;
  }

  /**
   * Whether a provider may be used now. Closed: yes. Open and cooling down: no.
   * Unknown, or open with the cooldown over: probe now (half-open).
   * @param provider - the provider
   * @returns true when the provider should be tried
   */
  async isAvailable(provider: ModelProvider): Promise<boolean> {
    const record = this.health(provider);
    if (record.state === 'closed') return true;
    if (record.state === 'open' && record.retryAt !== null && this.#options.clock.now().getTime() < record.retryAt) return false;
    return this.probe(provider);
  }

  /**
   * Probe `GET {baseUrl}/models` now (concurrent calls share one probe).
   * A 2xx answer with a JSON body closes the breaker; anything else, including
   * llama.cpp's `503 Loading model`, counts as a failure.
   * @param provider - the provider
   * @returns whether the provider is healthy
   */
  probe(provider: ModelProvider): Promise<boolean> {
    const running = this.#inFlight.get(provider.id);
    if (running !== undefined) return running;
    const probe = this.#probe(provider).finally(() => this.#inFlight.delete(provider.id));
    this.#inFlight.set(provider.id, probe);
    return probe;
  }

  async #probe(provider: ModelProvider): Promise<boolean> {
    const started = Date.now();
    try {
      const response = await (await http()).get<unknown>(`${provider.baseUrl}/models`, {
        timeout: this.#options.probeTimeoutMs,
        headers: provider.apiKey === undefined ? {} : { Authorization: `Bearer ${provider.apiKey}` },
        validateStatus: () => true,
        responseType: 'json',
      });
      if (response.status === 503) throw Object.assign(new Error('loading model (HTTP 503)'), { status: 503 });
      if (response.status < 200 || response.status >= 300) throw Object.assign(new Error(`HTTP ${response.status}`), { status: response.status });
      const body = response.data as { data?: Array<{ id?: unknown }> } | null;
      if (body === null || typeof body !== 'object') throw new SyntaxError('malformed /models response');
      const record = this.health(provider);
      record.models = Array.isArray(body.data) ? body.data.map((entry) => entry.id).filter((id): id is string => typeof id === 'string') : [];
      record.lastProbeLatencyMs = Date.now() - started;
      record.lastProbeAt = this.#options.clock.now().getTime();
      this.reportSuccess(provider, false);
      return true;
    } catch (error) {
      const classified = classifyProviderError(error, provider.id, this.#options.probeTimeoutMs);
      const reason = error instanceof Error && error.message.startsWith('loading model') ? error.message : classified.message;
      this.health(provider).lastProbeAt = this.#options.clock.now().getTime();
      this.reportFailure(provider, reason);
      return false;
    }
  }

  /**
   * Record a success: the breaker closes.
   * @param provider - the provider
   * @param served - whether a real request was answered (counts toward `served`)
   */
  reportSuccess(provider: ModelProvider, served = true): void {
    const record = this.health(provider);
    if (record.state === 'open') this.#options.log.info({ provider: provider.id }, 'provider is healthy again');
    record.state = 'closed';
    record.consecutiveFailures = 0;
    record.retryAt = null;
    if (served) record.served += 1;
  }

  /**
   * Record a failure: the breaker opens at once, with the next cooldown.
   * @param provider - the provider
   * @param reason - short reason, shown by /status and doctor
   */
  reportFailure(provider: ModelProvider, reason: string): void {
    const record = this.health(provider);
    const cooldowns = this.#options.cooldownsMs;
    const cooldown = cooldowns[Math.min(record.consecutiveFailures, cooldowns.length - 1)] ?? 30_000;
    record.consecutiveFailures += 1;
    record.state = 'open';
    record.lastError = reason;
    record.retryAt = this.#options.clock.now().getTime() + cooldown;
    this.#options.log.warn({ provider: provider.id, reason, cooldownMs: cooldown }, 'provider circuit opened');
  }

  /**
   * Probe the given providers now and then every `intervalMs` in the
   * background, so that a server that dies later is noticed (and one that
   * comes back is used again). The timer does not keep the process alive.
   * @param providers - providers to watch
   */
  start(providers: readonly ModelProvider[]): void {
    this.stop();
    const tick = (): void => {
      for (const provider of providers) {
        const record = this.health(provider);
        const coolingDown = record.state === 'open' && record.retryAt !== null && this.#options.clock.now().getTime() < record.retryAt;
        if (!coolingDown) void this.probe(provider);
      }
    };
    tick();
    this.#timer = setInterval(tick, this.#options.intervalMs);
    this.#timer.unref();
  }

  /** Stop the background probes. */
  stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
