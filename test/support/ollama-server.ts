import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { listen, readBody, sendJson } from './http.js';
import { fakeEmbedding } from './openai-server.js';

/**
 * A local HTTP server that behaves like Ollama (ollama/ollama, v0.30+), for
 * `steward init` to discover and for the turns it then serves. Each
 * behaviour names its source (`real-servers.md` §4 read them at HEAD
 * `fb307609`):
 * - `GET /` answers 200 `Ollama is running` (server/routes.go);
 * - `GET /api/tags` lists the pulled models, most recently modified first
 *   (server/model_list_cache.go), with `capabilities` and
 *   `details.context_length`/`embedding_length` since v0.30.0 (before that,
 *   none: set `version` below 0.30 to get the old list);
 * - `POST /api/show` gives a model's `capabilities` (since v0.6.4);
 * - `GET /api/ps` lists only loaded models; a request loads its model;
 * - `GET /v1/models` has no capability marker, `owned_by` the namespace
 *   (openai/openai.go `ToListCompletion`);
 * - chat with an embedding-only model is 400 `"x" does not support chat`,
 *   an unknown model 404 `model "x" not found, try pulling it first`, both
 *   in the OpenAI error shape (openai/openai.go `NewError`).
 */

/** One pulled model. */
export interface OllamaModel {
  /** Name with tag, for example `qwen3:8b`. */
  name: string;
  /** `completion` (chat, with `tools`) or `embedding`. */
  capability: 'completion' | 'embedding';
  /** `8.2B`, `137M`. */
  parameterSize: string;
  /** Family, for example `qwen3` or `nomic-bert`. */
  family: string;
  /** Embedding size (embedding models), default 8. */
  dimensions?: number;
}

/** Options of {@link startOllamaServer}. */
export interface OllamaServerOptions {
  /** The pulled models, most recently modified first. */
  models: OllamaModel[];
  /** The version it reports (default `0.30.0`); below 0.30 the tag list has no capabilities. */
  version?: string;
}

/** A running fake Ollama. */
export interface OllamaServer {
  /** Its root, `http://127.0.0.1:<port>` (the OpenAI base URL is this plus `/v1`). */
  root: string;
  /** Every chat request body, in order. */
  chatRequests: Array<{ model: string; messages: Array<{ role: string; content: unknown }>; stream?: boolean }>;
  /** Every embeddings request body, in order. */
  embeddingRequests: Array<{ model: string; input: string[] }>;
  /** Stop it. */
  close(): Promise<void>;
}

function versionAtLeast(version: string, major: number, minor: number): boolean {
  const [first = 0, second = 0] = version.split('.').map(Number);
  return first > major || (first === major && second >= minor);
}

function openAIError(response: ServerResponse, status: number, message: string): void {
  const type = status === 404 ? 'not_found_error' : status === 400 ? 'invalid_request_error' : 'api_error';
  sendJson(response, status, { error: { message, type, param: null, code: null } });
}

/**
 * Start the fake Ollama on 127.0.0.1 and a free port.
 * @param options - its models and version
 */
export async function startOllamaServer(options: OllamaServerOptions): Promise<OllamaServer> {
  const version = options.version ?? '0.30.0';
  const loaded = new Set<string>();
  const modifiedAt = new Date('2026-11-01T10:00:00Z');
  const state: OllamaServer = { root: '', chatRequests: [], embeddingRequests: [], close: () => Promise.resolve() };
  const find = (name: unknown): OllamaModel | undefined => options.models.find((model) => model.name === name);
  const details = (model: OllamaModel): Record<string, unknown> => ({
    parent_model: '',
    format: 'gguf',
    family: model.family,
    families: [model.family],
    parameter_size: model.parameterSize,
    quantization_level: 'Q4_K_M',
    ...(versionAtLeast(version, 0, 30)
      ? model.capability === 'embedding'
        ? { embedding_length: model.dimensions ?? 8 }
        : { context_length: 40960 }
      : {}),
  });
  const capabilities = (model: OllamaModel): string[] =>
    model.capability === 'embedding' ? ['embedding'] : ['completion', 'tools'];

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const body = await readBody(request);
    const path = (request.url ?? '').replace(/\?.*$/, '');
    if (request.method === 'GET' && path === '/') {
      response.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
      response.end('Ollama is running');
      return;
    }
    if (request.method === 'GET' && path === '/api/version') return sendJson(response, 200, { version });
    if (request.method === 'GET' && path === '/api/tags')
      return sendJson(response, 200, {
        models: options.models.map((model) => ({
          name: model.name,
          model: model.name,
          modified_at: modifiedAt.toISOString(),
          size: Math.round(
            Number.parseFloat(model.parameterSize) * (model.parameterSize.endsWith('M') ? 1e6 : 1e9) * 0.6,
          ),
          digest: 'sha256:0000',
          details: details(model),
          ...(versionAtLeast(version, 0, 30) ? { capabilities: capabilities(model) } : {}),
        })),
      });
    if (request.method === 'POST' && path === '/api/show') {
      const model = find((JSON.parse(body || '{}') as { model?: string; name?: string }).model);
      if (model === undefined) return sendJson(response, 404, { error: 'model not found' });
      return sendJson(response, 200, { details: details(model), capabilities: capabilities(model), model_info: {} });
    }
    if (request.method === 'GET' && path === '/api/ps')
      return sendJson(response, 200, {
        models: options.models
          .filter((model) => loaded.has(model.name))
          .map((model) => ({
            name: model.name,
            model: model.name,
            size: 1,
            digest: 'sha256:0000',
            details: details(model),
            context_length: 4096,
          })),
      });
    if (request.method === 'GET' && path === '/v1/models')
      return sendJson(response, 200, {
        object: 'list',
        data: options.models.map((model) => ({
          id: model.name,
          object: 'model',
          created: Math.floor(modifiedAt.getTime() / 1000),
          owned_by: 'library',
        })),
      });
    if (request.method === 'POST' && path === '/v1/embeddings') {
      const parsed = JSON.parse(body) as { model: string; input: string | string[] };
      const input = Array.isArray(parsed.input) ? parsed.input : [parsed.input];
      state.embeddingRequests.push({ model: parsed.model, input });
      const model = find(parsed.model);
      if (model === undefined)
        return openAIError(response, 404, `model "${parsed.model}" not found, try pulling it first`);
      loaded.add(model.name);
      return sendJson(response, 200, {
        object: 'list',
        model: model.name,
        data: input.map((text, index) => ({
          object: 'embedding',
          index,
          embedding: fakeEmbedding(text, model.dimensions ?? 8),
        })),
        usage: { prompt_tokens: input.length, total_tokens: input.length },
      });
    }
    if (request.method === 'POST' && path === '/v1/chat/completions') {
      const parsed = JSON.parse(body) as OllamaServer['chatRequests'][number];
      state.chatRequests.push(parsed);
      const model = find(parsed.model);
      if (model === undefined)
        return openAIError(response, 404, `model "${parsed.model}" not found, try pulling it first`);
      if (model.capability === 'embedding') return openAIError(response, 400, `"${model.name}" does not support chat`);
      loaded.add(model.name);
      const last = parsed.messages[parsed.messages.length - 1];
      const text = `Hello from ${model.name}. You said: ${typeof last?.content === 'string' ? last.content : ''}`;
      const created = Math.floor(Date.now() / 1000);
      if (parsed.stream !== true)
        return sendJson(response, 200, {
          id: 'chatcmpl-1',
          object: 'chat.completion',
          created,
          model: model.name,
          system_fingerprint: 'fp_ollama',
          choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }],
          usage: { prompt_tokens: 10, completion_tokens: 8, total_tokens: 18 },
        });
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      const chunk = (delta: Record<string, unknown>, finish: string | null): void => {
        response.write(
          `data: ${JSON.stringify({ id: 'chatcmpl-1', object: 'chat.completion.chunk', created, model: model.name, system_fingerprint: 'fp_ollama', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`,
        );
      };
      for (const word of text.split(/(?<= )/)) chunk({ role: 'assistant', content: word }, null);
      chunk({ role: 'assistant', content: '' }, 'stop');
      response.end('data: [DONE]\n\n');
      return;
    }
    response.writeHead(404, { 'content-type': 'text/plain' });
    response.end('404 page not found');
  }

  const server = createServer((request, response) => {
    void handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) sendJson(response, 500, { error: String(error) });
    });
  });
  const listening = await listen(server);
  state.root = `http://127.0.0.1:${listening.port}`;
  state.close = listening.close;
  return state;
}
