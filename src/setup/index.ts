/**
 * `steward init`'s discovery: local model servers and their models, the
 * proposed tiers and embedder, one-request checks, signal-cli, and the
 * choices as config keys. The command itself (prompts, output) is
 * `src/cli/commands/init.ts`.
 */
export {
  probeServer,
  isFound,
  normaliseServerUrl,
  USUAL_SERVERS,
  SOFTWARE_NAMES,
  type FoundServer,
  type FoundModel,
  type MissingServer,
  type ModelKind,
  type ServerSoftware,
} from './servers.js';
export { parameterBillions } from './model-lists.js';
export { proposeChoices, type ModelChoice, type Proposal } from './propose.js';
export { checkChat, checkEmbeddings, type CheckResult } from './check.js';
export { findSignal, sendTestMessage, USUAL_SIGNAL_URLS, type FoundSignal } from './signal.js';
export {
  choicesOf,
  applyChoices,
  describeChoice,
  type SetupChoices,
  type SignalChoice,
  type ModelSlot,
  type ChangedKey,
} from './choices.js';
export { decideAll, decideModel, decideSignal, type ChoiceFlags } from './plan.js';
