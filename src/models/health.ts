import type { Logger } from '../shared/log.js';
import type { Clock } from '../shared/time.js';
import { CircuitBreaker, type BreakerState } from './breaker.js';
import { ProviderError } from '../shared/errors.js';
import { classifyProviderError } from './classify.js';
import { faultOfResponse } from './faults.js';
import type { ModelProvider } from './providers.js';
import { ServerProfiles } from './servers/profiles.js';
import { keyVariable, type ServerProfile } from './servers/profile.js';

export type { BreakerState } from './breaker.js';

/** What steward knows about one provider's health, at one instant. */
export interface ProviderHealth {
  /** Breaker state. */
  state: BreakerState;
  /** When the last probe finished (ms since epoch), or null. */
  lastProbeAt: number | null;
  /** Latency of the last successful probe, in ms, or null. */
  lastProbeLatencyMs: number | null;
  /** Short reason of the last failure (probe or request), or null. */
  lastError: string | null;
  /** When that failure happened (ms since epoch), or null. */
  lastErrorAt: number | null;
  /** Consecutive failures; picks the cooldown. */
  consecutiveFailures: number;
  /** While open: when the cooldown ends and a half-open probe may run (ms since epoch). */
  retryAt: number | null;
  /** Models the server listed at GET /models, in its order. */
  models: string[];
  /** Requests this provider answered in this process. */
  served: number;
  /** What steward knows of a local server (family, model choice, context, tools), or null before its first good probe. */
  server: ServerProfile | null;
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

/** Outcome of one probe. */
export interface ProbeOutcome {
  /** Whether the server answered `GET /models` with a model list. */
  healthy: boolean;
  /** Why not, when it did not. */
  reason?: string;
  /** Whether it failed by not answering within the probe timeout (a hung server). */
  timedOut: boolean;
}

/** Outcome of {@link HealthMonitor.admit}. */
export interface Admission {
  /** Whether the provider may be used now. */
  available: boolean;
  /** Whether a probe ran to decide (so the server answered GET /models just now). */
  probed: boolean;
}

interface ProbeRecord {
  lastProbeAt: number | null;
  lastProbeLatencyMs: number | null;
  models: string[];
  served: number;
}

/**
 * Health of the model providers: a probe of `GET {baseUrl}/models` with a
 * short timeout, cached, refreshed in the background, and one
 * {@link CircuitBreaker} per provider. A failed real request opens the
 * breaker at once; when its cooldown ends (30 s, 1 min, 5 min cap by
 * default) a half-open probe runs, in the background when the monitor is
 * started and otherwise on the next use, and a success closes it. The
 * fallback-chain-with-cooldowns idea is OpenClaw's.
 */
export class HealthMonitor {
  readonly #options: HealthMonitorOptions;
  readonly #breakers = new Map<string, CircuitBreaker>();
  readonly #records = new Map<string, ProbeRecord>();
  readonly #inFlight = new Map<string, Promise<ProbeOutcome>>();
  readonly #halfOpenTimers = new Map<string, NodeJS.Timeout>();
  #watched: readonly ModelProvider[] = [];
  #timer: NodeJS.Timeout | undefined;
  /** What each local server is and serves, refreshed after each good probe. */
  readonly profiles: ServerProfiles;

  /** @param options - timeouts, cooldowns, clock and logger */
  constructor(options: HealthMonitorOptions) {
    this.#options = options;
    this.profiles = new ServerProfiles({ timeoutMs: options.probeTimeoutMs, log: options.log });
  }

  /** The probe timeout in force, in ms. */
  get probeTimeoutMs(): number {
    return this.#options.probeTimeoutMs;
  }

  #now(): number {
    return this.#options.clock.now().getTime();
  }

  /**
   * The circuit breaker of a provider (created on first use).
   * @param provider - the provider
   */
  breaker(provider: ModelProvider): CircuitBreaker {
    let breaker = this.#breakers.get(provider.id);
    if (breaker === undefined) {
      breaker = new CircuitBreaker(this.#options.cooldownsMs);
      this.#breakers.set(provider.id, breaker);
    }
    return breaker;
  }

  #record(provider: ModelProvider): ProbeRecord {
    let record = this.#records.get(provider.id);
    if (record === undefined) {
      record = { lastProbeAt: null, lastProbeLatencyMs: null, models: [], served: 0 };
      this.#records.set(provider.id, record);
    }
    return record;
  }

  /**
   * What is known about a provider now (a copy).
   * @param provider - the provider
   */
  health(provider: ModelProvider): ProviderHealth {
    return {
      ...this.breaker(provider).snapshot(this.#now()),
      ...this.#record(provider),
      models: [...this.#record(provider).models],
      server: this.profiles.get(provider) ?? null,
    };
  }

  /**
   * Whether a provider may be used now. Closed: yes. Open and cooling down:
   * no, without a request. Unknown, or half-open: probe now and use the
   * answer.
   * @param provider - the provider
   * @returns whether to try it, and whether a probe ran to decide
   */
  async admit(provider: ModelProvider): Promise<Admission> {
    const admission = this.breaker(provider).admit(this.#now());
    if (admission === 'allow') return { available: true, probed: false };
    if (admission === 'reject') return { available: false, probed: false };
    return { available: await this.probe(provider), probed: true };
  }

  /**
   * Probe `GET {baseUrl}/models` now (concurrent calls share one probe).
   * A 2xx answer with a JSON body closes the breaker; anything else,
   * including llama.cpp's `503 Loading model`, opens it.
   * @param provider - the provider
   * @returns whether the provider is healthy
   */
  async probe(provider: ModelProvider): Promise<boolean> {
    return (await this.check(provider)).healthy;
  }

  /**
   * {@link probe}, with the reason of a failure and whether it was a timeout.
   * @param provider - the provider
   */
  check(provider: ModelProvider): Promise<ProbeOutcome> {
    const running = this.#inFlight.get(provider.id);
    if (running !== undefined) return running;
    const probe = this.#probe(provider).finally(() => this.#inFlight.delete(provider.id));
    this.#inFlight.set(provider.id, probe);
    return probe;
  }

  async #probe(provider: ModelProvider): Promise<ProbeOutcome> {
    const breaker = this.breaker(provider);
    const epoch = breaker.epoch;
    const started = performance.now();
    const record = this.#record(provider);
    try {
      const listing = await this.#listModels(provider);
      record.models = listing.models;
      record.lastProbeLatencyMs = Math.round(performance.now() - started);
      record.lastProbeAt = this.#now();
      // The server's profile (the model it serves, its context) is read before the breaker closes: a turn
      // admitted by a closed breaker then always knows which model to ask for.
      if (provider.kind === 'local') await this.#inspect(provider, listing.body);
      this.reportSuccess(provider, 'probe', epoch);
      return { healthy: true, timedOut: false };
    } catch (error) {
      const fault = classifyProviderError(error, provider.id, this.#options.probeTimeoutMs, [provider.apiKey]);
      this.profiles.forgetFamily(provider);
      record.lastProbeAt = this.#now();
      const reason =
        fault.kind === 'unauthorized' ? `${fault.message}: set ${keyVariable(provider.id)}` : fault.message;
      this.reportFailure(provider, reason, { epoch });
      return { healthy: false, reason, timedOut: fault.kind === 'timeout' };
    }
  }

  /** Refresh the server's profile; a failure to read its own routes is logged, never a failed probe. */
  async #inspect(provider: ModelProvider, body: unknown): Promise<void> {
    try {
      await this.profiles.refresh(provider, body);
    } catch (error) {
      this.#options.log.warn({ provider: provider.id, err: error }, 'could not inspect the model server');
    }
  }

  /**
   * `GET {baseUrl}/models`, and the model ids it lists. The request goes
   * through Node's fetch, the HTTP client the openai SDK uses for the chat
   * requests: the probe at start-up readies it (and leaves a keep-alive
   * connection to the server) for the first turn, and a one-shot run loads
   * no second HTTP client before its model turn.
   * @throws ProviderError for an error status (llama.cpp's `503 Loading model` is `loading model (HTTP 503)`)
   *   or a body that is not a model list (`malformed`)
   * @throws fetch's error when the server did not answer, or the probe timeout's `TimeoutError` (classified by the caller)
   */
  async #listModels(provider: ModelProvider): Promise<{ models: string[]; body: unknown }> {
    const signal = AbortSignal.timeout(this.#options.probeTimeoutMs);
    const response = await fetch(`${provider.baseUrl}/models`, {
      headers: provider.apiKey === undefined ? {} : { Authorization: `Bearer ${provider.apiKey}` },
      signal,
    });
    const text = await response.text();
    let data: unknown = text;
    try {
      data = JSON.parse(text);
    } catch {
      // Not JSON: the text is kept, and read as such below.
    }
    const secrets = [provider.apiKey];
    if (response.status < 200 || response.status >= 300) {
      const fault = faultOfResponse(response.status, data);
      const message = response.status === 503 && fault.kind === 'http' ? 'loading model (HTTP 503)' : fault.message;
      throw new ProviderError(message, {
        provider: provider.id,
        kind: fault.kind,
        status: response.status,
        responseBody: typeof data === 'string' ? data : JSON.stringify(data),
        secrets,
      });
    }
    const models = parseModelList(data);
    if (models === undefined)
      throw new ProviderError('malformed /models response', { provider: provider.id, kind: 'malformed', secrets });
    return { models, body: data };
  }

  /**
   * Record a success: the breaker closes. A real request that succeeds is
   * the best evidence there is, so it closes the breaker even if a probe
   * opened it while the request ran, and it resets the cooldowns.
   * @param provider - the provider
   * @param kind - `request`: a turn was answered (counts toward `served`, resets the cooldowns);
   *   `warm-up`: a one-token warm-up request (resets the cooldowns); `probe`: a health probe
   * @param epoch - for a probe, the breaker's epoch when it started (a probe older than the last opening does not close it)
   */
  reportSuccess(provider: ModelProvider, kind: 'request' | 'warm-up' | 'probe' = 'request', epoch?: number): void {
    const breaker = this.breaker(provider);
    const before = breaker.state(this.#now());
    if (!breaker.recordSuccess(kind === 'probe' ? 'probe' : 'request', epoch)) return;
    if (before === 'open' || before === 'half-open')
      this.#options.log.info({ provider: provider.id }, 'provider is healthy again; circuit closed');
    this.#clearHalfOpenTimer(provider);
    if (kind === 'request') this.#record(provider).served += 1;
  }

  /**
   * Record a failure: the breaker opens at once, with the next cooldown.
   * @param provider - the provider
   * @param reason - short reason, shown by /status and doctor
   * @param options - `epoch`: the breaker's epoch when the failed request started, so that a
   *   failure older than the last opening does not escalate the cooldown again
   */
  reportFailure(provider: ModelProvider, reason: string, options: { epoch?: number } = {}): void {
    const { opened, cooldownMs } = this.breaker(provider).recordFailure(reason, this.#now(), options.epoch);
    if (!opened) return;
    this.#options.log.warn({ provider: provider.id, reason, cooldownMs }, 'provider circuit opened');
    if (this.#timer !== undefined && this.#watched.some((watched) => watched.id === provider.id))
      this.#scheduleHalfOpen(provider, cooldownMs);
  }

  /**
   * Keep the reason of a failed request without opening the breaker (see {@link CircuitBreaker.noteError}).
   * @param provider - the provider
   * @param reason - short reason, shown by /status and doctor
   */
  noteError(provider: ModelProvider, reason: string): void {
    this.breaker(provider).noteError(reason, this.#now());
  }

  #scheduleHalfOpen(provider: ModelProvider, cooldownMs: number): void {
    this.#clearHalfOpenTimer(provider);
    const timer = setTimeout(() => {
      this.#halfOpenTimers.delete(provider.id);
      if (this.breaker(provider).state(this.#now()) === 'half-open') void this.probe(provider);
    }, cooldownMs);
    timer.unref();
    this.#halfOpenTimers.set(provider.id, timer);
  }

  #clearHalfOpenTimer(provider: ModelProvider): void {
    const timer = this.#halfOpenTimers.get(provider.id);
    if (timer !== undefined) clearTimeout(timer);
    this.#halfOpenTimers.delete(provider.id);
  }

  /**
   * Probe the given providers now and then every `intervalMs` in the
   * background, so that a server that dies later is noticed; when a breaker
   * opens, its half-open probe runs as soon as the cooldown ends, so a
   * server that comes back is used again. The timers do not keep the
   * process alive.
   * @param providers - providers to watch (steward watches the local ones)
   */
  start(providers: readonly ModelProvider[]): void {
    this.stop();
    this.#watched = [...providers];
    const tick = (): void => {
      for (const provider of this.#watched) {
        if (this.breaker(provider).state(this.#now()) !== 'open') void this.probe(provider);
      }
    };
    this.#timer = setInterval(tick, this.#options.intervalMs);
    this.#timer.unref();
    tick();
  }

  /** Resolves when no probe is in flight (tests, and a clean shutdown). */
  async idle(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight.values()]);
  }

  /** Whether background probes are running. */
  get running(): boolean {
    return this.#timer !== undefined;
  }

  /** Stop the background probes. */
  stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    for (const timer of this.#halfOpenTimers.values()) clearTimeout(timer);
    this.#halfOpenTimers.clear();
    this.#watched = [];
  }
}

/**
 * The model ids of a `GET /models` answer (`{data: [{id}]}` as OpenAI,
 * llama.cpp, mlx_lm.server and Ollama send it).
 * @param body - the parsed JSON body
 * @returns the ids in the server's order, or undefined when the body is not an object
 */
function parseModelList(body: unknown): string[] | undefined {
  if (body === null || typeof body !== 'object') return undefined;
  const data = (body as { data?: unknown }).data;
  if (!Array.isArray(data)) return [];
  return data
    .map((entry: unknown) => (entry !== null && typeof entry === 'object' ? (entry as { id?: unknown }).id : undefined))
    .filter((id): id is string => typeof id === 'string');
}
