import { created, json, known, type FlavorBehaviour } from './flavor.js';

/**
 * exo, as read in exo-explore/exo @ b5375f8c (after v1.0.71), `src/exo/api/main.py` and
 * `src/exo/api/keepalive.py`:
 *
 * - `GET /v1/models` lists the whole model-card catalogue, running or not, `owned_by: "exo"`,
 *   each with its `context_length` (`get_models`); nothing says which ones run;
 * - `GET /ollama/api/ps` lists one entry per model with a running instance (`ollama_ps`);
 * - a chat request for a model without a running instance is a 404 "No instance found for
 *   model …" (`_validate_model_has_instance`, `http_exception_handler`);
 * - a streamed answer starts with a `: keep-alive` comment and gets another after every 10 s
 *   without an item (`with_sse_keepalive`), so a wedged generation sends comments for ever;
 * - no API key, no embeddings endpoint; an unknown path is FastAPI's 404 `{"detail": "Not Found"}`.
 */
export const exo: FlavorBehaviour = {
  name: 'exo',
  route(state, method, path) {
    if (method === 'GET' && (path === '/v1/models' || path === '/models'))
      return json(200, {
        object: 'list',
        data: state.models.map((model) => ({
          id: model.id,
          object: 'model',
          created: created(),
          owned_by: 'exo',
          hugging_face_id: model.id,
          name: model.id.split('/').pop(),
          description: '',
          context_length: model.trainedContext,
          tags: [],
          storage_size_megabytes: 4800,
          supports_tensor: true,
          tasks: ['TextGeneration'],
          is_custom: false,
          family: 'qwen',
          quantization: '4bit',
          base_model: model.id,
          capabilities: [],
          reasoning_dialect: null,
        })),
      });
    if (method === 'GET' && path === '/ollama/api/ps')
      return json(200, {
        models: state.models
          .filter((model) => model.loaded)
          .map((model) => ({
            name: model.id,
            model: model.id,
            size: 0,
            digest: '',
            details: {},
            expires_at: null,
            size_vram: 0,
          })),
      });
    return undefined;
  },
  needsKey: () => false,
  unauthorized: () => json(401, { detail: 'Unauthorized' }),
  chat(state, request) {
    const model = known(state, request.model);
    if (model === undefined || !model.loaded)
      return {
        answer: json(404, {
          error: {
            message: `No instance found for model ${request.model ?? ''}`,
            type: 'Not Found',
            param: null,
            code: 404,
          },
        }),
      };
    return { model: model.id };
  },
  embeddings: () => json(404, { detail: 'Not Found' }),
  sse: { atStart: ': keep-alive\n\n', silence: { comment: ': keep-alive\n\n', everyMs: 10_000 } },
  notFound: () => json(404, { detail: 'Not Found' }),
  whileLoading: undefined,
};
