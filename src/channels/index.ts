/** Channels: the REPL, Signal transports and the outbox. They hand messages to a `TurnHandler` (`src/turn/types.ts`). */
export { runRepl, type ReplOptions } from './repl.js';
export type { ReplHost } from './repl-host.js';
export { viaTag } from './via.js';
export {
  SLASH_COMMANDS,
  runSlashCommand,
  slashHelp,
  type SlashCommand,
  type SlashContext,
  type ReplState,
} from './repl-commands.js';
export {
  Outbox,
  type OutboxEntry,
  type OutboxStatus,
  type OutboxOptions,
  type ChannelSender,
  type RetryBy,
} from './outbox.js';
export { FailedEvents, type FailedEvent } from './failed-events.js';
export * from './signal/index.js';
