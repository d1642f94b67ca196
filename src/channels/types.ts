/**
 * The shapes every channel (REPL, one-shot CLI, Signal) speaks to the core.
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

/** Which model answered a turn. */
export interface ReplyVia {
  /** Provider id, for example `local-fast` or `openai-fast`. */
  provider: string;
  /** Tier that was asked for: `fast` or `quality`. */
  tier: 'fast' | 'quality';
  /** Whether the provider runs on the owner's machines or in the cloud. */
  kind: 'local' | 'cloud';
  /** Providers skipped or failed before this one, with reasons. */
  fallbackFrom: ReadonlyArray<{ provider: string; reason: string }>;
}

/** The core's answer to one {@link InboundMessage}. */
export interface Reply {
  /** The full text of the answer. */
  text: string;
  /**
   * How it was produced: `command` (a plugin command), `agent` (a model),
   * `error` (nothing could answer; `text` says what to do), `cancelled`.
   */
  kind: 'command' | 'agent' | 'error' | 'cancelled';
  /** The model that answered, for `agent` replies. */
  via?: ReplyVia;
  /** One-line notices shown apart from the answer (for example a provider failing mid-reply). */
  notices: string[];
}

/** An outbound message addressed to the owner (briefings, reminders). */
export interface OutboundMessage {
  /** Idempotency key, for example `briefing:morning:2026-11-21`: a key is sent at most once. */
  idempotencyKey: string;
  /** The text to send. */
  text: string;
}
