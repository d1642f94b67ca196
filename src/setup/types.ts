/** The shapes of what `steward init` finds on a model server. */

/** The servers steward knows how to read a model list from. */
export type ServerSoftware = 'ollama' | 'lmstudio' | 'llamacpp' | 'mlx' | 'vllm' | 'exo' | 'openai-compatible';

/** What a model is for, as far as its server says: `unknown` when it says nothing. */
export type ModelKind = 'chat' | 'embedding' | 'unknown';

/** One model a server offers. */
export interface FoundModel {
  /** The id to send as `model` (Ollama `qwen3:8b`, LM Studio `qwen2.5-7b-instruct`). */
  id: string;
  /** Chat, embedding, or unknown. */
  kind: ModelKind;
  /** Where the kind came from, for the owner: `capabilities`, `type`, `family`, `name`. */
  kindFrom?: string;
  /** Size for ordering: parameters in billions when the server says, else bytes / 1e9 (0 when unknown). */
  size: number;
  /** Loaded in memory now (Ollama `/api/ps`, LM Studio `state`, exo instances); undefined when unknown. */
  loaded?: boolean;
}
