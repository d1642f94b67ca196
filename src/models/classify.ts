import { ProviderUnavailableError } from '../shared/errors.js';
import { redactSecrets } from '../shared/log.js';

interface ErrorLike {
  name?: unknown;
  message?: unknown;
  status?: unknown;
  code?: unknown;
  cause?: unknown;
  response?: { status?: unknown };
}

function asErrorLike(value: unknown): ErrorLike {
  return typeof value === 'object' && value !== null ? value : {};
}

/** The first Node.js error code (ECONNREFUSED, ETIMEDOUT, ...) in an error's cause chain. */
function networkCode(error: unknown): string | undefined {
  let cursor: unknown = error;
  for (let depth = 0; depth < 6 && cursor !== undefined && cursor !== null; depth += 1) {
    const like = asErrorLike(cursor);
    if (typeof like.code === 'string' && /^(E[A-Z]+|UND_ERR_[A-Z_]+)$/.test(like.code)) return like.code;
    cursor = like.cause;
  }
  return undefined;
}

/**
 * Turn whatever a model request threw (openai SDK, LangChain, axios, fetch)
 * into a {@link ProviderUnavailableError} with a short reason.
 *
 * @param error - the thrown value
 * @param provider - provider id
 * @param timeoutMs - the timeout in force, for the message
 * @returns the classified error; `retryable` is false for 4xx answers other than 408 and 429
 */
export function classifyProviderError(error: unknown, provider: string, timeoutMs: number): ProviderUnavailableError {
  if (error instanceof ProviderUnavailableError) return error;
  const like = asErrorLike(error);
  const name = typeof like.name === 'string' ? like.name : '';
  const message = typeof like.message === 'string' ? like.message : String(error);
  const statusValue = typeof like.status === 'number' ? like.status : like.response?.status;
  const status = typeof statusValue === 'number' ? statusValue : undefined;
  const code = networkCode(error);

  if (code === 'ECONNREFUSED')
    return new ProviderUnavailableError('connection refused', { provider, retryable: true }, { cause: error });
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN')
    return new ProviderUnavailableError('host not found', { provider, retryable: true }, { cause: error });
  if (
    code === 'ECONNRESET' ||
    code === 'EPIPE' ||
    code === 'UND_ERR_SOCKET' ||
    message === 'terminated' ||
    (code === 'ECONNABORTED' && !/timeout/i.test(message))
  ) {
    return new ProviderUnavailableError('connection dropped', { provider, retryable: true }, { cause: error });
  }
  if (
    /timeout|timed out/i.test(name) ||
    /timeout|timed out/i.test(message) ||
    code === 'ETIMEDOUT' ||
    code === 'ECONNABORTED'
  ) {
    return new ProviderUnavailableError(
      `timed out after ${timeoutMs} ms`,
      { provider, retryable: true },
      { cause: error },
    );
  }
  if (status !== undefined) {
    const hint =
      status === 401 || status === 403
        ? ' (check the API key)'
        : status === 404
          ? ' (check the base URL and model name)'
          : '';
    const retryable = status >= 500 || status === 408 || status === 429;
    return new ProviderUnavailableError(`HTTP ${status}${hint}`, { provider, status, retryable }, { cause: error });
  }
  if (name === 'APIConnectionError' || /connection error|fetch failed|socket/i.test(message)) {
    return new ProviderUnavailableError('connection failed', { provider, retryable: true }, { cause: error });
  }
  if (error instanceof SyntaxError || /json|unexpected token|malformed/i.test(message)) {
    return new ProviderUnavailableError('malformed response', { provider, retryable: true }, { cause: error });
  }
  // An unknown error's own words, first line only and without anything that looks like a key.
  return new ProviderUnavailableError(
    redactSecrets(message.split('\n')[0] ?? 'failed').slice(0, 200),
    { provider, retryable: true },
    { cause: error },
  );
}
