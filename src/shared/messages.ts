/**
 * The messages that cross layers: what a channel hands to the core, and
 * what the core (a plugin's briefing or reminder) sends to the owner. They
 * live at the bottom of the layers because the plugin API, the turn
 * pipeline and the channels all speak them.
 */

/** Name of a channel. `cli` is one `steward run` turn. */
export type ChannelName = 'repl' | 'cli' | 'signal';

/** One piece of text from the owner, as a channel hands it to the core. */
export interface InboundMessage {
  /** Where it came from. */
  channel: ChannelName;
  /** Who sent it: the OS user name on the REPL, the E.164 number or UUID on Signal. */
  sender: string;
  /** What they wrote. */
  text: string;
  /** When the channel received it. */
  receivedAt: Date;
}

/** An outbound message addressed to the owner (briefings, reminders). */
export interface OutboundMessage {
  /** Idempotency key, for example `briefing:morning:2026-11-21`: a key is sent at most once. */
  idempotencyKey: string;
  /** The text to send. */
  text: string;
}
