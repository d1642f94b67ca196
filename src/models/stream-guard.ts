import { createParser } from 'eventsource-parser';
import { ProviderError } from '../shared/errors.js';
import type { RequestMeter } from './meter.js';

/** Options of {@link guardedFetch}. */
export interface GuardedFetchOptions {
  /** Provider id, for the errors. */
  provider: string;
  /** Longest wait for the next token inside a streamed body, in ms (the provider's timeout). */
  idleTimeoutMs: number;
  /** Receives the measurements. */
  meter: RequestMeter;
  /** The fetch to wrap (default: the global one). */
  fetch?: typeof fetch;
}

interface Usage {
  prompt_tokens?: unknown;
  completion_tokens?: unknown;
}

interface ChunkShape {
  choices?: Array<{
    delta?: { content?: unknown; tool_calls?: unknown; reasoning_content?: unknown };
    finish_reason?: unknown;
  }>;
  usage?: Usage | null;
}

/**
 * Whether a chunk moves the answer on: text, reasoning or tool calls, a
 * finish reason, or the usage. A role-only first delta (`{role:
 * "assistant", content: ""}`) does not: servers send it before any token.
 */
function carriesProgress(chunk: ChunkShape): boolean {
  if (chunk.usage !== null && typeof chunk.usage === 'object') return true;
  const choice = chunk.choices?.[0];
  if (choice === undefined) return false;
  if (typeof choice.finish_reason === 'string') return true;
  const delta = choice.delta;
  if (delta === undefined) return false;
  const text = (value: unknown): boolean => typeof value === 'string' && value !== '';
  return text(delta.content) || text(delta.reasoning_content) || Array.isArray(delta.tool_calls);
}

function parseChunk(data: string): ChunkShape | undefined {
  if (!data.startsWith('{')) return undefined;
  try {
    const parsed: unknown = JSON.parse(data);
    return parsed !== null && typeof parsed === 'object' ? parsed : undefined;
  } catch (error) {
    // Not JSON: leave it to the openai client, which parses the same data and throws a SyntaxError for the router.
    if (error instanceof SyntaxError) return undefined;
    throw error;
  }
}

/**
 * A `fetch` for the openai client that guards streamed chat completions:
 *
 * - A stream that ends before `data: [DONE]` is a {@link ProviderError} of
 *   kind `cut-stream` (`stream ended before [DONE]`). The openai SDK 6 treats a clean end of
 *   the body as the end of the answer, so a server that stops half way
 *   (crashed worker, proxy cut, out of memory) would otherwise pass a half
 *   answer off as whole.
 * - A stream that brings no token for `idleTimeoutMs` is one of kind
 *   `timeout`: the client's own timeout covers only the wait for the response
 *   headers. Only what moves the answer on counts: a chunk with text, a tool
 *   call, a finish reason or the usage, and an SSE comment whose text changed
 *   (mlx_lm.server's `: keepalive N/M` prompt progress). The same comment
 *   again does not: exo sends `: keep-alive` after every 10 s of silence
 *   (`src/exo/api/keepalive.py`) and llama.cpp pings every 30 s
 *   (`--sse-ping-interval`), so a wedged generation would otherwise never end.
 * - It meters the attempt: time to headers, to the first event and to the
 *   first content, and the token usage the server reports.
 *
 * Other responses (JSON bodies) pass through untouched, and so do error
 * answers, but for the shape of their body (see {@link nestFlatErrorBody}).
 *
 * @param options - provider id, idle timeout and the meter
 * @returns a drop-in `fetch`
 */
export function guardedFetch(options: GuardedFetchOptions): typeof fetch {
  const base = options.fetch ?? globalThis.fetch;
  return async (input, init) => {
    options.meter.requests += 1;
    const response = await base(input, init);
    options.meter.headersAt ??= performance.now();
    const type = response.headers.get('content-type') ?? '';
    if (!response.ok) return nestFlatErrorBody(response);
    if (response.body === null || !type.includes('text/event-stream')) return response;
    const body = response.body.pipeThrough(sseGuard(options));
    return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
  };
}

/**
 * The openai SDK keeps only the `error` member of an error body (`APIError`
 * gets `body.error`, and "400 status code (no body)" when there is none).
 * Older vLLM sends its error flat, `{"object": "error", "message", "type",
 * "code"}` (`vllm/entrypoints/openai/protocol.py`, `ErrorResponse`), so its
 * "maximum context length" would be lost; such a body is nested under
 * `error` for the SDK. Any other error answer passes through as it was.
 * @param response - an error answer (4xx or 5xx)
 */
async function nestFlatErrorBody(response: Response): Promise<Response> {
  if (!(response.headers.get('content-type') ?? '').includes('json')) return response;
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    body = undefined;
  }
  const flat = body !== null && typeof body === 'object' && !('error' in body) && 'message' in body;
  const headers = new Headers(response.headers);
  headers.delete('content-length');
  return new Response(flat ? JSON.stringify({ error: body }) : text, {
    status: response.status,
    statusText: response.statusText,
    headers,
  });
}

function sseGuard(options: GuardedFetchOptions): TransformStream<Uint8Array, Uint8Array> {
  const { meter } = options;
  const decoder = new TextDecoder();
  let sawDone = false;
  let finished = false;
  let tail = '';
  let idleTimer: NodeJS.Timeout | undefined;
  let usage: Usage | undefined;
  let lastComment: string | undefined;
  const parser = createParser({
    onEvent: (event) => {
      meter.firstEventAt ??= performance.now();
      if (event.data.trim() === '[DONE]') {
        sawDone = true;
        arm();
        return;
      }
      const chunk = parseChunk(event.data);
      // Not JSON: the openai client throws on it; until then it is not progress.
      if (chunk === undefined) return;
      if (carriesProgress(chunk)) arm();
      const delta = chunk.choices?.[0]?.delta;
      if (
        meter.firstContentAt === null &&
        delta !== undefined &&
        ((typeof delta.content === 'string' && delta.content !== '') || Array.isArray(delta.tool_calls))
      ) {
        meter.firstContentAt = performance.now();
      }
      if (chunk.usage !== null && typeof chunk.usage === 'object') usage = chunk.usage;
    },
    onComment: (comment) => {
      if (comment !== lastComment) arm();
      lastComment = comment;
    },
  });
  let target: TransformStreamDefaultController<Uint8Array> | undefined;
  const arm = (): void => {
    if (idleTimer !== undefined) clearTimeout(idleTimer);
    idleTimer = setTimeout(() => {
      if (finished) return;
      finished = true;
      target?.error(
        new ProviderError(`stream stalled: no tokens for ${options.idleTimeoutMs} ms`, {
          provider: options.provider,
          kind: 'timeout',
        }),
      );
    }, options.idleTimeoutMs);
    idleTimer.unref();
  };
  return new TransformStream<Uint8Array, Uint8Array>({
    start(controller) {
      target = controller;
      arm();
    },
    transform(chunk, controller) {
      const text = decoder.decode(chunk, { stream: true });
      tail = (tail + text).slice(-64);
      parser.feed(text);
      controller.enqueue(chunk);
    },
    flush(controller) {
      finished = true;
      if (idleTimer !== undefined) clearTimeout(idleTimer);
      parser.feed(decoder.decode());
      if (!sawDone && /data:\s*\[DONE\]\s*$/.test(tail)) sawDone = true;
      if (!sawDone) {
        controller.error(
          new ProviderError('stream ended before [DONE]', { provider: options.provider, kind: 'cut-stream' }),
        );
        return;
      }
      if (usage !== undefined) meter.addUsage(usage);
    },
  });
}
