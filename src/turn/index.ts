/** The turn pipeline: one message in, one reply out, through small steps (see `pipeline.ts`). */
export type { HandleOptions, Reply, ReplyVia, TurnHandler } from './types.js';
export { TurnPipeline, type TurnPipelineDependencies } from './pipeline.js';
export { TurnState, type ModelTurn, type TurnStart } from './state.js';
export { compose, type TurnStep } from './compose.js';
export { parseDirective, type Directive } from './directives.js';
export { inboundMeta, replyMeta, type MessageMeta } from './meta.js';
export { recordInbound, recordStep, type TurnMemory, type TurnRecords } from './record.js';
export { whyStep, whyText, type WhySource } from './why-step.js';
export { bareDirectiveStep } from './bare-directive-step.js';
export { commandStep, type CommandGrammar } from './command-step.js';
export { agentStep, type AgentStepDependencies } from './agent-step.js';
export { ToolLedger, type LedgerEntry } from './tool-ledger.js';
