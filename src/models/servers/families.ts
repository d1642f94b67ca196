import { field, listEntries, positive, type ServerClient } from './client.js';
import { listModels, modelVariable, type ModelChoice, type ServerFamily, type ServerProfile } from './profile.js';

/** What a family's inspection finds, besides the family and the listed ids. */
export type Findings = Pick<
  ServerProfile,
  'choice' | 'contextTokens' | 'contextSource' | 'tools' | 'toolsSource' | 'warning'
>;

/** What every family's inspection gets. */
export interface InspectionInput {
  /** Provider id, for the variable to name. */
  providerId: string;
  /** The configured model, or null. */
  configured: string | null;
  /** The `GET /models` body. */
  body: unknown;
  /** The ids it lists. */
  listed: string[];
  /** Routes of the server's own. */
  client: ServerClient;
  /** What was found last time (to keep a choice, and Ollama's capabilities). */
  previous: ServerProfile | undefined;
}

const NOTHING: Omit<Findings, 'choice'> = {
  contextTokens: null,
  contextSource: null,
  tools: null,
  toolsSource: null,
  warning: null,
};

/** Model ids that name an embedding model by convention (nomic-embed-text, bge-m3, e5, gte, ...). */
const EMBEDDING_NAME = /embed|\bbge\b|bge-|\be5-|\bgte-|minilm/i;

/**
 * Which family a server is: `owned_by` of its model list first (llama.cpp
 * `llamacpp`, vLLM `vllm`, exo `exo`), then a route only one family has
 * (Ollama `GET /api/version`, LM Studio `GET /api/v0/models`), then mlx_lm.server,
 * whose list entries have no `owned_by` and whose `/health` says `{"status": "ok"}`.
 * @param body - the `GET /models` body
 * @param client - routes of the server's own
 */
export async function detectFamily(body: unknown, client: ServerClient): Promise<ServerFamily> {
  const owners = new Set(listEntries(body).map((entry) => entry.owned_by));
  if (owners.has('llamacpp')) return 'llama.cpp';
  if (owners.has('vllm')) return 'vllm';
  if (owners.has('exo')) return 'exo';
  const version = await client.get('/api/version');
  if (version?.status === 200 && typeof field(version.data, 'version') === 'string') return 'ollama';
  const lmStudio = await client.get('/api/v0/models');
  if (lmStudio?.status === 200 && listEntries(lmStudio.data).some((entry) => typeof entry.state === 'string'))
    return 'lm-studio';
  if (listEntries(body).every((entry) => entry.owned_by === undefined)) {
    const health = await client.get('/health');
    if (health?.status === 200 && field(health.data, 'status') === 'ok') return 'mlx';
  }
  return 'openai-compatible';
}

function problem(text: string): ModelChoice {
  return { ok: false, problem: text };
}

function pickOne(
  input: InspectionInput,
  candidates: readonly string[],
  how: 'served' | 'loaded' | 'running' | 'only-model',
  detail: string,
  none: string,
): ModelChoice {
  if (input.configured !== null) return { ok: true, model: input.configured, how: 'configured', detail: 'configured' };
  if (candidates.length === 1) return { ok: true, model: candidates[0] as string, how, detail };
  const previous = input.previous?.choice;
  if (previous?.ok === true && previous.how !== 'configured' && input.listed.includes(previous.model))
    return { ok: true, model: previous.model, how: 'kept', detail: 'the model chosen before, still listed' };
  if (candidates.length === 0) return problem(`${none}: set ${modelVariable(input.providerId)}`);
  return problem(
    `the server has ${candidates.length} models (${listModels(candidates)}) and does not say which one to use: set ${modelVariable(input.providerId)} to one of them`,
  );
}

/**
 * llama.cpp `llama-server`: in single-model mode `/v1/models` lists the one
 * model it serves; in router mode each entry has a `status` and only the
 * `loaded` ones answer at once. The context is `/props`
 * `default_generation_settings.n_ctx` (the per-slot context; README "GET /props"),
 * else `meta.n_ctx` of the list.
 */
export async function inspectLlamaCpp(input: InspectionInput): Promise<Findings> {
  const entries = listEntries(input.body);
  const routerMode = entries.some((entry) => field(entry, 'status') !== undefined);
  const loaded = routerMode
    ? entries.filter((entry) => field(field(entry, 'status'), 'value') === 'loaded').map((entry) => String(entry.id))
    : input.listed.slice(0, 1);
  const choice = pickOne(
    input,
    loaded,
    routerMode ? 'loaded' : 'served',
    routerMode ? 'the one model llama-server has loaded' : 'the model llama-server serves',
    'llama-server (router mode) has no model loaded',
  );
  const props = await input.client.get('/props');
  const fromProps = positive(field(field(props?.data, 'default_generation_settings'), 'n_ctx'));
  const chosen = choice.ok ? entries.find((entry) => entry.id === choice.model) : entries[0];
  const fromList = positive(field(field(chosen, 'meta'), 'n_ctx'));
  const contextTokens = fromProps ?? fromList ?? null;
  return {
    ...NOTHING,
    choice,
    contextTokens,
    contextSource:
      fromProps !== undefined
        ? 'llama.cpp /props n_ctx'
        : fromList !== undefined
          ? 'llama.cpp /v1/models meta.n_ctx'
          : null,
  };
}

/** Ollama's capabilities and trained context of one model (`POST /api/show`). */
async function showOllama(
  client: ServerClient,
  model: string,
): Promise<{ capabilities: string[]; trainedContext: number | undefined } | undefined> {
  const shown = await client.post('/api/show', { model });
  if (shown?.status !== 200) return undefined;
  const capabilities = field(shown.data, 'capabilities');
  const info = field(shown.data, 'model_info');
  const architecture = field(info, 'general.architecture');
  return {
    capabilities: Array.isArray(capabilities) ? capabilities.map(String) : [],
    trainedContext:
      typeof architecture === 'string' ? positive(field(info, `${architecture}.context_length`)) : undefined,
  };
}

/**
 * Ollama: `/v1/models` lists every pulled model, embedding models too, most
 * recently changed first, so the chat model is chosen from what Ollama says
 * of each: `/api/show` capabilities (an `embedding`-only model never chats),
 * then the one loaded now (`/api/ps`), else the only chat model. The context
 * is `/api/ps` `context_length` once the model is loaded; before that steward
 * assumes 4096, Ollama's smallest default (below 23 GiB of VRAM since v0.16;
 * the default from v0.7 to v0.15), since its OpenAI endpoint cannot set it
 * and cuts what does not fit without a word.
 */
export async function inspectOllama(input: InspectionInput): Promise<Findings> {
  const { client } = input;
  const shows = new Map<string, { capabilities: string[]; trainedContext: number | undefined }>();
  for (const id of input.listed.slice(0, 20)) {
    const shown = await showOllama(client, id);
    if (shown !== undefined) shows.set(id, shown);
  }
  const isChat = (id: string): boolean => {
    const capabilities = shows.get(id)?.capabilities;
    return capabilities === undefined ? !EMBEDDING_NAME.test(id) : capabilities.includes('completion');
  };
  const ps = await client.get('/api/ps');
  const running = Array.isArray(field(ps?.data, 'models')) ? (field(ps?.data, 'models') as unknown[]) : [];
  const loaded = running.map((entry) => String(field(entry, 'model') ?? field(entry, 'name'))).filter(isChat);
  const chat = input.listed.filter(isChat);
  const embeddingOnly = input.listed.filter((id) => !isChat(id));
  const skipped =
    embeddingOnly.length === 0
      ? ''
      : ` (${listModels(embeddingOnly)} only embed${embeddingOnly.length === 1 ? 's' : ''})`;
  let choice: ModelChoice;
  if (input.configured !== null || loaded.length === 1)
    choice = pickOne(input, loaded, 'loaded', 'the one chat model Ollama has loaded', '');
  else if (loaded.length > 1)
    choice = problem(
      `Ollama has ${loaded.length} chat models loaded (${listModels(loaded)}): set ${modelVariable(input.providerId)} to one of them`,
    );
  else
    choice = pickOne(
      input,
      chat,
      'only-model',
      `the only chat model Ollama has${skipped}`,
      `Ollama has no chat model${skipped}; pull one (ollama pull qwen3:8b)`,
    );
  if (choice.ok && !isChat(choice.model))
    choice = problem(
      `${choice.model} is an embedding model, it cannot chat: set ${modelVariable(input.providerId)} to a chat model (${listModels(chat)})`,
    );
  const model = choice.ok ? choice.model : undefined;
  const entry = running.find((candidate) => field(candidate, 'model') === model || field(candidate, 'name') === model);
  const loadedContext = positive(field(entry, 'context_length'));
  const capabilities = model === undefined ? undefined : shows.get(model)?.capabilities;
  return {
    choice,
    contextTokens: loadedContext ?? 4096,
    contextSource:
      loadedContext !== undefined
        ? 'Ollama /api/ps context_length'
        : "assumed until the model is loaded: Ollama's smallest default num_ctx",
    tools: capabilities === undefined ? null : capabilities.includes('tools'),
    toolsSource: capabilities === undefined ? null : 'Ollama /api/show capabilities',
    warning: null,
  };
}

/**
 * mlx_lm.server lists every model in the Hugging Face cache and does not say
 * which it serves; a request that names another one makes it unload the
 * served model and load that one. So steward sends the name `default_model`,
 * which mlx maps to its `--model` (`ModelProvider._model_map`). It has no
 * context size to read.
 */
export function inspectMlx(input: InspectionInput): Findings {
  const last = input.listed[input.listed.length - 1];
  const served = last?.startsWith('/') === true ? ` (${last})` : '';
  if (input.configured !== null)
    return {
      ...NOTHING,
      choice: { ok: true, model: input.configured, how: 'configured', detail: 'configured' },
      warning: `mlx_lm.server loads whatever model a request names, and unloads the one it serves: leave ${modelVariable(input.providerId)} unset to use the model it was started with`,
    };
  return {
    ...NOTHING,
    choice: {
      ok: true,
      model: 'default_model',
      how: 'server-default',
      detail: `the model mlx_lm.server was started with (--model)${served}`,
    },
  };
}

/**
 * exo lists its whole catalogue; only models with a running instance answer
 * (others get 404 "No instance found"). The running ones are
 * `GET /ollama/api/ps`; the context is the catalogue's `context_length`.
 */
export async function inspectExo(input: InspectionInput): Promise<Findings> {
  const ps = await input.client.get('/ollama/api/ps');
  const models = field(ps?.data, 'models');
  const running = Array.isArray(models)
    ? models.map((entry) => String(field(entry, 'model') ?? field(entry, 'name')))
    : [];
  const choice = pickOne(
    input,
    running,
    'running',
    'the one model running on the exo cluster',
    'no model is running on the exo cluster: start an instance (exo dashboard or POST /instance)',
  );
  const model = choice.ok ? choice.model : undefined;
  const entry = listEntries(input.body).find((candidate) => candidate.id === model);
  const contextTokens = positive(entry?.context_length) ?? null;
  const notRunning =
    input.configured !== null && !running.includes(input.configured)
      ? `${input.configured} has no running instance on the exo cluster (running: ${running.length === 0 ? 'none' : listModels(running)}); exo answers 404 until one runs`
      : null;
  return {
    ...NOTHING,
    choice,
    contextTokens,
    contextSource: contextTokens === null ? null : 'exo /v1/models context_length',
    warning: notRunning,
  };
}

/** vLLM lists the model it serves (and its LoRA adapters, with a `parent`); `max_model_len` is the context. */
export function inspectVllm(input: InspectionInput): Findings {
  const entries = listEntries(input.body);
  const bases = entries
    .filter((entry) => entry.parent === null || entry.parent === undefined)
    .map((entry) => String(entry.id));
  const choice = pickOne(input, bases, 'served', 'the model vLLM serves', 'vLLM lists no model');
  const model = choice.ok ? choice.model : undefined;
  const entry = entries.find((candidate) => candidate.id === model) ?? entries[0];
  const contextTokens = positive(entry?.max_model_len) ?? null;
  return {
    ...NOTHING,
    choice,
    contextTokens,
    contextSource: contextTokens === null ? null : 'vLLM /v1/models max_model_len',
  };
}

/**
 * LM Studio lists every downloaded model (Just-In-Time loading is on by
 * default); `/api/v0/models` says which are loaded (`state`) and which are
 * embedding models (`type`). Its docs: `1_developer/2_rest/endpoints.mdx`.
 */
export async function inspectLmStudio(input: InspectionInput): Promise<Findings> {
  const answer = await input.client.get('/api/v0/models');
  const entries = listEntries(answer?.data);
  const chat = entries.filter((entry) => entry.type === 'llm' || entry.type === 'vlm');
  const loaded = chat.filter((entry) => entry.state === 'loaded').map((entry) => String(entry.id));
  const choice =
    loaded.length === 1 || input.configured !== null
      ? pickOne(input, loaded, 'loaded', 'the one chat model LM Studio has loaded', '')
      : pickOne(
          input,
          chat.map((entry) => String(entry.id)),
          'only-model',
          'the only chat model LM Studio has',
          'LM Studio has no chat model',
        );
  const model = choice.ok ? choice.model : undefined;
  const entry = entries.find((candidate) => candidate.id === model);
  const contextTokens = positive(entry?.loaded_context_length) ?? positive(entry?.max_context_length) ?? null;
  return {
    ...NOTHING,
    choice,
    contextTokens,
    contextSource: contextTokens === null ? null : 'LM Studio /api/v0/models',
  };
}

/**
 * Any other OpenAI-compatible server: when it lists one model (not named
 * like an embedding model), that is the one; otherwise it must be set.
 */
export function inspectOther(input: InspectionInput): Findings {
  const chat = input.listed.filter((id) => !EMBEDDING_NAME.test(id));
  return {
    ...NOTHING,
    choice: pickOne(input, chat, 'only-model', 'the only model the server lists', 'the server lists no chat model'),
  };
}
