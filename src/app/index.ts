/** The composition root: `Steward` wires the parts and hands out narrow services. */
export { Steward, type StewardOptions } from './steward.js';
export { replHost } from './repl-host.js';
export { ProviderService } from './providers.js';
export { OwnerDelivery, type DeliverOptions } from './delivery.js';
export { statusReport, probeProviders, databaseFile, type StatusReport, type StatusSources } from './status.js';
export { formatStatus, formatProviders, describeBreaker, describeLastError, describeMemory } from './status-text.js';
export { formatCommandHelp, builtinCommands } from './builtins.js';
