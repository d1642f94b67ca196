import { created, json, known, type FlavorBehaviour } from './flavor.js';

/**
 * mlx_lm.server, as read in ml-explore/mlx-lm `mlx_lm/server.py` @ d78bf58e (after v0.31.3):
 *
 * - `GET /v1/models` lists every MLX-looking model in the Hugging Face cache, as `{id, object,
 *   created}` with no `owned_by` (`handle_models_request`, `scan_cache_dir`, a frozenset: no
 *   order), and appends the served model last only when `--model` is a local path; nothing says
 *   which one is served;
 * - a request without `model`, or with `"default_model"`, runs on `--model`
 *   (`ModelProvider._model_map["default_model"]`); a request naming another model unloads the
 *   served one and loads that one (`ModelProvider.load` / `_load`: "Remove the old model if it
 *   exists"), downloading it if it is not cached; a load that fails is a 404 `{"error": …}`
 *   (`handle_completion`);
 * - while it processes the prompt it writes `: keepalive N/M` SSE comments (`keepalive_callback`);
 * - `GET /health` is `{"status": "ok"}` always; no API key, no context check, no embeddings;
 *   any other path is a 404 with the body `Not Found`.
 */
export const mlx: FlavorBehaviour = {
  name: 'mlx',
  route(state, method, path) {
    if (method === 'GET' && path === '/health')
      return { status: 200, text: '{"status": "ok"}', contentType: 'application/json' };
    if (method === 'GET' && path.startsWith('/v1/models')) {
      const listed = state.models.filter((model) => model.id !== state.model || !isLocalPath(state.model));
      const data = listed.map((model) => ({ id: model.id, object: 'model', created: created() }));
      if (isLocalPath(state.model)) data.push({ id: state.model, object: 'model', created: created() });
      return json(200, { object: 'list', data });
    }
    return undefined;
  },
  needsKey: () => false,
  unauthorized: () => json(401, { error: 'unauthorized' }),
  chat(state, request) {
    const asked = request.model === undefined || request.model === 'default_model' ? state.model : request.model;
    const served = state.models.find((model) => model.loaded);
    if (served?.id === asked) return { model: asked };
    // Another model: the served one is unloaded first, then the asked one loaded (or downloaded).
    for (const model of state.models) model.loaded = false;
    const wanted = known(state, asked);
    if (wanted === undefined && asked !== state.model)
      return {
        answer: json(404, {
          error: `Repository Not Found for url: https://huggingface.co/api/models/${asked}/revision/main.`,
        }),
      };
    if (wanted !== undefined) wanted.loaded = true;
    state.loads.push(asked);
    return { model: asked };
  },
  embeddings: () => ({ status: 404, text: 'Not Found', contentType: 'application/json' }),
  sse: { progress: (processed, total) => `: keepalive ${processed}/${total}\n\n` },
  notFound: () => ({ status: 404, text: 'Not Found', contentType: 'application/json' }),
  whileLoading: undefined,
};

function isLocalPath(model: string): boolean {
  return model.startsWith('/');
}
