import type { StewardConfig } from '../config/schema.js';
import { checkChat, type ChatCheck } from '../models/chat-check.js';
import { HealthMonitor, type ProviderHealth } from '../models/health.js';
import { resolveProviders, type ModelProvider } from '../models/providers.js';
import type { ModelChoice } from '../models/servers/profile.js';
import { ModelRouter } from '../models/router.js';
import { warmLocalProviders, type WarmUpResult } from '../models/warmup.js';
import type { Logger } from '../shared/log.js';
import { renderPrompt } from '../shared/prompts.js';
import type { Clock } from '../shared/time.js';
import { probeProviders } from './status.js';

/**
 * The model router for a configuration: the providers it names
 * (`models.*`), each behind a circuit breaker of one health monitor
 * (`models.health.*`: probe timeout, interval, cooldowns).
 * @param config - the loaded configuration
 * @param clock - clock of the breakers' cooldowns
 * @param log - logger
 * @returns the router; its background probes start with `ProviderService.startHealthChecks`
 */
export function createModelRouter(config: StewardConfig, clock: Clock, log: Logger): ModelRouter {
  const { timeoutMs, intervalMs, cooldownsMs } = config.models.health;
  const health = new HealthMonitor({ probeTimeoutMs: timeoutMs, intervalMs, cooldownsMs, clock, log });
  return new ModelRouter(config, resolveProviders(config), health, log);
}

/**
 * The model providers as the REPL, the daemon, doctor and the tests see
 * them: background health checks, probes, warm-up and each provider's
 * health. The router itself (chains, fallback, breakers) stays inside
 * `Steward`; nobody reaches through it.
 */
export class ProviderService {
  readonly #router: ModelRouter;
  readonly #log: Logger;

  /**
   * @param router - the model router
   * @param log - logger (warm-up lines)
   */
  constructor(router: ModelRouter, log: Logger) {
    this.#router = router;
    this.#log = log;
  }

  /** The local providers (mlx_lm.server, llama.cpp, Ollama, ...), in config order. */
  #local(): ModelProvider[] {
    return this.#router.providers().filter((provider) => provider.kind === 'local');
  }

  /** Whether any local provider is configured. */
  get hasLocal(): boolean {
    return this.#local().length > 0;
  }

  /**
   * Start the background health probes of the local providers (every
   * `models.health.intervalMs`), so that a server that dies or comes back is
   * noticed without a turn. The REPL runs them while it is open, the daemon
   * while it runs; {@link stopHealthChecks} or `Steward.close()` ends them.
   */
  startHealthChecks(): void {
    this.#router.health.start(this.#local());
  }

  /** Stop the background health probes (idempotent). */
  stopHealthChecks(): void {
    this.#router.health.stop();
  }

  /** Whether the background health probes are running. */
  get checking(): boolean {
    return this.#router.health.running;
  }

  /**
   * Probe the providers now (see {@link probeProviders}).
   * @param options - `cloud`: `always` (doctor) or `when-needed` (default, /status)
   */
  probe(options: { cloud?: 'always' | 'when-needed' } = {}): Promise<void> {
    return probeProviders(this.#router, options);
  }

  /**
   * One provider's health, as the breaker sees it now.
   * @param providerId - for example `local-fast`
   * @returns its health, or undefined when no such provider is configured
   */
  health(providerId: string): ProviderHealth | undefined {
    const provider = this.#router.provider(providerId);
    return provider === undefined ? undefined : this.#router.health.health(provider);
  }

  /**
   * The model steward asks a provider for, or why it cannot tell (see `ModelRouter.choose`).
   * @param providerId - for example `local-fast`
   * @returns the choice, or undefined when no such provider is configured
   */
  choice(providerId: string): ModelChoice | undefined {
    const provider = this.#router.provider(providerId);
    return provider === undefined ? undefined : this.#router.choose(provider);
  }

  /**
   * Send a local provider a one-token chat request with a tool (see
   * `checkChat`), as `steward doctor` does; a server that refuses the tool is
   * remembered, so its turns run without tools.
   * @param providerId - for example `local-fast`
   * @param timeoutMs - timeout of each request, in ms
   * @returns what the check found, or undefined when the provider is unknown or has no model chosen
   */
  async checkChat(providerId: string, timeoutMs: number): Promise<ChatCheck | undefined> {
    const provider = this.#router.provider(providerId);
    if (provider === undefined) return undefined;
    const choice = this.#router.choose(provider);
    if (!choice.ok) return undefined;
    const check = await checkChat({ ...provider, model: choice.model }, timeoutMs);
    if (check.tools === false && check.fault !== undefined)
      this.#router.health.profiles.learnNoTools(provider, check.fault.message);
    return check;
  }

  /** Resolves when no probe is in flight (for tests and tools). */
  settled(): Promise<void> {
    return this.#router.health.idle();
  }

  /**
   * Warm each local provider once with a one-token request carrying the
   * system prompt (see `warmLocalProviders`).
   * @param signal - cancels the warm-up (the daemon stopping)
   * @returns one result per local provider
   */
  warmUp(signal?: AbortSignal): Promise<WarmUpResult[]> {
    return warmLocalProviders(this.#router, { systemPrompt: renderPrompt('system'), log: this.#log, signal });
  }
}
