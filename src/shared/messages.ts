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
  /**
   * What the message is about, for example `briefing:morning:2026-11-21`:
   * it is not sent when a message of the same topic was sent, or is on its
   * way, under any key (a briefing sent by hand, then the daemon's catch-up
   * of the same morning). Optional.
   */
  topic?: string;
}

/**
 * The topic of a briefing: one per kind and owner's day. The scheduled
 * briefing's idempotency key is its topic; a briefing sent by hand has a key
 * of its own and the same topic, so that, however one was sent, a second is
 * not (see {@link OutboundMessage.topic}).
 * @param kind - `morning` or `weekly`
 * @param day - the owner's day it is for, `YYYY-MM-DD`
 * @returns for example `briefing:morning:2026-11-21`
 */
export function briefingTopic(kind: 'morning' | 'weekly', day: string): string {
  return `briefing:${kind}:${day}`;
}
