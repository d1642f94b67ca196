import type { StewardConfig } from '../config/schema.js';
import type { Logger } from '../shared/log.js';
import type { Tier } from './providers.js';
import { askRouterModel } from './router-model.js';
import type { ModelRouter } from './router.js';
import { classifyTier, type TierDecision } from './tiers.js';

/** What {@link TierSelector.decide} looks at. */
export interface TierRequest {
  /** The owner's message (without a `/fast` or `/quality` prefix). */
  text: string;
  /** A one-turn override (`/fast ...`, `/quality ...`). */
  turnOverride?: Tier | undefined;
  /** The REPL session's override (a bare `/fast` or `/quality`). */
  sessionTier?: Tier | undefined;
  /** A tier the calling code asks for, with its reason (for example briefings). */
  callerTier?: { tier: Tier; reason: string } | undefined;
  /** Cancels a router-model request. */
  signal?: AbortSignal | undefined;
}

/** The routing settings (`models.routing`). */
export type RoutingSettings = StewardConfig['models']['routing'];

/**
 * Decides each turn's tier, first match wins: the one-turn override, the
 * session override, the caller's tier, then (when enabled) the small router
 * model within its time budget, and otherwise the deterministic rules of
 * {@link classifyTier}. The router model falls back to the rules when it is
 * unavailable, slow or unclear, and the reason says so.
 */
export class TierSelector {
  readonly #settings: RoutingSettings;
  readonly #router: ModelRouter;
  readonly #log: Logger;

  /**
   * @param settings - `models.routing`
   * @param router - for the router model's provider and its health
   * @param log - logger
   */
  constructor(settings: RoutingSettings, router: ModelRouter, log: Logger) {
    this.#settings = settings;
    this.#router = router;
    this.#log = log;
  }

  /**
   * Choose the tier of one turn.
   * @param request - the message and any overrides
   * @returns the decision and its reason; never throws for router-model failures
   * @throws the abort reason when `request.signal` fires during a router-model request
   */
  async decide(request: TierRequest): Promise<TierDecision> {
    const started = performance.now();
    const fixed = (tier: Tier, source: TierDecision['source'], reason: string): TierDecision => ({
      tier,
      source,
      reason,
      score: null,
      elapsedMs: performance.now() - started,
    });
    if (request.turnOverride !== undefined)
      return fixed(request.turnOverride, 'turn-override', `you asked for it with /${request.turnOverride}`);
    if (request.sessionTier !== undefined) {
      return fixed(
        request.sessionTier,
        'session-override',
        `this session is set to ${request.sessionTier} (/${request.sessionTier}; /auto to undo)`,
      );
    }
    if (request.callerTier !== undefined) return fixed(request.callerTier.tier, 'caller', request.callerTier.reason);
    const rules = classifyTier(request.text, { qualityThreshold: this.#settings.qualityThreshold });
    const routerModel = this.#settings.routerModel;
    if (!routerModel.enabled) return rules;
    const provider = this.#router.provider(routerModel.provider);
    let unavailable: string | undefined;
    const choice = provider === undefined ? undefined : this.#router.choose(provider);
    if (provider === undefined) unavailable = 'is not configured';
    else
      unavailable =
        this.#router.disabledReason(provider) ??
        (this.#router.health.health(provider).state === 'open' ? 'is down (breaker open)' : undefined) ??
        (choice?.ok === false ? `has no model chosen (${choice.problem})` : undefined);
    if (provider === undefined || unavailable !== undefined || choice?.ok !== true) {
      return {
        ...rules,
        reason: `router model ${routerModel.provider} ${unavailable ?? ''}; rules: ${rules.reason}`,
        elapsedMs: performance.now() - started,
      };
    }
    const answer = await askRouterModel({ ...provider, model: choice.model }, request.text, {
      budgetMs: routerModel.budgetMs,
      signal: request.signal,
    });
    if (!answer.success) {
      this.#log.debug({ provider: provider.id, reason: answer.error }, 'router model gave no tier; using the rules');
      return {
        ...rules,
        reason: `router model ${provider.id}: ${answer.error}; rules: ${rules.reason}`,
        elapsedMs: performance.now() - started,
      };
    }
    return {
      tier: answer.tier,
      source: 'router-model',
      reason: `router model ${provider.id} said ${answer.tier} in ${Math.round(answer.elapsedMs)} ms (rules said ${rules.tier}: ${rules.reason})`,
      score: rules.score,
      elapsedMs: performance.now() - started,
    };
  }
}
