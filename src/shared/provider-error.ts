import { ServiceError, type StewardErrorOptions } from './error-base.js';
import { redactSecrets } from './redact.js';

/**
 * What went wrong in a failed model or embeddings call, decided where the
 * failure happened (the health probe, the chat call, the stream guard, the
 * embeddings client) or, for errors out of LangChain and the openai SDK, in
 * `src/models/classify.ts`:
 *
 * - `refused`: nothing listens at the URL (ECONNREFUSED);
 * - `unreachable`: the host is not found, or the connection failed otherwise;
 * - `timeout`: no answer, or a stream that went quiet, within the time allowed;
 * - `cut-stream`: the answer ended early (a stream without `[DONE]`, a dropped connection);
 * - `malformed`: an answer that is not what the protocol says (not JSON, no text);
 * - `unauthorized`: HTTP 401 or 403, a wrong or missing key;
 * - `not-found`: HTTP 404, a wrong base URL or model name;
 * - `rate-limited`: HTTP 429;
 * - `context-too-long`: the prompt does not fit the model's context (OpenAI and vLLM `context_length_exceeded`, llama.cpp `exceed_context_size_error`);
 * - `tools-unsupported`: the server or model takes no tools (llama.cpp without `--jinja`, Ollama's "does not support tools");
 * - `input-too-large`: an embeddings input larger than the server takes at once (llama.cpp's 500 "input is too large to process", HTTP 413);
 * - `http`: any other HTTP error status (see {@link ProviderError.status});
 * - `unknown`: none of these could be told.
 */
export type ProviderErrorKind =
  | 'refused'
  | 'unreachable'
  | 'timeout'
  | 'cut-stream'
  | 'malformed'
  | 'unauthorized'
  | 'not-found'
  | 'rate-limited'
  | 'context-too-long'
  | 'tools-unsupported'
  | 'input-too-large'
  | 'http'
  | 'unknown';

/**
 * Whether a fault of this kind may pass if the same request is sent again:
 * a connection, timeout, cut stream or malformed answer may; a status may if
 * it is 408, 409, 429 or 5xx (the AI SDK's `APICallError` default); a wrong
 * key, a missing model, a prompt too long, tools or an input the server does
 * not take will not, whatever the status (llama.cpp answers the last two
 * with a 500).
 * @param kind - the kind of fault
 * @param status - the HTTP status, if any
 */
export function isRetryableFault(kind: ProviderErrorKind, status: number | undefined): boolean {
  switch (kind) {
    case 'refused':
    case 'unreachable':
    case 'timeout':
    case 'cut-stream':
    case 'malformed':
    case 'rate-limited':
    case 'unknown':
      return true;
    case 'http':
      return status === undefined || status === 408 || status === 409 || status === 429 || status >= 500;
    default:
      return false;
  }
}

/** What a {@link ProviderError} carries besides its message. */
export interface ProviderErrorDetails {
  /** Provider id (`local-fast`) or embedder id (`http:nomic-embed-text`). */
  provider: string;
  /** What went wrong. */
  kind: ProviderErrorKind;
  /** HTTP status, when the server answered. */
  status?: number | undefined;
  /** The start of the server's error body, for logs (redacted like the message). */
  responseBody?: string | undefined;
  /** Override of the default of {@link isRetryableFault}. */
  isRetryable?: boolean | undefined;
  /** Keys sent with the request, blanked out of the message and body (anything that looks like a key is too). */
  secrets?: ReadonlyArray<string | null | undefined> | undefined;
}

/**
 * One model or embeddings call failed. The one error class for every such
 * failure, in the manner of the Vercel AI SDK's `APICallError`: it carries
 * the provider, the HTTP status, the {@link ProviderErrorKind} and
 * `isRetryable`. The message is one short line ("connection refused",
 * "HTTP 401 (check the API key)") that callers show as it is, so it is
 * redacted when the error is made: a server that echoes the key in its
 * error body cannot leak it into a reply, a stored message or a log line.
 */
export class ProviderError extends ServiceError {
  /** Provider id (`local-fast`) or embedder id (`http:nomic-embed-text`). */
  readonly provider: string;
  /** What went wrong. */
  readonly kind: ProviderErrorKind;
  /** HTTP status when the server answered. */
  readonly status: number | undefined;
  /** The start of the server's error body (at most 500 characters), redacted, for logs. */
  readonly responseBody: string | undefined;

  /**
   * @param message - what went wrong, one line; redacted here
   * @param details - provider, kind, status, body, retryability and the keys to blank out
   * @param options - `cause`: the underlying error, kept for logs
   */
  constructor(message: string, details: ProviderErrorDetails, options: StewardErrorOptions = {}) {
    const secrets = details.secrets ?? [];
    super(
      redactSecrets(message, secrets),
      details.isRetryable ?? isRetryableFault(details.kind, details.status),
      options,
    );
    this.provider = details.provider;
    this.kind = details.kind;
    this.status = details.status;
    this.responseBody =
      details.responseBody === undefined ? undefined : redactSecrets(details.responseBody.slice(0, 500), secrets);
  }
}
