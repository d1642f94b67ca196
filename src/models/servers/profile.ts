/**
 * What steward knows about one local model server besides its health: which
 * family it is, which model to ask it for, how long a prompt it takes and
 * whether it takes tools. Each fact names where it came from, for `doctor`.
 */

/**
 * The family of an OpenAI-compatible server, told from what it says about
 * itself (`owned_by` in `GET /v1/models`, or a route only it has), or
 * `openai-compatible` when nothing tells.
 */
export type ServerFamily = 'llama.cpp' | 'ollama' | 'mlx' | 'exo' | 'vllm' | 'lm-studio' | 'openai-compatible';

/** How the model of a provider was chosen. */
export type ChoiceHow =
  /** Set in the configuration. */
  | 'configured'
  /** The one model the server serves (llama.cpp single-model mode, vLLM). */
  | 'served'
  /** The one chat model loaded now (Ollama `/api/ps`, LM Studio `state: loaded`, llama.cpp router mode). */
  | 'loaded'
  /** The one model with a running instance (exo). */
  | 'running'
  /** The only chat model the server lists. */
  | 'only-model'
  /** No name: the server's own default (mlx_lm.server's `--model`, asked for as `default_model`). */
  | 'server-default'
  /** The model chosen before, still listed (Ollama unloads an idle model after 5 min). */
  | 'kept';

/** The model steward asks a provider for, or why it cannot tell without guessing. */
export type ModelChoice =
  | {
      ok: true;
      /** The name sent as `model`. */
      model: string;
      /** How it was chosen. */
      how: ChoiceHow;
      /** One line for doctor, for example `the one chat model Ollama has loaded`. */
      detail: string;
    }
  | {
      ok: false;
      /** One line: what the server lists and which variable to set. */
      problem: string;
    };

/** What steward knows about one local server. */
export interface ServerProfile {
  /** Its family. */
  family: ServerFamily;
  /** The model ids `GET /models` listed, in its order. */
  listed: string[];
  /** The model to ask for. */
  choice: ModelChoice;
  /** The context a request gets, in tokens, or null when the server does not say. */
  contextTokens: number | null;
  /** Where {@link contextTokens} came from (`llama.cpp /props n_ctx`, ...), or null. */
  contextSource: string | null;
  /** Whether the chosen model takes tools: true, false, or null when not known yet. */
  tools: boolean | null;
  /** Where {@link tools} came from, or null. */
  toolsSource: string | null;
  /** A note for doctor (a configured mlx model that makes it swap, an exo model not running), or null. */
  warning: string | null;
}

/**
 * The variable (or config key) that sets a provider's model.
 * @param providerId - for example `local-fast`
 * @returns `STEWARD_LOCAL_FAST_MODEL`, `STEWARD_LOCAL_QUALITY_MODEL`, or the config key of a `models.providers` entry
 */
export function modelVariable(providerId: string): string {
  if (providerId === 'local-fast') return 'STEWARD_LOCAL_FAST_MODEL';
  if (providerId === 'local-quality') return 'STEWARD_LOCAL_QUALITY_MODEL';
  return `models.providers (id "${providerId}").model`;
}

/**
 * The variable (or config key) that sets a provider's API key.
 * @param providerId - for example `local-fast`
 * @returns `STEWARD_LOCAL_FAST_API_KEY`, `STEWARD_LOCAL_QUALITY_API_KEY`, `OPENAI_API_KEY`, or the config key of a `models.providers` entry
 */
export function keyVariable(providerId: string): string {
  if (providerId === 'local-fast') return 'STEWARD_LOCAL_FAST_API_KEY';
  if (providerId === 'local-quality') return 'STEWARD_LOCAL_QUALITY_API_KEY';
  if (providerId.startsWith('openai-')) return 'OPENAI_API_KEY';
  return `models.providers (id "${providerId}").apiKey`;
}

/**
 * A list of model ids for a message: the first few, and how many more.
 * @param ids - model ids
 * @param limit - how many to name (default 6)
 */
export function listModels(ids: readonly string[], limit = 6): string {
  const named = ids.slice(0, limit).join(', ');
  return ids.length > limit ? `${named} and ${ids.length - limit} more` : named;
}
