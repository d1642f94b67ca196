/**
 * The pieces every fake model server shares: what a chat request looks like,
 * what the server knows about its models, and the shape of an answer. Each
 * server family (llama.cpp, Ollama, mlx_lm.server, exo, vLLM, OpenAI) has its
 * own file in this folder with the behaviour read from its source.
 */

/** A chat message as the client sent it. */
export interface ChatMessage {
  role: string;
  content: string | null | Array<{ type: string; text?: string }>;
  tool_calls?: Array<{ id: string; function: { name: string; arguments: string } }>;
  tool_call_id?: string;
  name?: string;
}

/** A recorded chat request. */
export interface ChatRequest {
  /** The model the client asked for; absent when it sent none (mlx_lm.server then uses its `--model`). */
  model?: string;
  messages: ChatMessage[];
  stream?: boolean;
  tools?: Array<{ type: string; function: { name: string; description?: string; parameters?: unknown } }>;
  /** Set by the fake, not the client: the model that answered (after a swap, the new one). */
  answeredBy?: string;
  [key: string]: unknown;
}

/** One model a server knows: listed, pulled, cached or in its catalogue. */
export interface KnownModel {
  /** The id the server lists. */
  id: string;
  /** `chat` (completion) or `embedding` (an embedding-only model: Ollama's capability `embedding`). */
  kind: 'chat' | 'embedding';
  /** Loaded in memory now (Ollama `/api/ps`), running on the cluster (exo), served (mlx, llama.cpp). */
  loaded: boolean;
  /** The context the model was trained for, in tokens (Ollama `model_info.<arch>.context_length`, exo `context_length`). */
  trainedContext: number;
  /** Whether its chat template takes tools (Ollama capability `tools`). */
  tools: boolean;
}

/** What a fake answers: a status and a JSON body, or a status and text. */
export type Answer =
  | { status: number; json: unknown; headers?: Record<string, string> }
  | { status: number; text: string; contentType?: string; headers?: Record<string, string> };

/**
 * The families the fake can play. Each behaves as its real server does
 * (see the file of the same name); `llama.cpp` is the default.
 */
export type Flavor = 'llama.cpp' | 'ollama' | 'mlx' | 'exo' | 'vllm' | 'openai';
