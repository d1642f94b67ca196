import { created, json, known, type FlavorBehaviour, type FlavorState } from './flavor.js';
import { messageTokens, promptTokensOf } from './tokens.js';
import type { ChatMessage, KnownModel } from './types.js';

/**
 * Ollama, as read in ollama/ollama @ fb307609 (v0.33.0-rc2 line):
 *
 * - `GET /v1/models` lists every pulled model, most recently modified first, with no
 *   capability or type marker (`server/routes.go` ListHandler, `openai.ToListCompletion`,
 *   `server/model_list_cache.go`): an embedding model pulled last comes first;
 * - `GET /api/tags` has `capabilities` (since v0.30.0); `POST /api/show` has `capabilities`
 *   and `model_info.<arch>.context_length`; `GET /api/ps` lists the loaded models with the
 *   `context_length` they run with (`PsHandler`, `api.ProcessModelResponse`);
 * - the OpenAI endpoint cannot set `num_ctx`, and past it the prompt is shortened without a
 *   word: whole messages dropped from the front, keeping the system messages and the last one
 *   (`server/prompt.go` chatPrompt), then the rest cut (`llm/llama_server.go`, context shift);
 *   the answer is a 200. The fake's `num_ctx` is 4096, Ollama's default below 23 GiB of VRAM
 *   (v0.16+, "default: 4k/32k/256k based on VRAM"; 4096 from v0.7 to v0.15);
 * - a model that is not pulled: 404 "model \"x\" not found, try pulling it first"; an
 *   embedding-only model asked to chat: 400 "\"x\" does not support chat"; tools for a model
 *   whose template has none: 400 "… does not support tools" (`server/routes.go`
 *   handleScheduleError, `server/images.go` errCapabilities), wrapped by `openai.NewError`;
 * - a chat request, or `POST /api/generate` with an empty prompt, loads its model (it then
 *   shows in `/api/ps`); no API key.
 */
export const ollama: FlavorBehaviour = {
  name: 'ollama',
  route(state, method, path, body) {
    if (method === 'GET' && path === '/') return { status: 200, text: 'Ollama is running', contentType: 'text/plain' };
    if (method === 'GET' && path === '/api/version') return json(200, { version: '0.32.15' });
    if (method === 'GET' && path === '/v1/models')
      return json(200, {
        object: 'list',
        data: state.models.map((model) => ({ id: model.id, object: 'model', created: created(), owned_by: 'library' })),
      });
    if (method === 'GET' && path === '/api/tags')
      return json(200, { models: state.models.map((model) => ({ ...tag(model), capabilities: capabilities(model) })) });
    if (method === 'GET' && path === '/api/ps')
      return json(200, {
        models: state.models
          .filter((model) => model.loaded)
          .map((model) => ({
            ...tag(model),
            expires_at: '2026-11-21T08:05:00Z',
            size_vram: 5_000_000_000,
            context_length: contextOf(state, model),
          })),
      });
    if (method === 'POST' && path === '/api/generate') {
      // An empty prompt only loads the model ("the model will be loaded into memory", docs/api.md).
      const asked = (JSON.parse(body || '{}') as { model?: string }).model;
      const model = known(state, asked);
      if (model === undefined) return json(404, { error: `model '${asked ?? ''}' not found` });
      if (!model.loaded) {
        model.loaded = true;
        state.loads.push(model.id);
      }
      return json(200, {
        model: model.id,
        created_at: '2026-11-21T08:00:00Z',
        response: '',
        done: true,
        done_reason: 'load',
      });
    }
    if (method === 'POST' && path === '/api/show') {
      const asked = (JSON.parse(body || '{}') as { model?: string; name?: string }).model;
      const model = known(state, asked);
      if (model === undefined) return json(404, { error: `model '${asked ?? ''}' not found` });
      return json(200, {
        details: tag(model).details,
        model_info: {
          'general.architecture': family(model),
          [`${family(model)}.context_length`]: model.trainedContext,
        },
        capabilities: capabilities(model),
        modified_at: '2026-11-01T10:00:00Z',
      });
    }
    return undefined;
  },
  needsKey: () => false,
  unauthorized: () => json(401, { error: 'unauthorized' }),
  chat(state, request) {
    const model = known(state, request.model);
    if (model === undefined)
      return {
        answer: openAiError(404, `model "${request.model ?? ''}" not found, try pulling it first`, 'not_found_error'),
      };
    if (model.kind === 'embedding')
      return { answer: openAiError(400, `"${model.id}" does not support chat`, 'invalid_request_error') };
    if (Array.isArray(request.tools) && request.tools.length > 0 && !model.tools)
      return {
        answer: openAiError(
          400,
          `registry.ollama.ai/library/${model.id} does not support tools`,
          'invalid_request_error',
        ),
      };
    if (!model.loaded) {
      model.loaded = true;
      state.loads.push(model.id);
    }
    return { model: model.id, messages: fitSilently(state, model, request.messages, promptTokensOf(request)) };
  },
  embeddings(state, model) {
    if (known(state, model) === undefined)
      return openAiError(404, `model "${model ?? ''}" not found, try pulling it first`, 'not_found_error');
    return undefined; // inputs longer than the context are cut silently (truncate defaults to true)
  },
  sse: {},
  notFound: () => ({ status: 404, text: '404 page not found', contentType: 'text/plain' }),
  whileLoading: undefined,
};

function openAiError(status: number, message: string, type: string): ReturnType<typeof json> {
  return json(status, { error: { message, type, param: null, code: null } });
}

function family(model: KnownModel): string {
  return model.kind === 'embedding' ? 'nomic-bert' : 'qwen3';
}

function capabilities(model: KnownModel): string[] {
  if (model.kind === 'embedding') return ['embedding'];
  return model.tools ? ['completion', 'tools'] : ['completion'];
}

function tag(model: KnownModel): Record<string, unknown> {
  return {
    name: model.id,
    model: model.id,
    modified_at: '2026-11-01T10:00:00Z',
    size: 5_000_000_000,
    digest: 'sha256:0000',
    details: {
      parent_model: '',
      format: 'gguf',
      family: family(model),
      families: [family(model)],
      parameter_size: model.kind === 'embedding' ? '137M' : '8.2B',
      quantization_level: 'Q4_K_M',
    },
  };
}

/** The context a loaded model runs with: `num_ctx`, at most what it was trained for (`server/sched.go`). */
function contextOf(state: FlavorState, model: KnownModel): number {
  return Math.min(state.contextTokens, model.trainedContext);
}

/** What Ollama keeps of a prompt that does not fit, recording what it dropped. */
function fitSilently(
  state: FlavorState,
  model: KnownModel,
  messages: readonly ChatMessage[],
  promptTokens: number,
): ChatMessage[] {
  const limit = contextOf(state, model);
  if (promptTokens <= limit) return [...messages];
  const kept = [...messages];
  let total = promptTokens;
  let dropped = 0;
  // Keep every system message and the last message; drop the oldest of the rest first.
  for (let index = 0; index < kept.length - 1 && total > limit;) {
    const message = kept[index] as ChatMessage;
    if (message.role === 'system') {
      index += 1;
      continue;
    }
    total -= messageTokens(message);
    kept.splice(index, 1);
    dropped += 1;
  }
  state.truncations.push({
    promptTokens,
    contextTokens: limit,
    droppedMessages: dropped,
    droppedTokens: Math.max(0, total - limit),
  });
  return kept;
}
