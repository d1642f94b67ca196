import type { ProviderErrorKind } from '../shared/errors.js';

/**
 * What a failed call means, read from what the server or the network said:
 * the HTTP status and error body of a model or embeddings server, or the
 * Node.js error code of a failed connection. Shared by the places where a
 * failure happens (the health probe, the embeddings client) and by
 * `classify.ts` for errors out of LangChain and the openai SDK.
 */

/** A fault read from a response or a network error: its kind and the one-line reason to show. */
export interface Fault {
  /** What went wrong. */
  kind: ProviderErrorKind;
  /** One short line: `connection refused`, `HTTP 401 (check the API key)`, ... */
  message: string;
}

/** A fault read from an HTTP error response, with the server's own words. */
export interface ResponseFault extends Fault {
  /** The server's error message (first line, at most 200 characters), or `''`. */
  detail: string;
}

function field(value: unknown, key: string): unknown {
  return value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined;
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

/**
 * The server's message, type and code out of an error body. OpenAI, llama.cpp,
 * Ollama and recent vLLM nest them as `{"error": {"message", "type", "code"}}`
 * (llama.cpp `tools/server/server-common.cpp`, `format_error_response`);
 * older vLLM sends them flat (`{"object": "error", "message", "type", "code"}`,
 * `vllm/entrypoints/openai/protocol.py` `ErrorResponse`); some servers send
 * `{"error": "text"}` or plain text.
 */
function errorParts(body: unknown): { message: string; type: string; code: string } {
  if (typeof body === 'string') return { message: body, type: '', code: '' };
  const inner = field(body, 'error');
  if (typeof inner === 'string') return { message: inner, type: '', code: '' };
  const error = inner !== null && typeof inner === 'object' ? inner : body;
  return { message: text(field(error, 'message')), type: text(field(error, 'type')), code: text(field(error, 'code')) };
}

/**
 * The prompt does not fit the model's context. The codes come first; the
 * messages are matched only for servers that send no code for it:
 * - OpenAI: code `context_length_exceeded`, "This model's maximum context length is … tokens";
 * - llama.cpp: type `exceed_context_size_error` (HTTP 400), "request (N tokens) exceeds the
 *   available context size (M tokens), try increasing it" (`tools/server/server-context.cpp`);
 * - vLLM: no code; now "You passed N input tokens and requested M output tokens. However, the
 *   model's context length is only X tokens, …" (`vllm/renderers/params.py`, `_token_len_check`), before
 *   that "This model's maximum context length is … tokens" (`vllm/entrypoints/openai/serving_engine.py`,
 *   `_validate_input`) or "The decoder prompt (length N) is longer than the maximum model length of M"
 *   (`vllm/v1/engine/processor.py`, `_validate_model_input`).
 */
const CONTEXT_CODES = new Set(['context_length_exceeded', 'exceed_context_size_error']);
const CONTEXT_MESSAGE =
  /exceeds the available context size|maximum context length is|context length is only|is longer than the maximum model length/i;

/**
 * The context size, in tokens, that a context-too-long error states: llama.cpp's `n_ctx` field
 * and "available context size (M tokens)", vLLM's "context length is only X tokens" and "maximum
 * model length of M", OpenAI's and older vLLM's "maximum context length is X tokens".
 * @param body - the error body as text (JSON or not)
 * @returns the size, or undefined when the body does not say
 */
export function statedContextSize(body: string | undefined): number | undefined {
  if (body === undefined) return undefined;
  const patterns = [
    /"n_ctx"\s*:\s*(\d+)/,
    /available context size \((\d+) tokens\)/i,
    /context length is only (\d+) tokens/i,
    /maximum context length is (\d+) tokens/i,
    /maximum model length of (\d+)/i,
  ];
  for (const pattern of patterns) {
    const match = pattern.exec(body);
    if (match !== null) return Number(match[1]);
  }
  return undefined;
}

/**
 * The server or the model takes no tools. No server sends a code for it:
 * - llama.cpp started without `--jinja`: "tools param requires --jinja flag", thrown as a
 *   `std::runtime_error` and so answered as HTTP 500 `server_error` (`tools/server/server-common.cpp`,
 *   `oaicompat_chat_params_parse`; `tools/server/server.cpp`, `ex_wrapper`); older builds refused
 *   tools with streaming: "Cannot use tools with stream";
 * - Ollama, for a model whose template has no tools: HTTP 400 "<model> does not support tools"
 *   (`server/images.go`, `errCapabilities` and `errCapabilityTools`).
 */
const TOOLS_MESSAGE = /tools param requires --jinja|does not support tools|cannot use tools with stream/i;

/**
 * An embeddings input larger than the server takes in one batch. llama.cpp
 * sends no code: HTTP 500 "input is too large to process. increase the
 * physical batch size" (newer builds: "input (N tokens) is too large to
 * process. …") (`tools/server/server-context.cpp`). HTTP 413 means the same.
 */
const INPUT_TOO_LARGE_MESSAGE = /is too large to process/i;

/**
 * The kind of an HTTP error answer and its one-line reason, from its status
 * and body: the well-known errors of real servers by code, type or (where the
 * server gives nothing else) message, then the status.
 * @param status - the HTTP status (4xx or 5xx)
 * @param body - the error body: parsed JSON, or text
 * @returns the kind, the reason to show and the server's own message
 */
export function faultOfResponse(status: number, body: unknown): ResponseFault {
  const parts = errorParts(body);
  const detail = (parts.message.split('\n')[0] ?? '').trim().slice(0, 200);
  const said = detail === '' ? '' : `: ${detail}`;
  if (CONTEXT_CODES.has(parts.code) || CONTEXT_CODES.has(parts.type) || CONTEXT_MESSAGE.test(parts.message))
    return { kind: 'context-too-long', message: `HTTP ${status} (context too long${said})`, detail };
  if (TOOLS_MESSAGE.test(parts.message))
    return { kind: 'tools-unsupported', message: `HTTP ${status} (tools not supported${said})`, detail };
  if (status === 413 || INPUT_TOO_LARGE_MESSAGE.test(parts.message))
    return { kind: 'input-too-large', message: `HTTP ${status} (input too large${said})`, detail };
  if (status === 401 || status === 403)
    return { kind: 'unauthorized', message: `HTTP ${status} (check the API key)`, detail };
  if (status === 404) return { kind: 'not-found', message: 'HTTP 404 (check the base URL and model name)', detail };
  if (status === 429) return { kind: 'rate-limited', message: 'HTTP 429 (rate limited)', detail };
  return { kind: 'http', message: `HTTP ${status}`, detail };
}

/** Node.js (libuv) and undici error codes, and what they mean for a call. */
const NETWORK_CODES: ReadonlyMap<string, Fault> = new Map<string, Fault>([
  ['ECONNREFUSED', { kind: 'refused', message: 'connection refused' }],
  ['ENOTFOUND', { kind: 'unreachable', message: 'host not found' }],
  ['EAI_AGAIN', { kind: 'unreachable', message: 'host not found' }],
  ['EHOSTUNREACH', { kind: 'unreachable', message: 'host unreachable' }],
  ['ENETUNREACH', { kind: 'unreachable', message: 'host unreachable' }],
  ['ECONNRESET', { kind: 'cut-stream', message: 'connection dropped' }],
  ['EPIPE', { kind: 'cut-stream', message: 'connection dropped' }],
  ['UND_ERR_SOCKET', { kind: 'cut-stream', message: 'connection dropped' }],
  ['ETIMEDOUT', { kind: 'timeout', message: '' }],
  // axios's code for its own `timeout` in Node.js (an abort by signal is ERR_CANCELED).
  ['ECONNABORTED', { kind: 'timeout', message: '' }],
  ['UND_ERR_CONNECT_TIMEOUT', { kind: 'timeout', message: '' }],
  ['UND_ERR_HEADERS_TIMEOUT', { kind: 'timeout', message: '' }],
  ['UND_ERR_BODY_TIMEOUT', { kind: 'timeout', message: '' }],
]);

/**
 * The fault of a failed connection, from the first known Node.js or undici
 * error code in the error's `cause` chain (fetch puts it in `cause`, axios
 * on the error itself).
 * @param error - the thrown value
 * @param timeoutMs - the timeout in force, for the reason of a timeout
 * @returns the fault, or undefined when no known code is found
 */
export function faultOfNetworkError(error: unknown, timeoutMs: number): Fault | undefined {
  let cursor: unknown = error;
  for (let depth = 0; depth < 6 && cursor !== null && typeof cursor === 'object'; depth += 1) {
    const code = field(cursor, 'code');
    const fault = typeof code === 'string' ? NETWORK_CODES.get(code) : undefined;
    if (fault !== undefined)
      return fault.kind === 'timeout' ? { kind: 'timeout', message: `timed out after ${timeoutMs} ms` } : fault;
    cursor = field(cursor, 'cause');
  }
  return undefined;
}
