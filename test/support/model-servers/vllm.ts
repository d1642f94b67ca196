import { created, json, type FlavorBehaviour } from './flavor.js';
import { promptTokensOf } from './tokens.js';

/**
 * vLLM's OpenAI server, as read in vllm-project/vllm (`vllm/renderers/params.py` @ 017638d7;
 * `OpenAIServingModels.show_available_models`; the `authentication` middleware):
 *
 * - `GET /v1/models` lists the served model (`--served-model-name`, default the `--model`)
 *   with `owned_by: "vllm"`, `root`, `parent: null` and `max_model_len`, the context size;
 * - with `--api-key` every path under `/v1` needs it (401 `{"error": "Unauthorized"}`), the
 *   model list included; `/health` does not;
 * - a prompt that does not fit is a 400: "You passed N input tokens and requested M output
 *   tokens. However, the model's context length is only X tokens, resulting in a maximum input
 *   length of Y tokens. Please reduce the length of the input prompt." (`TokenizeParams._token_len_check`);
 * - another model name is a 404 "The model `x` does not exist.".
 */
export const vllm: FlavorBehaviour = {
  name: 'vllm',
  route(state, method, path) {
    if (method === 'GET' && path === '/health') return { status: 200, text: '', contentType: 'text/plain' };
    if (method === 'GET' && path === '/v1/models')
      return json(200, {
        object: 'list',
        data: [
          {
            id: state.model,
            object: 'model',
            created: created(),
            owned_by: 'vllm',
            root: state.model,
            parent: null,
            max_model_len: state.contextTokens,
            permission: [],
          },
        ],
      });
    return undefined;
  },
  needsKey: (path) => path.startsWith('/v1'),
  unauthorized: () => json(401, { error: 'Unauthorized' }),
  chat(state, request) {
    if (request.model !== state.model)
      return {
        answer: json(404, {
          error: {
            message: `The model \`${request.model ?? ''}\` does not exist.`,
            type: 'NotFoundError',
            param: 'model',
            code: 404,
          },
        }),
      };
    const tokens = promptTokensOf(request);
    const output = typeof request.max_tokens === 'number' ? request.max_tokens : 1;
    if (tokens + output > state.contextTokens)
      return {
        answer: json(400, {
          error: {
            message: `You passed ${tokens} input tokens and requested ${output} output tokens. However, the model's context length is only ${state.contextTokens} tokens, resulting in a maximum input length of ${state.contextTokens - output} tokens. Please reduce the length of the input prompt.`,
            type: 'BadRequestError',
            param: 'input_tokens',
            code: 400,
          },
        }),
      };
    return { model: state.model };
  },
  embeddings: () => undefined,
  sse: {},
  notFound: () => json(404, { detail: 'Not Found' }),
  whileLoading: undefined,
};
