import { stripVTControlCharacters } from 'node:util';
import type { ConversationStore } from '../memory/conversations.js';
import { redactSecrets } from '../shared/redact.js';
import type { TurnStore } from '../models/turns.js';
import type { TurnStep } from './compose.js';
import { inboundMeta, replyMeta } from './meta.js';
import type { TurnState } from './state.js';
import type { Reply } from './types.js';

/** What memory hears of a turn: it holds background work back while a turn runs, and picks the turn up after. */
export interface TurnMemory {
  /**
   * A turn starts.
   * @param inboundId - the stored inbound message
   */
  beginTurn(inboundId: number): void;
  /**
   * A turn ended (answered, failed or cancelled).
   * @param turn - the inbound message, the reply's kind, and whether a model was asked (not a command)
   */
  afterTurn(turn: { inboundId: number; kind: Reply['kind']; modelTurn: boolean }): void;
}

/** Where a turn is recorded. */
export interface TurnRecords {
  /** Sessions and messages (`messages`: the SQLite rows of both sides). */
  conversations: ConversationStore;
  /** Each model turn's decision, provider and timings (`turns`, read by `/why`). */
  turns: Pick<TurnStore, 'record'>;
  /** The memory engine. */
  memory: TurnMemory;
}

/**
 * Store the owner's message of a turn (the `store` of a `TurnState`, called
 * when a step accepts the turn), and tell memory the turn began.
 * @param records - where to store it
 * @param turn - the turn being accepted (its `command` is set)
 * @returns the stored message's id
 * @throws SqliteError when it cannot be stored
 */
export function recordInbound(records: TurnRecords, turn: TurnState): number {
  const meta = inboundMeta(turn.directive, turn.command);
  const inbound = records.conversations.record({
    sessionId: turn.sessionId,
    channel: turn.message.channel,
    sender: turn.message.sender,
    role: 'user',
    text: turn.text,
    ...(meta === undefined ? {} : { meta }),
  });
  records.memory.beginTurn(inbound.id);
  return inbound.id;
}

/**
 * Store the reply of an answered turn and the model turn behind it.
 * @returns the reply and the inbound message's id
 * @throws Error when no step answered the turn (a bug in the pipeline)
 */
function recordReply(records: TurnRecords, turn: TurnState): { reply: Reply; inboundId: number } | undefined {
  const { reply, inboundId } = turn;
  if (reply === undefined) throw new Error('no step answered the turn');
  // The last door before the reply is shown, stored and sent: no key leaves through it (errors are redacted
  // when they are made; this also catches one that a tool or a model put in its text).
  turn.reply = { ...reply, text: redactSecrets(reply.text) };
  // A turn refused before any step took it (a message over its limit): nothing to store.
  if (inboundId === undefined) return undefined;
  const stored = records.conversations.record({
    sessionId: turn.sessionId,
    channel: turn.message.channel,
    sender: 'steward',
    role: 'assistant',
    // Stored without colours: the history goes back to the model as plain text.
    text: stripVTControlCharacters(turn.reply.text),
    meta: replyMeta(turn),
  });
  if (turn.modelTurn !== undefined) records.turns.record({ ...turn.modelTurn, replyId: stored.id });
  return { reply: turn.reply, inboundId };
}

/**
 * The first step: it lets the others answer, then stores the reply and the
 * model turn behind it, and tells memory the turn ended. When a later step
 * throws (a system fault), memory still hears that the turn ended.
 * @param records - where to store the reply
 * @returns the step
 */
export function recordStep(records: TurnRecords): TurnStep {
  return async (turn, next) => {
    let answered: { reply: Reply; inboundId: number } | undefined;
    try {
      await next();
      answered = recordReply(records, turn);
    } catch (error) {
      const inboundId = turn.inboundId;
      if (inboundId !== undefined) records.memory.afterTurn({ inboundId, kind: 'error', modelTurn: false });
      throw error;
    }
    if (answered === undefined) return;
    const modelTurn = turn.modelTurn !== undefined;
    records.memory.afterTurn({ inboundId: answered.inboundId, kind: answered.reply.kind, modelTurn });
  };
}
