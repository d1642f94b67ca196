import type { Answer, ChatMessage, ChatRequest, Flavor, KnownModel } from './types.js';

/** One prompt a server shortened without saying so (Ollama's OpenAI endpoint). */
export interface Truncation {
  /** Tokens of the prompt as sent. */
  promptTokens: number;
  /** The context it had to fit, in tokens. */
  contextTokens: number;
  /** Whole messages dropped from the front. */
  droppedMessages: number;
  /** Tokens cut from what was left, when dropping messages was not enough. */
  droppedTokens: number;
}

/** What the behaviour of a server family reads and changes. */
export interface FlavorState {
  /** The model the server was started with, or serves now (llama.cpp `-m`, mlx `--model`). */
  model: string;
  /** Every model the server knows (see {@link KnownModel}). */
  models: KnownModel[];
  /** The context a request gets, in tokens (llama.cpp `n_ctx`, Ollama `num_ctx`, vLLM `max_model_len`). */
  contextTokens: number;
  /** llama.cpp only: started with `--jinja` (the default in current builds) so it takes tools. */
  jinja: boolean;
  /** llama.cpp only: the physical batch `n_ubatch`, the most tokens one embeddings input may have. */
  embeddingBatchTokens: number;
  /** Prompts shortened silently (Ollama). */
  truncations: Truncation[];
  /** Models loaded on request, in order (mlx swaps, Ollama loads). */
  loads: string[];
}

/** What a server does with a chat request: refuse it, or run it on a model (with the messages it keeps). */
export type ChatAdmission = { answer: Answer } | { model: string; messages?: ChatMessage[] };

/** The SSE comments a server writes into a streamed answer besides the data. */
export interface SseHabits {
  /** A comment written as soon as the stream starts. */
  atStart?: string;
  /** Comments during prompt processing, with the progress. */
  progress?: (processed: number, total: number) => string;
  /** A comment after this long without a token, and again after each such silence. */
  silence?: { comment: string; everyMs: number };
}

/** How one server family behaves at the boundary steward talks to. */
export interface FlavorBehaviour {
  /** Which family. */
  readonly name: Flavor;
  /** GET /v1/models and the family's own routes (`/props`, `/api/ps`, ...), or undefined when the path is not one of them. */
  route(state: FlavorState, method: string, path: string, body: string): Answer | undefined;
  /** Whether a request to this path must carry the key, when the server has one. */
  needsKey(path: string): boolean;
  /** The answer to a missing or wrong key. */
  unauthorized(sent: string): Answer;
  /** The model a chat request runs on, or the refusal (unknown model, not running, tools, context). */
  chat(state: FlavorState, request: ChatRequest): ChatAdmission;
  /** The refusal of an embeddings request, or undefined when it is served. */
  embeddings(state: FlavorState, model: string | undefined, inputs: readonly string[]): Answer | undefined;
  /** SSE comments in a streamed answer. */
  sse: SseHabits;
  /** The answer to a path the server does not have. */
  notFound(method: string, path: string): Answer;
  /** The answer to every request while the model loads, when the family answers at all then. */
  whileLoading: Answer | undefined;
}

/** A JSON answer. */
export function json(status: number, body: unknown, headers?: Record<string, string>): Answer {
  return headers === undefined ? { status, json: body } : { status, json: body, headers };
}

/** The known model with this id, if any. */
export function known(state: FlavorState, id: string | undefined): KnownModel | undefined {
  return id === undefined ? undefined : state.models.find((model) => model.id === id);
}

/** Seconds since the epoch, as OpenAI's `created`. */
export function created(): number {
  return 1_767_225_600; // 2026-01-01, fixed so answers are stable
}
