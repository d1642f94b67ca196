import type { z } from 'zod';

/**
 * The chat model as steward uses it: a plain streamed completion (briefings,
 * summaries, structured output), a short non-streamed one (warm-up) and an
 * agent turn with tools. One implementation talks to OpenAI-compatible
 * servers through LangChain (`langchain-chat-model.ts`), so LangChain is
 * called from that one place; tests can put a scripted model behind the same
 * interface. (Interface apart from implementation, as the Vercel AI SDK's
 * `LanguageModelV2` is apart from its providers.)
 *
 * Every method fails with a `ProviderError` whose kind says what went wrong,
 * except when `signal` fires, which rejects with the abort reason.
 */
export interface ChatModel {
  /** Provider id, for example `local-fast`. */
  readonly provider: string;

  /**
   * A completion without tools, streamed.
   * @param messages - the conversation
   * @param options - cancellation, and an optional JSON schema the answer must follow
   *   (sent as OpenAI's `response_format: {type: "json_schema"}`, which llama.cpp, vLLM,
   *   Ollama and OpenAI honour and others ignore)
   * @returns the answer's text, piece by piece as it streams
   */
  streamText(messages: readonly ChatMessage[], options?: TextOptions): AsyncIterable<string>;

  /**
   * A short completion, not streamed (the warm-up's one-token request).
   * @param messages - the conversation
   * @param options - cancellation and the most tokens to generate
   * @returns the answer's text (possibly empty)
   */
  complete(messages: readonly ChatMessage[], options: CompleteOptions): Promise<string>;

  /**
   * One agent turn: the model may call tools, read their results and call
   * again, up to `maxSteps` graph steps, then answers.
   * @param request - system prompt, conversation, tools and cancellation
   * @returns what happens, in order: text as it streams, and each tool that ran
   */
  streamAgent(request: AgentRequest): AsyncIterable<AgentEvent>;
}

/** One message of a conversation. */
export interface ChatMessage {
  /** `system`, `user` or `assistant`. */
  role: 'system' | 'user' | 'assistant';
  /** Text. */
  content: string;
}

/** Options of {@link ChatModel.streamText}. */
export interface TextOptions {
  /** Cancels the request. */
  signal?: AbortSignal | undefined;
  /** JSON schema of the answer, with a name (letters, digits, _ and -). */
  jsonSchema?: { name: string; schema: Record<string, unknown> } | undefined;
}

/** Options of {@link ChatModel.complete}. */
export interface CompleteOptions {
  /** Cancels the request. */
  signal?: AbortSignal | undefined;
  /** Most tokens to generate. */
  maxTokens: number;
}

/** A tool the model may call during an agent turn. */
export interface ChatTool {
  /** snake_case name the model sees. */
  name: string;
  /** What the tool does and when to use it, for the model. */
  description: string;
  /** zod object schema of the arguments. */
  schema: z.ZodObject;
  /**
   * Run the tool.
   * @returns the text the model reads; failures come back as text, never thrown
   */
  run(args: unknown): Promise<string>;
}

/** Input of {@link ChatModel.streamAgent}. */
export interface AgentRequest {
  /** System prompt: stable parts first, so servers can reuse the KV cache of the prefix. */
  systemPrompt: string;
  /** The conversation, oldest first, ending with the owner's new message. */
  messages: ReadonlyArray<{ role: 'user' | 'assistant'; content: string }>;
  /** Tools the model may call. */
  tools: readonly ChatTool[];
  /** Cancels the turn. */
  signal?: AbortSignal | undefined;
  /** Most graph steps (model requests and tool runs together) before the turn is stopped. */
  maxSteps: number;
}

/**
 * What happens during an agent turn:
 * - `text`: a piece of the model's answer, from model request number `step`
 *   (a new step after a tool ran starts a new paragraph of the answer);
 * - `tool`: the tool `name` ran and its result went back to the model.
 */
export type AgentEvent = { type: 'text'; text: string; step: number } | { type: 'tool'; name: string };
