import { preloadAgent, runAgentTurn } from '../agent/agent.js';
import { assembleTurnContext, type TurnContextSources } from '../agent/context.js';
import { fitPrompt } from '../agent/fit.js';
import { classifyProviderError } from '../models/classify.js';
import type { Tier } from '../models/providers.js';
import type { PreloadTimings } from '../models/preload.js';
import type { ModelRouter, ResolvedProvider } from '../models/router.js';
import type { TierSelector } from '../models/tier-selector.js';
import { answeredTurn, unansweredTurn } from '../models/turns.js';
import type { HostedTool } from '../plugins/host.js';
import { toTimestamp } from '../shared/database.js';
import { NoModelAvailableError } from '../shared/errors.js';
import type { Logger } from '../shared/log.js';
import type { Clock } from '../shared/time.js';
import type { TurnStep } from './compose.js';
import type { ModelTurn, TurnState } from './state.js';
import { ToolLedger } from './tool-ledger.js';
import type { Reply, ReplyVia } from './types.js';

/** What the agent step needs (wired by `Steward`). */
export interface AgentStepDependencies {
  /** Chooses the turn's tier. */
  tiers: Pick<TierSelector, 'decide'>;
  /** Runs the turn on the tier's chain, with fallback. */
  router: ModelRouter;
  /** Where the turn's context comes from (history, profile, recall, plugins' context) and its budget. */
  context: TurnContextSources;
  /** The plugins' tools, read at each turn. */
  tools: () => HostedTool[];
  /** Sampling temperature 0–2 (`models.temperature`). */
  temperature: number;
  /** Clock (the turn's start time). */
  clock: Clock;
  /** Logger. */
  log: Logger;
}

/** What one model turn produced. */
interface Answer {
  reply: Reply;
  modelTurn: ModelTurn;
}

/**
 * The notice when a provider fails after it started streaming: the answer
 * restarts on the next provider, or is dropped when none is left.
 */
function midReplyNotice(router: ModelRouter, tier: Tier, provider: ResolvedProvider, error: unknown): string {
  const reason = classifyProviderError(error, provider.id, provider.timeoutMs).message;
  const chain = router.chain(tier).candidates.map((candidate) => candidate.id);
  const more = chain.indexOf(provider.id) < chain.length - 1;
  const next = more
    ? 'the answer restarts on the next provider.'
    : 'no other provider is left, so that partial answer is dropped.';
  return `${provider.id} stopped mid-reply (${reason}); ${next}`;
}

/**
 * One model turn: choose the tier, assemble the context (unless no
 * provider can take the turn), run the agent with the plugin tools on the
 * tier's chain with fallback, and measure it.
 * @throws what the router throws other than NoModelAvailableError (a fault), unless the turn was cancelled
 */
async function answer(dependencies: AgentStepDependencies, turn: TurnState, inboundId: number): Promise<Answer> {
  const { router, log } = dependencies;
  const { options, sessionId } = turn;
  const started = performance.now();
  const startedAt = toTimestamp(dependencies.clock.now());
  const notices: string[] = [];
  const decision = await dependencies.tiers.decide({
    text: turn.text,
    turnOverride: turn.directive.kind === 'turn' ? turn.directive.tier : undefined,
    sessionTier: options.sessionTier,
    callerTier: options.tier === undefined ? undefined : { tier: options.tier, reason: 'asked for by the caller' },
    signal: options.signal,
  });
  const tier = decision.tier;
  const base = { purpose: 'chat' as const, sessionId, inboundId, channel: turn.message.channel, decision, startedAt };
  // Set by the attempt that answers (TypeScript cannot see assignments inside the callback).
  let firstTokenAt = null as number | null;
  // No provider can take the turn (none configured, or only cloud ones with allowCloud=false):
  // the router says so at once, so recall and the query embedding are not paid for.
  const noProvider = router.chain(tier).candidates.length === 0;
  const { systemPrompt, history, text } = noProvider
    ? { systemPrompt: '', history: [], text: turn.text }
    : await assembleTurnContext(dependencies.context, {
        sessionId,
        inboundId,
        text: turn.text,
        signal: options.signal,
      });
  const ledger = new ToolLedger(dependencies.tools());
  try {
    const routed = await router.run(
      tier,
      async (provider, attempt) => {
        let attemptFirstToken: number | null = null;
        const fitted = fitPrompt(
          {
            systemPrompt: systemPrompt + ledger.carriedOut(),
            history,
            text,
            tools: attempt.limits.tools ? ledger.tools : [],
          },
          { contextTokens: attempt.limits.contextTokens, trim: attempt.trim },
        );
        if (fitted.droppedHistory > 0 || fitted.droppedTools || fitted.cut)
          log.info(
            {
              provider: provider.id,
              contextTokens: attempt.limits.contextTokens,
              droppedHistory: fitted.droppedHistory,
              droppedTools: fitted.droppedTools,
              cut: fitted.cut,
            },
            'prompt fitted to the context of the model',
          );
        try {
          const result = await runAgentTurn({
            provider,
            systemPrompt: fitted.systemPrompt,
            history: fitted.history,
            text: fitted.text,
            tools: fitted.tools,
            temperature: dependencies.temperature,
            signal: attempt.signal,
            meter: attempt.meter,
            log,
            onToken: (token) => {
              if (attemptFirstToken === null) options.onFirstToken?.({ provider: provider.id, kind: provider.kind });
              attemptFirstToken ??= performance.now();
              options.onToken?.(token);
            },
          });
          firstTokenAt = attemptFirstToken;
          return result;
        } catch (error) {
          if (attemptFirstToken !== null && options.signal?.aborted !== true) {
            const notice = midReplyNotice(router, tier, provider, error);
            notices.push(notice);
            options.onNotice?.(notice);
          }
          throw error;
        }
      },
      { signal: options.signal, adapts: true },
    );
    const via: ReplyVia = {
      provider: routed.provider.id,
      tier,
      kind: routed.provider.kind,
      fallbackFrom: routed.fallbackFrom,
    };
    return {
      reply: { text: routed.value.text, kind: 'agent', via, notices },
      modelTurn: answeredTurn(base, routed, { startedMs: started, firstTokenMs: firstTokenAt, notices }),
    };
  } catch (error) {
    const cancelled = options.signal?.aborted === true;
    if (!cancelled && !(error instanceof NoModelAvailableError)) throw error;
    const modelTurn = unansweredTurn(base, cancelled ? 'cancelled' : 'failed', error, { startedMs: started, notices });
    const kind = cancelled ? 'cancelled' : 'error';
    return { reply: { text: modelTurn.error ?? '(cancelled)', kind, notices }, modelTurn };
  }
}

/** How long {@link preloadAgentStep} took. */
export interface AgentStepPreload extends PreloadTimings {
  /** Assembling a context, in ms. */
  contextMs: number;
}

/**
 * Run what the agent step runs before its first message, so that the first
 * turn of a REPL or daemon costs what the tenth does: load the model stack
 * and run one agent turn in memory with the plugins' tools (`preloadAgent`),
 * then assemble a context for a made-up message (which only reads: the
 * plugins' context, the profile, recall, whose query may go to an
 * embeddings server as any recall's does). Nothing is stored and no model
 * is asked.
 * @param dependencies - the agent step's dependencies
 * @returns how long each part took
 * @throws what the model stack's import throws (a broken install); SqliteError if the database fails
 */
export async function preloadAgentStep(dependencies: AgentStepDependencies): Promise<AgentStepPreload> {
  const model = await preloadAgent(dependencies.tools());
  const started = performance.now();
  await assembleTurnContext(dependencies.context, { sessionId: 0, inboundId: 0, text: 'preload' });
  return { ...model, contextMs: performance.now() - started };
}

/**
 * The last step: whatever no command took goes to the model, through the
 * model router's chain for the chosen tier (local first, then the cloud),
 * with the plugin tools and a tool ledger so that a fallback never repeats
 * a tool call. A model that cannot answer gives a reply of kind `error`
 * saying what was tried and what to set; Ctrl-C gives `cancelled`.
 * @param dependencies - tier selector, router, context sources, tools
 * @returns the step
 */
export function agentStep(dependencies: AgentStepDependencies): TurnStep {
  return async (turn) => {
    const inboundId = turn.accept();
    const { reply, modelTurn } = await answer(dependencies, turn, inboundId);
    turn.reply = reply;
    turn.modelTurn = modelTurn;
  };
}
