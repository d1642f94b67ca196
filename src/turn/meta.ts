import type { Directive } from './directives.js';
import type { TurnState } from './state.js';

/** The JSON `meta` of a stored message (`messages.meta`). */
export type MessageMeta = Record<string, unknown>;

/**
 * The meta of the owner's message. A command line is marked (`command`), so
 * that memory (recall, embeddings: the insert trigger of `messages` reads
 * it) keeps to what the owner said, not what they typed to the grammar. A
 * `/fast ...` or `/quality ...` message keeps its `tierOverride` instead.
 * @param directive - the message's directive
 * @param command - `plugin:command` of the command that answers, if one does
 * @returns the meta, or undefined for a plain message
 */
export function inboundMeta(directive: Directive, command: string | undefined): MessageMeta | undefined {
  if (directive.kind === 'turn') return { tierOverride: directive.tier };
  if (command !== undefined) return { command };
  return undefined;
}

/**
 * The meta of the reply, in the one place it is built: the command that
 * answered and the user mistake it reported, the model that answered
 * (`provider`, `tier`, `via`: local or cloud, `fallbackFrom`), how the tier
 * was chosen, the notices, and the reply's kind.
 * @param turn - the answered turn
 * @returns the meta to store with the reply
 * @throws Error when no step answered the turn
 */
export function replyMeta(turn: TurnState): MessageMeta {
  const reply = turn.reply;
  if (reply === undefined) throw new Error('no step answered the turn');
  const meta: MessageMeta = {};
  if (turn.command !== undefined) meta.command = turn.command;
  if (turn.errorName !== undefined) meta.error = turn.errorName;
  if (reply.via !== undefined) {
    meta.provider = reply.via.provider;
    meta.tier = reply.via.tier;
    meta.via = reply.via.kind;
    meta.fallbackFrom = reply.via.fallbackFrom;
  }
  if (turn.modelTurn !== undefined) meta.tierSource = turn.modelTurn.decision.source;
  if (reply.notices.length > 0) meta.notices = reply.notices;
  meta.kind = reply.kind;
  return meta;
}
