import type { ChatMessage, ChatRequest } from './types.js';

/**
 * A stand-in tokenizer for the fakes: one token per 3.6 characters, about
 * what BPE tokenizers (Llama 3, Qwen, GPT-4o's o200k) give for English prose
 * mixed with JSON. It is deterministic and a little denser than steward's
 * own estimate, so a test shows that steward leaves room for the difference.
 */
const CHARACTERS_PER_TOKEN = 3.6;

/**
 * Tokens of a text, by the stand-in tokenizer.
 * @param text - any text
 */
export function tokensOf(text: string): number {
  return Math.ceil(text.length / CHARACTERS_PER_TOKEN);
}

/** Text of one chat message: its string content, or its text parts joined. */
export function messageText(message: ChatMessage | undefined): string {
  if (message === undefined || message.content === null) return '';
  if (typeof message.content === 'string') return message.content;
  return message.content.map((part) => part.text ?? '').join('');
}

/** Tokens one message takes in the rendered prompt: its text, its tool calls, and 4 for the chat template's markers. */
export function messageTokens(message: ChatMessage): number {
  const calls = message.tool_calls === undefined ? '' : JSON.stringify(message.tool_calls);
  return tokensOf(messageText(message)) + tokensOf(calls) + 4;
}

/** Tokens the tool definitions take (a chat template renders their JSON into the prompt). */
export function toolTokens(request: ChatRequest): number {
  return request.tools === undefined || request.tools.length === 0 ? 0 : tokensOf(JSON.stringify(request.tools));
}

/**
 * Tokens of a whole chat request's prompt: every message and the tools.
 * @param request - the request as the client sent it
 */
export function promptTokensOf(request: ChatRequest): number {
  return request.messages.reduce((sum, message) => sum + messageTokens(message), 0) + toolTokens(request);
}

/** Tokens of one embeddings input, with the BOS and EOS tokens a server adds. */
export function embeddingTokensOf(text: string): number {
  return tokensOf(text) + 2;
}
