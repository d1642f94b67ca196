import type { HostedTool } from '../plugins/host.js';
import {
  answerReserve,
  CHARACTERS_PER_TOKEN,
  MESSAGE_OVERHEAD_TOKENS,
  promptTokens,
  toolsTokens,
} from '../models/prompt-size.js';
import type { HistoryMessage } from './agent.js';

/** The parts of an agent turn's prompt. */
export interface PromptParts {
  /** System prompt. */
  systemPrompt: string;
  /** Earlier messages, oldest first. */
  history: readonly HistoryMessage[];
  /** The owner's message with its recalled memories. */
  text: string;
  /** Tools offered to the model. */
  tools: readonly HostedTool[];
}

/** A prompt fitted to a context, and what was left out to fit it. */
export interface FittedPrompt extends PromptParts {
  /** Earlier messages left out, oldest first. */
  droppedHistory: number;
  /** Whether the tools were left out (they alone did not fit). */
  droppedTools: boolean;
  /** Whether the system prompt or the message had to be cut. */
  cut: boolean;
  /** The estimated tokens of the fitted prompt. */
  tokens: number;
}

function messageTokens(text: string): number {
  return promptTokens(text) + MESSAGE_OVERHEAD_TOKENS;
}

function hostedToolsTokens(tools: readonly HostedTool[]): number {
  return toolsTokens(tools.map((hosted) => hosted.tool));
}

/**
 * Fit an agent turn's prompt to the server's context, so that no server
 * drops its start without a word (Ollama's OpenAI endpoint does, past its
 * `num_ctx`) or refuses it (llama.cpp, vLLM). Room is kept for the answer
 * ({@link answerReserve}). What goes first: the tools when the system prompt,
 * the tools and the message alone do not fit; then the oldest earlier
 * messages; then, as a last resort, the end of the system prompt and of the
 * message. After a server refused the prompt as too long (`trim` 1, 2) the
 * budget shrinks by a fifth each time; with no known context, `trim` halves
 * the prompt each time and nothing is cut at first.
 * @param parts - system prompt, history, message and tools
 * @param limits - the context in tokens (null when unknown), and how many refusals so far
 * @returns the parts that fit, and what was left out
 */
export function fitPrompt(parts: PromptParts, limits: { contextTokens: number | null; trim: number }): FittedPrompt {
  const system = messageTokens(parts.systemPrompt);
  const message = messageTokens(parts.text);
  const toolCost = hostedToolsTokens(parts.tools);
  const historyCosts = parts.history.map((entry) => messageTokens(entry.text));
  const whole = system + message + toolCost + historyCosts.reduce((sum, cost) => sum + cost, 0);
  const budget =
    limits.contextTokens === null
      ? limits.trim === 0
        ? Infinity
        : Math.floor(whole / 2 ** limits.trim)
      : Math.floor((limits.contextTokens - answerReserve(limits.contextTokens)) * (1 - 0.2 * limits.trim));
  if (whole <= budget) return { ...parts, droppedHistory: 0, droppedTools: false, cut: false, tokens: whole };
  const droppedTools = parts.tools.length > 0 && system + message + toolCost > budget;
  let total = whole - (droppedTools ? toolCost : 0);
  let dropped = 0;
  while (dropped < historyCosts.length && total > budget) {
    total -= historyCosts[dropped] as number;
    dropped += 1;
  }
  let { systemPrompt, text } = parts;
  let cut = false;
  if (total > budget) {
    // Last resort: keep the start of the system prompt (the stable instructions) and of the message.
    const room = Math.max(0, budget - 2 * MESSAGE_OVERHEAD_TOKENS);
    const systemRoom = Math.max(Math.floor(room / 2), room - promptTokens(text));
    systemPrompt = systemPrompt.slice(0, systemRoom * CHARACTERS_PER_TOKEN);
    text = text.slice(0, Math.max(0, room - promptTokens(systemPrompt)) * CHARACTERS_PER_TOKEN);
    total = messageTokens(systemPrompt) + messageTokens(text) + (droppedTools ? 0 : toolCost);
    cut = true;
  }
  return {
    systemPrompt,
    history: parts.history.slice(dropped),
    text,
    tools: droppedTools ? [] : parts.tools,
    droppedHistory: dropped,
    droppedTools,
    cut,
    tokens: total,
  };
}
