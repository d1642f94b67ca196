import type { Logger } from '../shared/log.js';
import { classifyProviderError } from './classify.js';
import { openChatModel } from './langchain-chat-model.js';
import type { ModelRouter } from './router.js';
import { verdictOf } from './verdict.js';

/** What happened when one provider was warmed. */
export interface WarmUpResult {
  /** Provider id. */
  provider: string;
  /** `warmed`, `skipped` (down or disabled) or `failed`. */
  status: 'warmed' | 'skipped' | 'failed';
  /** How long the one-token request took, in ms (0 when skipped). */
  elapsedMs: number;
  /** Why it was skipped or failed. */
  reason?: string;
}

/**
 * Warm each local provider once with a one-token request, so that the
 * owner's first turn does not pay for loading the model (ARCHITECTURE.md:
 * mlx_lm.server and llama.cpp load weights lazily, and a cold 18k-token
 * prompt took 30 s against under 1 s warm). The request carries the system
 * prompt, so servers that cache the KV of a repeated prefix keep it warm too.
 *
 * A provider that is down, or whose model cannot be told, is skipped; a
 * warm-up that fails because the server is down opens its breaker. The requests run one provider at a time, so two models
 * on one machine do not load at once.
 *
 * @param router - the router (providers and their health)
 * @param options - the system prompt, a logger and cancellation (the daemon stopping)
 * @returns one result per local provider
 */
export async function warmLocalProviders(
  router: ModelRouter,
  options: { systemPrompt: string; log: Logger; signal?: AbortSignal | undefined },
): Promise<WarmUpResult[]> {
  const results: WarmUpResult[] = [];
  const aborted = (): boolean => options.signal?.aborted === true;
  for (const provider of router.providers().filter((candidate) => candidate.kind === 'local')) {
    if (aborted()) break;
    const admission = await router.health.admit(provider);
    if (!admission.available) {
      const reason = router.health.health(provider).lastError ?? 'unavailable';
      options.log.info({ provider: provider.id, reason }, 'not warmed: provider is down');
      results.push({ provider: provider.id, status: 'skipped', elapsedMs: 0, reason });
      continue;
    }
    const choice = router.choose(provider);
    if (!choice.ok) {
      options.log.warn({ provider: provider.id, reason: choice.problem }, 'not warmed: no model chosen');
      results.push({ provider: provider.id, status: 'skipped', elapsedMs: 0, reason: choice.problem });
      continue;
    }
    const resolved = { ...provider, model: choice.model };
    const epoch = router.health.breaker(provider).epoch;
    const started = performance.now();
    try {
      await openChatModel(resolved, { temperature: 0, log: options.log }).complete(
        [
          { role: 'system', content: options.systemPrompt },
          { role: 'user', content: 'Hi' },
        ],
        { maxTokens: 1, signal: options.signal },
      );
      const elapsedMs = performance.now() - started;
      router.health.reportSuccess(provider, 'warm-up');
      options.log.info(
        { provider: provider.id, model: resolved.model, elapsedMs: Math.round(elapsedMs) },
        'warmed local provider',
      );
      results.push({ provider: provider.id, status: 'warmed', elapsedMs });
    } catch (error) {
      if (aborted()) break;
      const fault = classifyProviderError(error, provider.id, resolved.timeoutMs, [resolved.apiKey]);
      const reason = fault.message;
      // Only what means the server is down opens its breaker (see verdictOf).
      if (verdictOf(fault, false) === 'down') router.health.reportFailure(provider, reason, { epoch });
      else router.health.noteError(provider, reason);
      options.log.warn({ provider: provider.id, reason }, 'warm-up request failed');
      results.push({ provider: provider.id, status: 'failed', elapsedMs: performance.now() - started, reason });
    }
  }
  return results;
}
