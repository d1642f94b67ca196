/** The agent: context assembly, prompts, and one LangChain agent turn. */
export { runAgentTurn, type AgentTurnRequest, type AgentTurnResult, type HistoryMessage } from './agent.js';
export { assembleTurnContext, type TurnContext, type TurnContextSources } from './context.js';
export { renderPrompt, type PromptName } from '../shared/prompts.js';
