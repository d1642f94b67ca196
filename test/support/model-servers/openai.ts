import { created, json, type FlavorBehaviour } from './flavor.js';
import { promptTokensOf } from './tokens.js';

/**
 * OpenAI's API (platform.openai.com API reference): every path needs the key, and a wrong
 * one is a 401 `invalid_api_key` whose message names the key that was sent (the fake names it
 * in full, to prove steward's logs and replies blank it out); the model list holds the
 * account's models; a prompt over the model's context is a 400 `context_length_exceeded`
 * ("This model's maximum context length is … tokens"). The fake account has every model, and
 * answers as the `model` it was started with (OpenAI too names a model of its own: a dated variant).
 */
export const openai: FlavorBehaviour = {
  name: 'openai',
  route(state, method, path) {
    if (method === 'GET' && path === '/v1/models')
      return json(200, {
        object: 'list',
        data: [...new Set([state.model, 'gpt-4o', 'gpt-4o-mini', 'text-embedding-3-small'])].map((id) => ({
          id,
          object: 'model',
          created: created(),
          owned_by: 'system',
        })),
      });
    return undefined;
  },
  needsKey: () => true,
  unauthorized: (sent) =>
    json(401, {
      error: {
        message: `Incorrect API key provided: ${sent}.`,
        type: 'invalid_request_error',
        param: null,
        code: 'invalid_api_key',
      },
    }),
  chat(state, request) {
    const tokens = promptTokensOf(request);
    if (tokens > state.contextTokens)
      return {
        answer: json(400, {
          error: {
            message: `This model's maximum context length is ${state.contextTokens} tokens. However, your messages resulted in ${tokens} tokens. Please reduce the length of the messages.`,
            type: 'invalid_request_error',
            param: 'messages',
            code: 'context_length_exceeded',
          },
        }),
      };
    return { model: state.model }; // OpenAI answers with a dated name of its own; the fake with its `model`
  },
  embeddings: () => undefined,
  sse: {},
  notFound: (method, path) =>
    json(404, {
      error: { message: `Invalid URL (${method} ${path})`, type: 'invalid_request_error', param: null, code: null },
    }),
  whileLoading: undefined,
};
