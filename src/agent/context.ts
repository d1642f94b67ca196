import type { ConversationStore } from '../memory/conversations.js';
import type { Memory } from '../memory/memory.js';
import type { RecallHit } from '../memory/recall.js';
import { estimateTokens, truncate } from '../memory/text.js';
import type { PluginHost } from '../plugins/host.js';
import { localDate, type Clock } from '../shared/time.js';
import type { HistoryMessage } from './agent.js';
import { renderPrompt } from '../shared/prompts.js';

/** What one agent turn sends to the model. */
export interface TurnContext {
  /** System prompt: the stable prompt, the profile, where we left off, then the plugins' context. */
  systemPrompt: string;
  /** Earlier messages of the session, oldest first. */
  history: HistoryMessage[];
  /** The owner's message, then the recalled memories, then their local time. */
  text: string;
  /** The memories recalled for this turn (shown by /why and stored with the turn). */
  recalled: RecallHit[];
  /** Estimated tokens of memory given to the turn (profile, left off, plugin context, recall), against the budget. */
  memoryTokens: number;
}

/** Inputs of {@link assembleTurnContext}. */
export interface TurnContextSources {
  /** The session's messages. */
  conversations: ConversationStore;
  /** Plugins (their `agentContext`: today's habits and goals). */
  plugins: PluginHost;
  /** The memory engine. */
  memory: Memory;
  /** Clock. */
  clock: Clock;
  /** The owner's IANA zone. */
  timeZone: string;
  /** How many earlier messages to include. */
  historyMessages: number;
  /** Token budget of the memory parts (`memory.contextTokens`). */
  budgetTokens: number;
}

const PROFILE_HEADING = 'What you know about the owner (their profile):';
const RECALL_HEADING = 'Recalled from earlier conversations; use only what is relevant, it may be out of date:';

/** Share of the budget each part may take at most, in order of priority; what one leaves goes to the next. */
const SHARES = { plugins: 0.35, profile: 0.3, leftOff: 0.15 } as const;

/**
 * The lines that fit in a token budget, in order; a line that does not fit
 * is cut to fit when it is the first, else left out.
 * @param lines - candidate lines, most important first
 * @param budget - tokens available
 * @returns the lines kept and the tokens they use
 */
export function fitLines(lines: readonly string[], budget: number): { lines: string[]; tokens: number } {
  const kept: string[] = [];
  let tokens = 0;
  for (const line of lines) {
    const cost = estimateTokens(line) + 1;
    if (tokens + cost <= budget) {
      kept.push(line);
      tokens += cost;
    } else if (kept.length === 0 && budget - tokens > 12) {
      const cut = truncate(line, (budget - tokens - 1) * 4);
      kept.push(cut);
      tokens += estimateTokens(cut) + 1;
    } else {
      break;
    }
  }
  return { lines: kept, tokens };
}

const KIND_LABELS = { message: 'said', episode: 'conversation', fact: 'fact' } as const;

function describeHit(hit: RecallHit): string {
  const day = hit.at.slice(0, 10);
  return `- ${day} · ${KIND_LABELS[hit.ref.type]}: ${truncate(hit.text, 300)}`;
}

/**
 * Build the context of one agent turn within the memory token budget
 * (`memory.contextTokens`, default 1500, about 4 characters a token):
 * today's habits and goals (the plugins' `agentContext`), the
 * high-confidence profile facts, "where we left off" (the latest other
 * episode and its follow-ups), and the memories recalled for this message.
 *
 * The order runs from stable to volatile, so that llama.cpp and
 * mlx_lm.server reuse the KV cache of the repeated prefix: the system
 * prompt and the profile first, then the conversation; the recalled
 * memories, which change with every message, ride on the newest message
 * with the clock, after the whole cached prefix.
 *
 * @param sources - where the context comes from
 * @param turn - the session, the id of the stored inbound message, and its text
 * @returns the system prompt, the history, the message to send and what was recalled
 */
export async function assembleTurnContext(
  sources: TurnContextSources,
  turn: { sessionId: number; inboundId: number; text: string; signal?: AbortSignal | undefined },
): Promise<TurnContext> {
  const [pluginContext, memory] = await Promise.all([
    sources.plugins.agentContext(),
    sources.memory.contextFor({ sessionId: turn.sessionId, text: turn.text, signal: turn.signal }),
  ]);
  const budget = sources.budgetTokens;
  let left = budget;
  const plugins = fitLines(pluginContext, Math.floor(budget * SHARES.plugins));
  left -= plugins.tokens;
  // The headings count too, when their block is there.
  const profileHeading = estimateTokens(PROFILE_HEADING) + 1;
  const profile =
    memory.profile.length === 0
      ? { lines: [], tokens: 0 }
      : fitLines(
          memory.profile,
          Math.max(
            0,
            Math.min(
              left,
              Math.floor(budget * SHARES.profile) + (Math.floor(budget * SHARES.plugins) - plugins.tokens),
            ) - profileHeading,
          ),
        );
  if (profile.lines.length > 0) profile.tokens += profileHeading;
  left -= profile.tokens;
  const leftOff = fitLines(
    memory.leftOff === undefined ? [] : [memory.leftOff],
    Math.min(left, Math.floor(budget * SHARES.leftOff)),
  );
  left -= leftOff.tokens;
  const recalledLines: string[] = [];
  const recalled: RecallHit[] = [];
  let recallTokens = estimateTokens(RECALL_HEADING) + 2;
  for (const hit of memory.recall.hits) {
    const line = describeHit(hit);
    const cost = estimateTokens(line) + 1;
    if (recallTokens + cost > left) break;
    recalledLines.push(line);
    recalled.push(hit);
    recallTokens += cost;
  }
  if (recalled.length === 0) recallTokens = 0;

  const system = [renderPrompt('system')];
  if (profile.lines.length > 0)
    system.push(`${PROFILE_HEADING}\n${profile.lines.map((line) => `- ${line}`).join('\n')}`);
  system.push(...leftOff.lines, ...plugins.lines);
  const now = sources.clock.now();
  const clockTime = now.toLocaleTimeString('en-GB', {
    timeZone: sources.timeZone,
    hour: '2-digit',
    minute: '2-digit',
    weekday: 'short',
  });
  const recallBlock = recalledLines.length === 0 ? '' : `\n\n(${RECALL_HEADING}\n${recalledLines.join('\n')})`;
  const text = `${turn.text}${recallBlock}\n\n[${localDate(now, sources.timeZone)} ${clockTime}, ${sources.timeZone}]`;
  // Failed and cancelled replies are not part of the conversation the model sees.
  const history = sources.conversations
    .history(turn.sessionId, sources.historyMessages, turn.inboundId)
    .filter((stored) => stored.meta.kind !== 'error' && stored.meta.kind !== 'cancelled')
    .map((stored) => ({ role: stored.role, text: stored.text }));
  return {
    systemPrompt: system.join('\n\n'),
    history,
    text,
    recalled,
    memoryTokens: plugins.tokens + profile.tokens + leftOff.tokens + recallTokens,
  };
}
