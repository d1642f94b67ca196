/** Models: providers, health and circuit breakers, tier choice, and the router with same-turn fallback. */
export { resolveProviders, providerSecrets, type ModelProvider, type Tier } from './providers.js';
export { CircuitBreaker, type BreakerState, type BreakerAdmission, type BreakerSnapshot } from './breaker.js';
export {
  HealthMonitor,
  type ProviderHealth,
  type HealthMonitorOptions,
  type Admission,
  type ProbeOutcome,
} from './health.js';
export {
  ModelRouter,
  type ResolvedProvider,
  type RoutedResult,
  type RunOptions,
  type AttemptContext,
  type ProviderLimits,
} from './router.js';
export { verdictOf } from './verdict.js';
export { checkChat, type ChatCheck } from './chat-check.js';
export { ServerProfiles } from './servers/profiles.js';
export {
  keyVariable,
  modelVariable,
  listModels,
  type ServerFamily,
  type ServerProfile,
  type ModelChoice,
  type ChoiceHow,
} from './servers/profile.js';
export { promptTokens, toolsTokens, answerReserve, CHARACTERS_PER_TOKEN } from './prompt-size.js';
export { classifyProviderError } from './classify.js';
export { faultOfResponse, faultOfNetworkError, statedContextSize, type Fault, type ResponseFault } from './faults.js';
export type {
  ChatModel,
  ChatMessage,
  ChatTool,
  AgentRequest,
  AgentEvent,
  TextOptions,
  CompleteOptions,
} from './chat-model.js';
export { openChatModel, type ChatModelOptions } from './langchain-chat-model.js';
export { completeText, type CompleteTextOptions, type CompletionMessage } from './chat.js';
export { RequestMeter } from './meter.js';
export { guardedFetch, type GuardedFetchOptions } from './stream-guard.js';
export { classifyTier, DEFAULT_TIER_RULES, type TierDecision, type TierSource, type TierRules } from './tiers.js';
export { TierSelector, type TierRequest, type RoutingSettings } from './tier-selector.js';
export { askRouterModel, type RouterModelResult } from './router-model.js';
export {
  TurnStore,
  answeredTurn,
  unansweredTurn,
  type TurnRecord,
  type NewTurn,
  type TurnOutcome,
  type TurnResult,
  type TurnTiming,
  type ProviderUsage,
  type RecordedFailure,
} from './turns.js';
export { formatWhy } from './why.js';
export { warmLocalProviders, type WarmUpResult } from './warmup.js';
