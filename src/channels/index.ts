/** Channels: the REPL, Signal transports and the outbox. */
export type { ChannelName, InboundMessage, OutboundMessage, Reply, ReplyVia } from './types.js';
export { runRepl, type ReplOptions } from './repl.js';
export {
  SLASH_COMMANDS,
  runSlashCommand,
  slashHelp,
  type SlashCommand,
  type SlashContext,
  type ReplState,
} from './repl-commands.js';
export { Outbox, type OutboxEntry, type OutboxStatus, type OutboxOptions, type ChannelSender } from './outbox.js';
export * from './signal/index.js';
