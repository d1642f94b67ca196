/** Models: providers, health and circuit breakers, and the router with same-turn fallback. */
export { resolveProviders, type ModelProvider, type Tier } from './providers.js';
export { HealthMonitor, type ProviderHealth, type BreakerState, type HealthMonitorOptions } from './health.js';
export { ModelRouter, type ResolvedProvider, type RoutedResult, type RunOptions } from './router.js';
export { classifyProviderError } from './classify.js';
export { createChatModel, completeText, type ChatModelOptions, type CompletionMessage } from './chat.js';
