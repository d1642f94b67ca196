import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { listen, readBody, sendJson } from './http.js';

/**
 * A local HTTP server that speaks the OpenAI protocol as mlx_lm.server,
 * llama.cpp and Ollama do: `GET /v1/models`, `POST /v1/chat/completions`
 * (streamed SSE or JSON, with tool calls) and `POST /v1/embeddings`. It is a
 * fake at the network boundary only: steward's real code talks to it over
 * HTTP.
 */

/** A chat message as the client sent it. */
export interface ChatMessage {
  role: string;
  content: string | null | Array<{ type: string; text?: string }>;
  tool_calls?: Array<{ id: string; function: { name: string; arguments: string } }>;
  tool_call_id?: string;
  name?: string;
}

/** A recorded chat request. */
export interface ChatRequest {
  model: string;
  messages: ChatMessage[];
  stream?: boolean;
  tools?: Array<{ type: string; function: { name: string; description?: string; parameters?: unknown } }>;
  [key: string]: unknown;
}

/** What the server answers to one chat request. */
export interface ScriptedReply {
  /** Text of the answer (streamed word by word). */
  content?: string;
  /** Tool calls to make instead of (or before) text. */
  toolCalls?: Array<{ name: string; arguments: Record<string, unknown> }>;
}

/** How the server misbehaves. */
export type ServerMode =
  | 'ok'
  | 'error500'
  /** Accept the connection and never answer. */
  | 'hang'
  /** Stream a few tokens, then destroy the socket (no [DONE]). */
  | 'cut'
  /** Stream a few tokens, then end the response cleanly, without a finish reason or [DONE]. */
  | 'truncate'
  /** Stream a few tokens, then go silent with the connection open. */
  | 'stall'
  /** 200 with a body that is not JSON (chat and embeddings). */
  | 'junk'
  /** llama.cpp while loading weights: 503 on everything. */
  | 'loading'
  /**
   * llama.cpp with a prompt longer than its context: 400 of type `exceed_context_size_error`
   * with the counts (tools/server/server-common.cpp `format_error_response`,
   * tools/server/server-context.cpp, tools/server/server-task.cpp `server_task_result_error::to_json`).
   */
  | 'context-llama'
  /** OpenAI (and vLLM's nested error) with a prompt too long: 400, code `context_length_exceeded`. */
  | 'context-openai'
  /**
   * Older vLLM with a prompt too long: 400 with its error flat, not under `error`
   * (vllm/entrypoints/openai/protocol.py `ErrorResponse`; vllm/entrypoints/openai/serving_engine.py `_validate_input`).
   */
  | 'context-vllm-flat'
  /**
   * llama-server started without `--jinja`, sent a request with tools: the runtime_error of
   * tools/server/server-common.cpp `oaicompat_chat_params_parse`, answered as HTTP 500
   * `server_error` by tools/server/server.cpp `ex_wrapper`.
   */
  | 'no-jinja'
  /**
   * Ollama, a model whose template has no tools, sent tools: 400 (server/images.go `errCapabilities`,
   * server/routes.go), in the OpenAI shape of openai/openai.go `NewError` (type `invalid_request_error`).
   */
  | 'ollama-no-tools'
  /**
   * Ollama asked for a model it does not have: 404 "model %q not found, try pulling it first"
   * (server/routes.go), type `not_found_error` (openai/openai.go `NewError`).
   */
  | 'model-not-found'
  /** OpenAI over its rate limit: 429, code `rate_limit_exceeded`. */
  | 'rate-limited';

/** Options of {@link startOpenAIServer}. */
export interface OpenAIServerOptions {
  /** Model id listed at /v1/models and reported in answers. */
  model?: string;
  /** Decides each answer; default: {@link echoReply}. */
  respond?: (request: ChatRequest) => ScriptedReply;
  /** Embedding dimensions (default 8). */
  dimensions?: number;
  /** Required bearer key, if any (401 otherwise). */
  apiKey?: string;
}

/** A running fake server. */
export interface OpenAIServer {
  /** Base URL ending in /v1. */
  url: string;
  /** Every chat request, in order. */
  chatRequests: ChatRequest[];
  /** Every embeddings request body, in order. */
  embeddingRequests: Array<{ model: string; input: string[]; encoding_format?: string; dimensions?: number }>;
  /** Count of GET /v1/models. */
  probes: number;
  /** Authorization headers seen. */
  authorizations: string[];
  /** Current misbehaviour. */
  mode: ServerMode;
  /** Wait this long before answering a chat request (a busy server that is alive: /models still answers at once), in ms. */
  chatDelayMs: number;
  /** Answer this many of the next embeddings requests with HTTP 500 (then normally). */
  embeddingFailures: number;
  /**
   * Longest embeddings input taken, in characters (a stand-in for llama.cpp's tokens); a longer one
   * gets llama.cpp's 500 "input is too large to process" (tools/server/server-context.cpp, an input
   * over the physical batch `n_ubatch`, 512 tokens by default). Default: no limit.
   */
  embeddingInputLimit: number | undefined;
  /**
   * What the server does with the `dimensions` of an embeddings request:
   * `ignored` (the default, as llama.cpp: the full vector comes back; issue
   * ggml-org/llama.cpp#25210, open at build 9859) or `honoured` (as Ollama
   * since v0.11.11: `server/routes.go` cuts the vector to `dimensions` and
   * renormalises it).
   */
  embeddingDimensions: 'ignored' | 'honoured';
  /** Replace the answer function. */
  respond: (request: ChatRequest) => ScriptedReply;
  /** Stop the server (and cut hanging connections). */
  close(): Promise<void>;
}

/** Text of one chat message: its string content, or its text parts joined. */
export function messageText(message: ChatRequest['messages'][number] | undefined): string {
  if (message === undefined || message.content === null) return '';
  if (typeof message.content === 'string') return message.content;
  return message.content.map((part) => part.text ?? '').join('');
}

/** Text of the last message with the given role. */
export function lastText(request: ChatRequest, role = 'user'): string {
  return messageText([...request.messages].reverse().find((candidate) => candidate.role === role));
}

/** The system prompt of a request. */
export function systemText(request: ChatRequest): string {
  return request.messages
    .filter((message) => message.role === 'system')
    .map((message) => (typeof message.content === 'string' ? message.content : ''))
    .join('\n');
}

/**
 * The default answer: after a tool result, report it; otherwise echo the
 * last user message with the model name.
 */
export function echoReply(model: string): (request: ChatRequest) => ScriptedReply {
  return (request) => {
    const last = request.messages[request.messages.length - 1];
    if (last?.role === 'tool') return { content: `Done. ${typeof last.content === 'string' ? last.content : ''}` };
    return { content: `Hello from ${model}. You said: ${lastText(request)}` };
  };
}

/**
 * A model that turns `call <tool> <json>` (or whatever `rules` map a
 * message to) into a tool call, and after a tool result reports it as
 * `<prefix> <result>`.
 * @param prefix - what the report starts with, for example `Noted!`
 * @param rules - more messages to turn into tool calls: return a tool call, or undefined to fall through
 */
export function toolCallingReply(
  prefix: string,
  rules: (said: string) => ScriptedReply | undefined = () => undefined,
): (request: ChatRequest) => ScriptedReply {
  return (request) => {
    const last = request.messages[request.messages.length - 1];
    if (last?.role === 'tool') return { content: `${prefix} ${typeof last.content === 'string' ? last.content : ''}` };
    const said = lastText(request).split('\n')[0] ?? '';
    const ruled = rules(said);
    if (ruled !== undefined) return ruled;
    const call = /^call (\w+) (.*)$/.exec(said);
    if (call !== null)
      return {
        toolCalls: [{ name: call[1] as string, arguments: JSON.parse(call[2] as string) as Record<string, unknown> }],
      };
    return { content: 'ok' };
  };
}

function countWords(text: string): number {
  return (text.match(/\S+/g) ?? []).length;
}

/** A stand-in token count of a conversation: its words (deterministic). */
function countTokens(messages: readonly ChatMessage[]): number {
  return messages.reduce(
    (sum, message) => sum + countWords(typeof message.content === 'string' ? message.content : ''),
    0,
  );
}

/** A deterministic unit vector for a text. */
export function fakeEmbedding(text: string, dimensions: number): number[] {
  const digest = createHash('sha256').update(text).digest();
  const vector = Array.from(
    { length: dimensions },
    (_, index) => ((digest[index % digest.length] ?? 0) - 127.5) / 127.5,
  );
  const norm = Math.hypot(...vector) || 1;
  return vector.map((value) => value / norm);
}

/**
 * What a real server answers to a chat request it refuses in the given
 * mode (see {@link ServerMode} for the source of each), or undefined.
 */
function chatRefusal(mode: ServerMode, request: ChatRequest): { status: number; body: unknown } | undefined {
  const tokens = countTokens(request.messages);
  const withTools = Array.isArray(request.tools) && request.tools.length > 0;
  switch (mode) {
    case 'context-llama':
      return {
        status: 400,
        body: {
          error: {
            code: 400,
            message: `request (${tokens + 4096} tokens) exceeds the available context size (4096 tokens), try increasing it`,
            type: 'exceed_context_size_error',
            n_prompt_tokens: tokens + 4096,
            n_ctx: 4096,
          },
        },
      };
    case 'context-openai':
      return {
        status: 400,
        body: {
          error: {
            message: `This model's maximum context length is 8192 tokens. However, your messages resulted in ${tokens + 8192} tokens. Please reduce the length of the messages.`,
            type: 'invalid_request_error',
            param: 'messages',
            code: 'context_length_exceeded',
          },
        },
      };
    case 'context-vllm-flat':
      return {
        status: 400,
        body: {
          object: 'error',
          message: `This model's maximum context length is 4096 tokens. However, you requested ${tokens + 4096} tokens in the messages, Please reduce the length of the messages.`,
          type: 'BadRequestError',
          param: null,
          code: 400,
        },
      };
    case 'no-jinja':
      return withTools
        ? {
            status: 500,
            body: { error: { code: 500, message: 'tools param requires --jinja flag', type: 'server_error' } },
          }
        : undefined;
    case 'ollama-no-tools':
      return withTools
        ? {
            status: 400,
            body: {
              error: {
                message: `registry.ollama.ai/library/${request.model} does not support tools`,
                type: 'invalid_request_error',
                param: null,
                code: null,
              },
            },
          }
        : undefined;
    case 'model-not-found':
      return {
        status: 404,
        body: {
          error: {
            message: `model "${request.model}" not found, try pulling it first`,
            type: 'not_found_error',
            param: null,
            code: null,
          },
        },
      };
    case 'rate-limited':
      return {
        status: 429,
        body: {
          error: {
            message: 'Rate limit reached for requests. Please try again in 20s.',
            type: 'requests',
            param: null,
            code: 'rate_limit_exceeded',
          },
        },
      };
    default:
      return undefined;
  }
}

/**
 * Start the fake OpenAI-compatible server on 127.0.0.1 and a free port.
 * @param options - model name, answer function, embedding size, key
 */
export async function startOpenAIServer(options: OpenAIServerOptions = {}): Promise<OpenAIServer> {
  const model = options.model ?? 'fake-model';
  const dimensions = options.dimensions ?? 8;
  let completionCounter = 0;
  let closeServer: () => Promise<void> = () => Promise.resolve();

  const state: OpenAIServer = {
    url: '',
    chatRequests: [],
    embeddingRequests: [],
    probes: 0,
    authorizations: [],
    mode: 'ok',
    chatDelayMs: 0,
    embeddingFailures: 0,
    embeddingInputLimit: undefined,
    embeddingDimensions: 'ignored',
    respond: options.respond ?? echoReply(model),
    close: () => closeServer(),
  };

  const server: Server = createServer((request, response) => {
    void handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) sendJson(response, 500, { error: { message: String(error) } });
    });
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const body = await readBody(request);
    state.authorizations.push(request.headers.authorization ?? '');
    if (state.mode === 'hang') return;
    if (state.mode === 'loading') return sendJson(response, 503, { error: { message: 'Loading model', code: 503 } });
    if (options.apiKey !== undefined && request.headers.authorization !== `Bearer ${options.apiKey}`) {
      // Like OpenAI, name the key that was sent (in full here, to prove steward's logs redact it).
      const sent = (request.headers.authorization ?? '').replace(/^Bearer /, '');
      return sendJson(response, 401, {
        error: { message: `Incorrect API key provided: ${sent}.`, code: 'invalid_api_key' },
      });
    }
    const path = (request.url ?? '').replace(/\?.*$/, '');
    if (request.method === 'GET' && path === '/v1/models') {
      state.probes += 1;
      return sendJson(response, 200, { object: 'list', data: [{ id: model, object: 'model', owned_by: 'test' }] });
    }
    if (request.method === 'POST' && path === '/v1/embeddings') {
      const parsed = JSON.parse(body) as {
        model: string;
        input: string | string[];
        encoding_format?: string;
        dimensions?: number;
      };
      const input = Array.isArray(parsed.input) ? parsed.input : [parsed.input];
      state.embeddingRequests.push({
        model: parsed.model,
        input,
        ...(parsed.encoding_format === undefined ? {} : { encoding_format: parsed.encoding_format }),
        ...(parsed.dimensions === undefined ? {} : { dimensions: parsed.dimensions }),
      });
      if (state.mode === 'error500') return sendJson(response, 500, { error: { message: 'boom' } });
      if (state.mode === 'junk') {
        response.writeHead(200, { 'content-type': 'text/html' });
        response.end('<html>not json</html>');
        return;
      }
      if (state.embeddingInputLimit !== undefined && input.some((text) => text.length > state.embeddingInputLimit!)) {
        // llama.cpp: ERROR_TYPE_SERVER, so HTTP 500 `server_error` (tools/server/server-common.cpp).
        return sendJson(response, 500, {
          error: {
            code: 500,
            message: 'input is too large to process. increase the physical batch size',
            type: 'server_error',
          },
        });
      }
      if (state.embeddingFailures > 0) {
        state.embeddingFailures -= 1;
        return sendJson(response, 500, { error: { message: 'embedding backend busy' } });
      }
      return sendJson(response, 200, {
        object: 'list',
        model: parsed.model,
        data: input.map((text, index) => {
          const full = fakeEmbedding(text, dimensions);
          const cut = parsed.dimensions;
          if (state.embeddingDimensions === 'ignored' || cut === undefined || cut >= full.length)
            return { object: 'embedding', index, embedding: full };
          const head = full.slice(0, cut);
          const norm = Math.hypot(...head) || 1;
          return { object: 'embedding', index, embedding: head.map((value) => value / norm) };
        }),
        usage: { prompt_tokens: input.length, total_tokens: input.length },
      });
    }
    if (request.method === 'POST' && path === '/v1/chat/completions') {
      const parsed = JSON.parse(body) as ChatRequest;
      state.chatRequests.push(parsed);
      if (state.chatDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, state.chatDelayMs));
      if (state.mode === 'error500') return sendJson(response, 500, { error: { message: 'internal error' } });
      const refusal = chatRefusal(state.mode, parsed);
      if (refusal !== undefined) return sendJson(response, refusal.status, refusal.body);
      if (state.mode === 'junk') {
        response.writeHead(200, { 'content-type': parsed.stream === true ? 'text/event-stream' : 'application/json' });
        response.end(parsed.stream === true ? 'data: {not json\n\n' : '<html>not json</html>');
        return;
      }
      const reply = state.respond(parsed);
      completionCounter += 1;
      const id = `chatcmpl-${completionCounter}`;
      const usage = {
        prompt_tokens: countTokens(parsed.messages),
        completion_tokens: countWords(reply.content ?? '') + (reply.toolCalls?.length ?? 0),
      };
      usage.completion_tokens = Math.max(1, usage.completion_tokens);
      const includeUsage = (parsed.stream_options as { include_usage?: boolean } | undefined)?.include_usage === true;
      if (parsed.stream === true) {
        const misbehaviour =
          state.mode === 'cut' || state.mode === 'truncate' || state.mode === 'stall' ? state.mode : undefined;
        return streamReply(
          response,
          id,
          reply,
          misbehaviour,
          includeUsage ? { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens } : undefined,
        );
      }
      return sendJson(response, 200, {
        id,
        object: 'chat.completion',
        created: Math.floor(Date.now() / 1000),
        model,
        choices: [
          {
            index: 0,
            message: {
              role: 'assistant',
              content: reply.content ?? null,
              ...(reply.toolCalls === undefined
                ? {}
                : {
                    tool_calls: reply.toolCalls.map((call, index) => ({
                      id: `call_${completionCounter}_${index}`,
                      type: 'function',
                      function: { name: call.name, arguments: JSON.stringify(call.arguments) },
                    })),
                  }),
            },
            finish_reason: reply.toolCalls === undefined ? 'stop' : 'tool_calls',
          },
        ],
        usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens },
      });
    }
    sendJson(response, 404, { error: { message: `no route ${request.method} ${path}` } });
  }

  function streamReply(
    response: ServerResponse,
    id: string,
    reply: ScriptedReply,
    cut: 'cut' | 'truncate' | 'stall' | undefined,
    usage: Record<string, number> | undefined,
  ): void {
    response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    const created = Math.floor(Date.now() / 1000);
    const chunk = (delta: Record<string, unknown>, finish: string | null = null): void => {
      response.write(
        `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`,
      );
    };
    chunk({ role: 'assistant', content: '' });
    if (reply.toolCalls !== undefined) {
      reply.toolCalls.forEach((call, index) => {
        chunk({
          tool_calls: [
            { index, id: `call_${id}_${index}`, type: 'function', function: { name: call.name, arguments: '' } },
          ],
        });
        chunk({ tool_calls: [{ index, function: { arguments: JSON.stringify(call.arguments) } }] });
      });
      chunk({}, 'tool_calls');
    } else {
      const words = (reply.content ?? '').split(/(?<= )/);
      const limit = cut === undefined ? words.length : Math.max(1, Math.floor(words.length / 2));
      for (const word of words.slice(0, limit)) chunk({ content: word });
      if (cut === 'cut') {
        response.write('', () => response.socket?.destroy());
        return;
      }
      if (cut === 'truncate') {
        response.end();
        return;
      }
      if (cut === 'stall') return;
      chunk({}, 'stop');
    }
    if (usage !== undefined)
      response.write(
        `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model, choices: [], usage })}\n\n`,
      );
    response.end('data: [DONE]\n\n');
  }

  const listening = await listen(server);
  closeServer = listening.close;
  state.url = `http://127.0.0.1:${listening.port}/v1`;
  return state;
}

/**
 * A base URL where nothing listens (connection refused): a port that was
 * free a moment ago.
 */
export async function refusedUrl(): Promise<string> {
  const listening = await listen(createServer());
  await listening.close();
  return `http://127.0.0.1:${listening.port}/v1`;
}
