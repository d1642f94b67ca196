import type { ConversationStore } from '../memory/conversations.js';
import type { PluginHost } from '../plugins/host.js';
import { localDate, type Clock } from '../shared/time.js';
import type { HistoryMessage } from './agent.js';
import { renderPrompt } from './prompts.js';

/** What one agent turn sends to the model. */
export interface TurnContext {
  /** System prompt: the stable prompt, then the plugins' context. */
  systemPrompt: string;
  /** Earlier messages of the session, oldest first. */
  history: HistoryMessage[];
  /** The owner's message with their local time appended. */
  text: string;
}

/** Inputs of {@link assembleTurnContext}. */
export interface TurnContextSources {
  /** The session's messages. */
  conversations: ConversationStore;
  /** Plugins (their `agentContext`). */
  plugins: PluginHost;
  /** Clock. */
  clock: Clock;
  /** The owner's IANA zone. */
  timeZone: string;
  /** How many earlier messages to include. */
  historyMessages: number;
}

/**
 * Build the context of one agent turn, from stable to volatile so that local
 * servers (llama.cpp, mlx_lm.server) reuse the KV cache of the repeated
 * prefix: the system prompt, then the plugins' context, then the
 * conversation; the clock goes at the end of the newest message only.
 *
 * @param sources - where the context comes from
 * @param turn - the session, the id of the stored inbound message, and its text
 * @returns the system prompt, the history and the message to send
 */
export async function assembleTurnContext(
  sources: TurnContextSources,
  turn: { sessionId: number; inboundId: number; text: string },
): Promise<TurnContext> {
  const pluginContext = await sources.plugins.agentContext();
  const systemPrompt = [renderPrompt('system'), ...pluginContext].join('\n\n');
  const now = sources.clock.now();
  const clockTime = now.toLocaleTimeString('en-GB', { timeZone: sources.timeZone, hour: '2-digit', minute: '2-digit', weekday: 'short' });
  const text = `${turn.text}\n\n[${localDate(now, sources.timeZone)} ${clockTime}, ${sources.timeZone}]`;
  // Failed and cancelled replies are not part of the conversation the model sees.
  const history = sources.conversations
    .history(turn.sessionId, sources.historyMessages, turn.inboundId)
    .filter((stored) => stored.meta.kind !== 'error' && stored.meta.kind !== 'cancelled')
    .map((stored) => ({ role: stored.role, text: stored.text }));
  return { systemPrompt, history, text };
}
