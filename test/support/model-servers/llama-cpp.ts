import { created, json, type FlavorBehaviour, type FlavorState } from './flavor.js';
import { embeddingTokensOf, promptTokensOf } from './tokens.js';

/**
 * llama.cpp's `llama-server` in single-model mode, current build, as read in
 * ggml-org/llama.cpp `tools/server/server-http.cpp`, `server.cpp`,
 * `server-context.cpp` (@ 00dd0816 / 001d906a) and `tools/server/README.md`
 * (@ 00dc8057):
 *
 * - `GET /v1/models` lists exactly one model, the one served, with
 *   `owned_by: "llamacpp"` and `meta.n_ctx` (server-context.cpp, the models handler);
 * - `GET /props` has `default_generation_settings.n_ctx` (README "GET /props");
 * - `/health`, `/v1/health`, `/models`, `/v1/models` and `/` are public: no
 *   API key check (server-http.cpp `get_public_endpoints`), so a wrong key
 *   passes the model list and fails every chat with 401 "Invalid API Key";
 * - until the model is loaded every route answers 503 "Loading model", before the key check
 *   (server-http.cpp `middleware_server_state`);
 * - a prompt longer than `n_ctx` gets 400 `exceed_context_size_error` with the counts
 *   (server-context.cpp `update_slots`, `format_error_response`);
 * - tools without `--jinja` (on by default now; `--no-jinja` turns it off) get HTTP 500
 *   "tools param requires --jinja flag": a `std::runtime_error` from `oaicompat_chat_params_parse`,
 *   which `ex_wrapper` answers as `server_error` (server-common.cpp, server.cpp);
 * - an embeddings input longer than the physical batch (`-ub`, 512 by default; `--embeddings`
 *   sets n_batch = n_ubatch) gets HTTP 500 "input (N tokens) is too large to process. increase the
 *   physical batch size (current batch size: 512)" (server-context.cpp);
 * - the model name of a chat request is not checked in single-model mode: the one model answers;
 * - streamed answers get an SSE comment after 30 s of silence (`--sse-ping-interval`, default 30);
 *   the comment's text is not confirmed from source, so it is a bare `: ping`.
 */
export const llamaCpp: FlavorBehaviour = {
  name: 'llama.cpp',
  route(state, method, path) {
    if (method !== 'GET') return undefined;
    if (path === '/health' || path === '/v1/health') return json(200, { status: 'ok' });
    if (path === '/v1/models' || path === '/models') return json(200, modelList(state));
    if (path === '/props') return json(200, props(state));
    return undefined;
  },
  needsKey: (path) => !['/health', '/v1/health', '/models', '/v1/models', '/'].includes(path),
  unauthorized: () => json(401, { error: { message: 'Invalid API Key', type: 'authentication_error', code: 401 } }),
  chat(state, request) {
    if (Array.isArray(request.tools) && request.tools.length > 0 && !state.jinja)
      return {
        answer: json(500, { error: { code: 500, message: 'tools param requires --jinja flag', type: 'server_error' } }),
      };
    const tokens = promptTokensOf(request);
    if (tokens > state.contextTokens)
      return {
        answer: json(400, {
          error: {
            code: 400,
            message: `request (${tokens} tokens) exceeds the available context size (${state.contextTokens} tokens), try increasing it`,
            type: 'exceed_context_size_error',
            n_prompt_tokens: tokens,
            n_ctx: state.contextTokens,
          },
        }),
      };
    return { model: state.model };
  },
  embeddings(state, _model, inputs) {
    const largest = Math.max(0, ...inputs.map(embeddingTokensOf));
    if (largest <= state.embeddingBatchTokens) return undefined;
    return json(500, {
      error: {
        code: 500,
        message: `input (${largest} tokens) is too large to process. increase the physical batch size (current batch size: ${state.embeddingBatchTokens})`,
        type: 'server_error',
      },
    });
  },
  sse: { silence: { comment: ': ping\n\n', everyMs: 30_000 } },
  notFound: () => json(404, { error: { message: 'File Not Found', type: 'not_found_error', code: 404 } }),
  whileLoading: json(503, { error: { message: 'Loading model', type: 'unavailable_error', code: 503 } }),
};

function modelList(state: FlavorState): unknown {
  const meta = {
    vocab_type: 2,
    n_vocab: 151_936,
    n_ctx: state.contextTokens,
    n_ctx_train: Math.max(state.contextTokens, 32_768),
    n_embd: 4096,
    n_params: 8_190_735_360,
    size: 5_027_783_488,
    ftype: 15,
  };
  return {
    models: [
      {
        name: state.model,
        model: state.model,
        modified_at: '',
        size: '',
        digest: '',
        type: 'model',
        description: '',
        tags: [''],
        capabilities: ['completion'],
        parameters: '',
        details: {
          parent_model: '',
          format: 'gguf',
          family: '',
          families: [''],
          parameter_size: '',
          quantization_level: '',
        },
      },
    ],
    object: 'list',
    data: [{ id: state.model, aliases: [], tags: [], object: 'model', created: created(), owned_by: 'llamacpp', meta }],
  };
}

function props(state: FlavorState): unknown {
  return {
    default_generation_settings: {
      id: 0,
      id_task: -1,
      n_ctx: state.contextTokens,
      speculative: false,
      is_processing: false,
      params: { n_predict: -1, temperature: 0.8 },
    },
    total_slots: 1,
    model_alias: state.model,
    model_path: `/models/${state.model}.gguf`,
    modalities: { vision: false, audio: false },
    chat_template: '{{ messages }}',
    chat_template_caps: { supports_tools: state.jinja, supports_tool_calls: state.jinja },
    bos_token: '<|im_start|>',
    eos_token: '<|im_end|>',
    build_info: 'b9000-00dd0816',
    is_sleeping: false,
  };
}
