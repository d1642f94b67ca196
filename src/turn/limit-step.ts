import type { ChannelName } from '../shared/messages.js';
import type { TurnStep } from './compose.js';

/** The longest message each channel takes, in characters (`limits.commandLine`, `limits.signalMessage`). */
export interface MessageLimits {
  /** One REPL line or `steward run` text. */
  commandLine: number;
  /** One Signal message. */
  signalMessage: number;
}

/**
 * The limit and its config key for a channel.
 * @param limits - the limits
 * @param channel - where the message came from
 */
function limitOf(limits: MessageLimits, channel: ChannelName): { limit: number; key: string } {
  return channel === 'signal'
    ? { limit: limits.signalMessage, key: 'limits.signalMessage' }
    : { limit: limits.commandLine, key: 'limits.commandLine' };
}

/**
 * The step that refuses a message longer than its channel takes, before
 * any other step reads it: no grammar, no name matching and no model sees
 * it, so no input can block the process (issue 10, item 7: a 1 MB `check
 * in` took 166 s). The reply says the limit and its key; nothing is stored
 * (a Signal channel keeps only one character past the limit).
 * @param limits - the longest message per channel
 * @returns the step
 */
export function limitStep(limits: MessageLimits): TurnStep {
  return async (turn, next) => {
    const { limit, key } = limitOf(limits, turn.message.channel);
    if (turn.message.text.length <= limit) return next();
    turn.reply = {
      text: `That message is longer than steward takes: at most ${limit} characters (${key} in the config). Nothing was stored; send a shorter one.`,
      kind: 'error',
      notices: [],
    };
  };
}
