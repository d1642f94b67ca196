import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { listen, sendJson } from './http.js';

/**
 * Local servers that answer the model-list requests of `steward init` the
 * way the real servers do (only those routes; chat is not served). The
 * facts come from the research notes on the real servers, which read
 * each project's source:
 * - LM Studio (docs repo lmstudio-ai/docs `1_developer/2_rest/endpoints.mdx`):
 *   `/v1/models` lists every downloaded model (JIT loading on by default);
 *   `/api/v0/models` adds `type` (`llm`, `vlm`, `embeddings`) and `state`;
 * - llama.cpp (`tools/server/server-context.cpp`): one served model,
 *   `owned_by: "llamacpp"`, `meta.n_params`; `/health` `{"status":"ok"}`;
 * - mlx_lm.server (`mlx_lm/server.py` `handle_models_request`): every
 *   cached repo as `{id, object, created}` with no `owned_by`; `/health`
 *   `{"status": "ok"}`; 404 `Not Found` elsewhere;
 * - exo (`src/exo/api/main.py` `get_models`, `ollama_ps`): the whole
 *   catalogue with `owned_by: "exo"`; `/ollama/api/ps` the running ones.
 */

/** Which server to be. */
export type ListingServer = 'lmstudio' | 'llamacpp' | 'mlx' | 'exo';

type Route = (request: IncomingMessage, response: ServerResponse) => boolean;

function routes(kind: ListingServer): Route {
  const created = 1_763_700_000;
  return (request, response) => {
    const path = (request.url ?? '').replace(/\?.*$/, '');
    if (kind === 'lmstudio') {
      const models = [
        { id: 'qwen2.5-7b-instruct', type: 'llm', state: 'loaded' },
        { id: 'qwen2.5-32b-instruct', type: 'llm', state: 'not-loaded' },
        { id: 'text-embedding-nomic-embed-text-v1.5', type: 'embeddings', state: 'not-loaded' },
      ];
      if (path === '/v1/models')
        return (
          sendJson(response, 200, {
            object: 'list',
            data: models.map(({ id }) => ({ id, object: 'model', owned_by: 'organization_owner' })),
          }),
          true
        );
      if (path === '/api/v0/models')
        return (
          sendJson(response, 200, {
            object: 'list',
            data: models.map((model) => ({
              ...model,
              object: 'model',
              publisher: 'lmstudio-community',
              arch: 'qwen2',
              compatibility_type: 'gguf',
              quantization: 'Q4_K_M',
              max_context_length: 32768,
            })),
          }),
          true
        );
      return false;
    }
    if (kind === 'llamacpp') {
      if (path === '/health') return (sendJson(response, 200, { status: 'ok' }), true);
      if (path === '/v1/models')
        return (
          sendJson(response, 200, {
            object: 'list',
            data: [
              {
                id: 'qwen2.5-7b-instruct-q4_k_m.gguf',
                object: 'model',
                created,
                owned_by: 'llamacpp',
                meta: { n_params: 7_615_616_512, n_ctx_train: 32768 },
              },
            ],
          }),
          true
        );
      return false;
    }
    if (kind === 'mlx') {
      if (path === '/health') return (sendJson(response, 200, { status: 'ok' }), true);
      if (path === '/v1/models')
        return (
          sendJson(response, 200, {
            object: 'list',
            data: ['mlx-community/Qwen2.5-7B-Instruct-4bit', 'mlx-community/Llama-3.2-3B-Instruct-4bit'].map((id) => ({
              id,
              object: 'model',
              created,
            })),
          }),
          true
        );
      return false;
    }
    if (path === '/v1/models' || path === '/models')
      return (
        sendJson(response, 200, {
          object: 'list',
          data: [
            'mlx-community/Llama-3.3-70B-Instruct-4bit',
            'mlx-community/Qwen3-30B-A3B-4bit',
            'mlx-community/DeepSeek-V3-4bit',
          ].map((id) => ({ id, object: 'model', created, owned_by: 'exo', tasks: ['TextGeneration'] })),
        }),
        true
      );
    if (path === '/ollama/api/ps')
      return (
        sendJson(response, 200, {
          models: [{ name: 'mlx-community/Qwen3-30B-A3B-4bit', model: 'mlx-community/Qwen3-30B-A3B-4bit', size: 0 }],
        }),
        true
      );
    return false;
  };
}

/**
 * Start a listing server on 127.0.0.1 and a free port.
 * @param kind - which server to be
 * @returns its root URL and how to stop it
 */
export async function startListingServer(kind: ListingServer): Promise<{ root: string; close: () => Promise<void> }> {
  const route = routes(kind);
  const server = createServer((request, response) => {
    if (route(request, response)) return;
    // mlx_lm.server: 404 with the bytes "Not Found"; the others a JSON 404.
    if (kind === 'mlx') {
      response.writeHead(404, { 'content-type': 'application/json' });
      response.end('Not Found');
      return;
    }
    sendJson(response, 404, { error: { message: 'File Not Found', type: 'not_found_error', code: 404 } });
  });
  const listening = await listen(server);
  return { root: `http://127.0.0.1:${listening.port}`, close: listening.close };
}
