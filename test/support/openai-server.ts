import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { listen, readBody } from './http.js';
import { exo } from './model-servers/exo.js';
import type { FlavorBehaviour, Truncation } from './model-servers/flavor.js';
import { llamaCpp } from './model-servers/llama-cpp.js';
import { mlx } from './model-servers/mlx.js';
import { ollama } from './model-servers/ollama.js';
import { openai } from './model-servers/openai.js';
import { promptTokensOf, messageText, tokensOf } from './model-servers/tokens.js';
import type { Answer, ChatRequest, Flavor, KnownModel } from './model-servers/types.js';
import { vllm } from './model-servers/vllm.js';

/**
 * A local HTTP server that speaks the OpenAI protocol the way one real
 * server family does (`flavor`): llama.cpp's `llama-server` (the default),
 * Ollama, mlx_lm.server, exo, vLLM or OpenAI itself. Each family's habits
 * (its model list, its own routes, where it checks the key, what it does with
 * a prompt too long, tools, embeddings and SSE comments) live in
 * `model-servers/<family>.ts`, each with the source it was read from. The
 * modes (`hang`, `cut`, `error500`, ...) are faults a test asks for. It is a
 * fake at the network boundary only: steward's real code talks to it over HTTP.
 */

export type { ChatMessage, ChatRequest, Flavor, KnownModel } from './model-servers/types.js';
export type { Truncation } from './model-servers/flavor.js';
export { messageText, promptTokensOf, tokensOf } from './model-servers/tokens.js';

/** What the server answers to one chat request. */
export interface ScriptedReply {
  /** Text of the answer (streamed word by word). */
  content?: string;
  /** Tool calls to make instead of (or before) text. */
  toolCalls?: Array<{ name: string; arguments: Record<string, unknown> }>;
}

/** How the server misbehaves, on top of what its family does. */
export type ServerMode =
  | 'ok'
  /** A crashed backend: HTTP 500 `server_error` to every chat and embeddings request. */
  | 'error500'
  /** Accept the connection and never answer. */
  | 'hang'
  /** Stream a few tokens, then destroy the socket (no [DONE]). */
  | 'cut'
  /** Stream a few tokens, then end the response cleanly, without a finish reason or [DONE]. */
  | 'truncate'
  /** Stream a few tokens, then stop producing tokens with the connection open (the family's SSE comments go on). */
  | 'stall'
  /** 200 with a body that is not JSON (chat and embeddings). */
  | 'junk'
  /** llama.cpp while loading weights: 503 on everything (tools/server/server-http.cpp `middleware_server_state`). */
  | 'loading'
  /**
   * llama.cpp with a prompt longer than its context, whatever the prompt: 400 of type
   * `exceed_context_size_error` with the counts (tools/server/server-context.cpp).
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
   * llama-server started with `--no-jinja`, sent a request with tools: the runtime_error of
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
  /** Which server family to behave as (default `llama.cpp`). */
  flavor?: Flavor;
  /** The model the server serves: listed at /v1/models and named in the answers (default `fake-model`). */
  model?: string;
  /**
   * The other models the server knows (Ollama's pulled models, the Hugging Face cache of mlx,
   * exo's catalogue), in the order the server lists them; the served model is added
   * (loaded, for the families that load) unless listed here.
   */
  models?: Array<Partial<KnownModel> & { id: string }>;
  /** The context a request gets, in tokens (default: llama.cpp and vLLM 32768, Ollama 4096, OpenAI 128000). */
  contextTokens?: number;
  /** Decides each answer; default: {@link echoReply}. */
  respond?: (request: ChatRequest) => ScriptedReply;
  /** Embedding dimensions (default 8). */
  dimensions?: number;
  /** The server's API key, if it has one (where the family checks it, a wrong key gets its 401). */
  apiKey?: string;
}

/** A running fake server. */
export interface OpenAIServer {
  /** Base URL ending in /v1. */
  url: string;
  /** Which family it behaves as. */
  readonly flavor: Flavor;
  /** The model it was started with (llama.cpp `-m`, mlx `--model`). */
  model: string;
  /** Every model it knows, in the order it lists them; `loaded` changes as requests load models. */
  models: KnownModel[];
  /** The context a request gets, in tokens. */
  contextTokens: number;
  /** llama.cpp: started with `--jinja` (true, the current default); false is `--no-jinja`. */
  jinja: boolean;
  /** llama.cpp: the physical batch `n_ubatch` (512), the most tokens of one embeddings input. */
  embeddingBatchTokens: number;
  /** Prompts the server shortened without saying so (Ollama). */
  truncations: Truncation[];
  /** Models loaded on request, in order (an mlx swap, an Ollama load). */
  loads: string[];
  /** SSE comment interval during silence, in ms, instead of the family's (exo 10 s, llama.cpp 30 s). */
  keepAliveMs: number | undefined;
  /** Every chat request, in order. */
  chatRequests: ChatRequest[];
  /** Every embeddings request body, in order. */
  embeddingRequests: Array<{ model: string; input: string[]; encoding_format?: string; dimensions?: number }>;
  /** Count of GET /v1/models (and /models). */
  probes: number;
  /** Every request's path, in order (`GET /props`, `POST /v1/chat/completions`, ...). */
  requests: string[];
  /** Authorization headers seen. */
  authorizations: string[];
  /** Current misbehaviour. */
  mode: ServerMode;
  /** Wait this long before answering a chat request (a busy server that is alive: /models still answers at once), in ms. */
  chatDelayMs: number;
  /** After the headers of a streamed answer, wait this long before the first token (prompt processing), in ms. */
  firstTokenDelayMs: number;
  /** Answer this many of the next embeddings requests with HTTP 500 (then normally). */
  embeddingFailures: number;
  /**
   * What the server does with the `dimensions` of an embeddings request:
   * `ignored` (llama.cpp, the default: the full vector comes back; issue
   * ggml-org/llama.cpp#25210) or `honoured` (Ollama since v0.11.11:
   * `server/routes.go` cuts the vector to `dimensions` and renormalises it;
   * vLLM for Matryoshka models; OpenAI's text-embedding-3). The family's by
   * default (see EMBEDDING_DIMENSIONS).
   */
  embeddingDimensions: 'ignored' | 'honoured';
  /** Replace the answer function. */
  respond: (request: ChatRequest) => ScriptedReply;
  /** Stop the server (and cut hanging connections). */
  close(): Promise<void>;
}

const FLAVORS: Record<Flavor, FlavorBehaviour> = {
  'llama.cpp': llamaCpp,
  ollama,
  mlx,
  exo,
  vllm,
  openai,
};

/**
 * What each family does with the `dimensions` of an embeddings request.
 * Honoured (the vector cut to that length and renormalised): Ollama since
 * v0.11.11 (ollama/ollama#12242, `server/routes.go`); vLLM since #16331 for a
 * model it knows as Matryoshka (it answers 400 for any other model, which
 * this fake does not play); OpenAI's text-embedding-3 (API reference).
 * Ignored (the whole vector comes back, no error): llama.cpp, whose
 * `/v1/embeddings` reads no `dimensions` (ggml-org/llama.cpp#25210, open;
 * PR #24898 not merged), and so LM Studio's llama.cpp engine
 * (QwenLM/Qwen3-Embedding#101). mlx_lm.server and exo serve no embeddings.
 */
const EMBEDDING_DIMENSIONS: Record<Flavor, 'ignored' | 'honoured'> = {
  'llama.cpp': 'ignored',
  ollama: 'honoured',
  mlx: 'ignored',
  exo: 'ignored',
  vllm: 'honoured',
  openai: 'honoured',
};

const DEFAULT_CONTEXT: Record<Flavor, number> = {
  'llama.cpp': 32_768,
  ollama: 4096,
  mlx: 1_000_000,
  exo: 1_000_000,
  vllm: 32_768,
  openai: 128_000,
};

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
 * last user message with the name of the model that answered.
 */
export function echoReply(model: string): (request: ChatRequest) => ScriptedReply {
  return (request) => {
    const last = request.messages[request.messages.length - 1];
    if (last?.role === 'tool') return { content: `Done. ${typeof last.content === 'string' ? last.content : ''}` };
    return { content: `Hello from ${request.answeredBy ?? model}. You said: ${lastText(request)}` };
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
 * fault mode (see {@link ServerMode} for the source of each), or undefined.
 */
function chatRefusal(mode: ServerMode, request: ChatRequest): Answer | undefined {
  const tokens = promptTokensOf(request);
  const withTools = Array.isArray(request.tools) && request.tools.length > 0;
  switch (mode) {
    case 'context-llama':
      return {
        status: 400,
        json: {
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
        json: {
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
        json: {
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
            json: { error: { code: 500, message: 'tools param requires --jinja flag', type: 'server_error' } },
          }
        : undefined;
    case 'ollama-no-tools':
      return withTools
        ? {
            status: 400,
            json: {
              error: {
                message: `registry.ollama.ai/library/${request.model ?? ''} does not support tools`,
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
        json: {
          error: {
            message: `model "${request.model ?? ''}" not found, try pulling it first`,
            type: 'not_found_error',
            param: null,
            code: null,
          },
        },
      };
    case 'rate-limited':
      return {
        status: 429,
        json: {
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

function send(response: ServerResponse, answer: Answer): void {
  if ('json' in answer) {
    response.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
    response.end(JSON.stringify(answer.json));
    return;
  }
  response.writeHead(answer.status, { 'content-type': answer.contentType ?? 'text/plain', ...answer.headers });
  response.end(answer.text);
}

/**
 * Start the fake server on 127.0.0.1 and a free port.
 * @param options - family, models, context, answer function, embedding size, key
 */
export async function startOpenAIServer(options: OpenAIServerOptions = {}): Promise<OpenAIServer> {
  const flavorName = options.flavor ?? 'llama.cpp';
  const flavor = FLAVORS[flavorName];
  const model = options.model ?? 'fake-model';
  const dimensions = options.dimensions ?? 8;
  const contextTokens = options.contextTokens ?? DEFAULT_CONTEXT[flavorName];
  const models: KnownModel[] = (options.models ?? []).map((entry) => ({
    kind: 'chat',
    loaded: false,
    trainedContext: 40_960,
    tools: true,
    ...entry,
  }));
  if (!models.some((entry) => entry.id === model))
    models.push({
      id: model,
      kind: 'chat',
      loaded: true,
      trainedContext: Math.max(40_960, contextTokens),
      tools: true,
    });
  let completionCounter = 0;
  let closeServer: () => Promise<void> = () => Promise.resolve();

  const state: OpenAIServer = {
    url: '',
    flavor: flavorName,
    model,
    models,
    contextTokens,
    jinja: true,
    embeddingBatchTokens: 512,
    truncations: [],
    loads: [],
    keepAliveMs: undefined,
    chatRequests: [],
    embeddingRequests: [],
    probes: 0,
    requests: [],
    authorizations: [],
    mode: 'ok',
    chatDelayMs: 0,
    firstTokenDelayMs: 0,
    embeddingFailures: 0,
    embeddingDimensions: EMBEDDING_DIMENSIONS[flavorName],
    respond: options.respond ?? echoReply(model),
    close: () => closeServer(),
  };

  const server: Server = createServer((request, response) => {
    void handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) send(response, { status: 500, json: { error: { message: String(error) } } });
    });
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const body = await readBody(request);
    const method = request.method ?? 'GET';
    const path = (request.url ?? '').replace(/\?.*$/, '');
    state.requests.push(`${method} ${path}`);
    state.authorizations.push(request.headers.authorization ?? '');
    if (state.mode === 'hang') return;
    if (state.mode === 'loading') return send(response, flavor.whileLoading ?? (llamaCpp.whileLoading as Answer));
    const sent = (request.headers.authorization ?? '').replace(/^Bearer /, '');
    if (options.apiKey !== undefined && flavor.needsKey(path) && sent !== options.apiKey)
      return send(response, flavor.unauthorized(sent));
    if (method === 'GET' && (path === '/v1/models' || path === '/models')) state.probes += 1;
    const routed = flavor.route(state, method, path, body);
    if (routed !== undefined) return send(response, routed);
    if (method === 'POST' && path === '/v1/embeddings') return embeddings(body, response);
    if (method === 'POST' && path === '/v1/chat/completions') return chat(body, response);
    send(response, flavor.notFound(method, path));
  }

  function embeddings(body: string, response: ServerResponse): void {
    const parsed = JSON.parse(body) as {
      model?: string;
      input: string | string[];
      encoding_format?: string;
      dimensions?: number;
    };
    const input = Array.isArray(parsed.input) ? parsed.input : [parsed.input];
    state.embeddingRequests.push({
      model: parsed.model ?? '',
      input,
      ...(parsed.encoding_format === undefined ? {} : { encoding_format: parsed.encoding_format }),
      ...(parsed.dimensions === undefined ? {} : { dimensions: parsed.dimensions }),
    });
    if (state.mode === 'error500')
      return send(response, { status: 500, json: { error: { code: 500, message: 'boom', type: 'server_error' } } });
    if (state.mode === 'junk')
      return send(response, { status: 200, text: '<html>not json</html>', contentType: 'text/html' });
    const refusal = flavor.embeddings(state, parsed.model, input);
    if (refusal !== undefined) return send(response, refusal);
    if (state.embeddingFailures > 0) {
      state.embeddingFailures -= 1;
      return send(response, { status: 500, json: { error: { message: 'embedding backend busy' } } });
    }
    send(response, {
      status: 200,
      json: {
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
      },
    });
  }

  async function chat(body: string, response: ServerResponse): Promise<void> {
    const parsed = JSON.parse(body) as ChatRequest;
    state.chatRequests.push(parsed);
    if (state.chatDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, state.chatDelayMs));
    if (state.mode === 'error500')
      return send(response, {
        status: 500,
        json: { error: { code: 500, message: 'internal error', type: 'server_error' } },
      });
    const refusal = chatRefusal(state.mode, parsed);
    if (refusal !== undefined) return send(response, refusal);
    if (state.mode === 'junk') {
      const stream = parsed.stream === true;
      return send(response, {
        status: 200,
        text: stream ? 'data: {not json\n\n' : '<html>not json</html>',
        contentType: stream ? 'text/event-stream' : 'application/json',
      });
    }
    const admission = flavor.chat(state, parsed);
    if ('answer' in admission) return send(response, admission.answer);
    parsed.answeredBy = admission.model;
    const seen = admission.messages === undefined ? parsed : { ...parsed, messages: admission.messages };
    const reply = state.respond(seen);
    completionCounter += 1;
    const id = `chatcmpl-${completionCounter}`;
    const usage = {
      prompt_tokens: promptTokensOf(seen),
      completion_tokens: Math.max(1, tokensOf(reply.content ?? '') + (reply.toolCalls?.length ?? 0)),
    };
    const includeUsage = (parsed.stream_options as { include_usage?: boolean } | undefined)?.include_usage === true;
    if (parsed.stream === true) {
      const misbehaviour =
        state.mode === 'cut' || state.mode === 'truncate' || state.mode === 'stall' ? state.mode : undefined;
      return streamReply(
        response,
        id,
        admission.model,
        reply,
        misbehaviour,
        includeUsage ? usage : undefined,
        promptTokensOf(seen),
      );
    }
    send(response, {
      status: 200,
      json: {
        id,
        object: 'chat.completion',
        created: Math.floor(Date.now() / 1000),
        model: admission.model,
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
      },
    });
  }

  async function streamReply(
    response: ServerResponse,
    id: string,
    answeredBy: string,
    reply: ScriptedReply,
    cut: 'cut' | 'truncate' | 'stall' | undefined,
    usage: { prompt_tokens: number; completion_tokens: number } | undefined,
    promptTokens: number,
  ): Promise<void> {
    response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    const habits = flavor.sse;
    if (habits.atStart !== undefined) response.write(habits.atStart);
    // The family's comments during silence: rearmed after every token, stopped when the answer ends.
    let silence: NodeJS.Timeout | undefined;
    const silenceMs = state.keepAliveMs ?? habits.silence?.everyMs;
    const rearm = (): void => {
      if (silence !== undefined) clearTimeout(silence);
      if (habits.silence === undefined || silenceMs === undefined) return;
      const comment = habits.silence.comment;
      silence = setTimeout(function tick() {
        if (response.writableEnded || response.destroyed) return;
        response.write(comment);
        silence = setTimeout(tick, silenceMs);
      }, silenceMs);
    };
    response.on('close', () => clearTimeout(silence));
    rearm();
    // Prompt processing: the first-token delay, with the family's progress comments along the way (mlx).
    const progress = habits.progress;
    let progressTimer: NodeJS.Timeout | undefined;
    if (progress !== undefined) {
      const started = Date.now();
      const report = (): void => {
        const share = state.firstTokenDelayMs === 0 ? 1 : Math.min(1, (Date.now() - started) / state.firstTokenDelayMs);
        response.write(progress(Math.floor(promptTokens * share), promptTokens));
      };
      report();
      progressTimer = setInterval(report, state.keepAliveMs ?? 1000);
    }
    if (state.firstTokenDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, state.firstTokenDelayMs));
    clearInterval(progressTimer);
    if (progress !== undefined && !response.destroyed) response.write(progress(promptTokens, promptTokens));
    if (response.destroyed) return;
    const created = Math.floor(Date.now() / 1000);
    const chunk = (delta: Record<string, unknown>, finish: string | null = null): void => {
      rearm();
      response.write(
        `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model: answeredBy, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`,
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
        clearTimeout(silence);
        response.write('', () => response.socket?.destroy());
        return;
      }
      if (cut === 'truncate') {
        clearTimeout(silence);
        response.end();
        return;
      }
      if (cut === 'stall') return; // no more tokens; the family's silence comments go on
      chunk({}, 'stop');
    }
    clearTimeout(silence);
    if (usage !== undefined)
      response.write(
        `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model: answeredBy, choices: [], usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens } })}\n\n`,
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
