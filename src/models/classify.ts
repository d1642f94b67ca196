import { ProviderError } from '../shared/errors.js';
import { faultOfNetworkError, faultOfResponse, type Fault } from './faults.js';

function field(value: unknown, key: string): unknown {
  return value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined;
}

/** Each error of an error's `cause` chain, outermost first (at most 6). */
function* causeChain(error: unknown): Generator<unknown> {
  let cursor = error;
  for (let depth = 0; depth < 6 && cursor !== null && cursor !== undefined; depth += 1) {
    yield cursor;
    cursor = field(cursor, 'cause');
  }
}

function nameOf(error: unknown): string {
  const name = field(error, 'name');
  return typeof name === 'string' ? name : '';
}

function constructorName(error: unknown): string {
  const constructor = field(error, 'constructor');
  return typeof constructor === 'function' ? constructor.name : '';
}

/**
 * The fault of an error thrown by the openai SDK or by LangChain around it,
 * from what they set on it (`status`, `error`, `code`, `name`, the class):
 *
 * - an HTTP error: the SDK's `APIError` with `status`, and the body's `error`
 *   object in `error` ({@link faultOfResponse} reads it). LangChain keeps the
 *   error, adding `lc_error_code`, or wraps it in `ContextOverflowError` with
 *   the original as `cause`, so the chain is searched;
 * - LangChain's `ContextOverflowError` (by name), whose cause may carry no status;
 * - a timeout: the SDK's `APIConnectionTimeoutError` (by class, as
 *   `@langchain/openai`'s `wrapOpenAIClientError` checks it), which LangChain
 *   turns into an `Error` named `TimeoutError`;
 * - a failed connection: the SDK's `APIConnectionError`, with fetch's error as
 *   `cause` and the Node.js code (ECONNREFUSED, ...) under that
 *   ({@link faultOfNetworkError});
 * - JSON that does not parse: a `SyntaxError` from the SDK's `JSON.parse`.
 */
function faultOfClientError(
  error: unknown,
  timeoutMs: number,
): (Fault & { status?: number | undefined; body?: string | undefined }) | undefined {
  const chain = [...causeChain(error)];
  const names = chain.flatMap((link) => [nameOf(link), constructorName(link)]);
  const answered = chain.find((link) => typeof field(link, 'status') === 'number');
  if (answered !== undefined) {
    const status = field(answered, 'status') as number;
    const body = field(answered, 'error');
    const fault = faultOfResponse(status, body === undefined ? {} : { error: body });
    const responseBody = body === undefined ? undefined : JSON.stringify(body);
    if (names.includes('ContextOverflowError') && fault.kind !== 'context-too-long') {
      const said = fault.detail === '' ? '' : `: ${fault.detail}`;
      return {
        kind: 'context-too-long',
        message: `HTTP ${status} (context too long${said})`,
        status,
        body: responseBody,
      };
    }
    return { ...fault, status, body: responseBody };
  }
  if (names.includes('ContextOverflowError')) return { kind: 'context-too-long', message: 'context too long' };
  if (names.includes('TimeoutError') || names.includes('APIConnectionTimeoutError'))
    return { kind: 'timeout', message: `timed out after ${timeoutMs} ms` };
  const network = faultOfNetworkError(error, timeoutMs);
  if (network !== undefined) return network;
  if (names.includes('APIConnectionError')) return { kind: 'unreachable', message: 'connection failed' };
  if (error instanceof SyntaxError) return { kind: 'malformed', message: 'malformed response' };
  return undefined;
}

/**
 * Map whatever a model request threw into a {@link ProviderError}. A
 * `ProviderError` anywhere in the `cause` chain (from the stream guard, a
 * liveness probe, the chat call) is returned as it is: its kind was decided
 * where the failure happened. Errors of the openai SDK and LangChain are
 * mapped from their status, body, code and class name. An error that none of
 * these describe keeps the first line of its own message (redacted), as kind
 * `unknown`; that is the one place where a message is taken as it is, since
 * the error gives nothing else.
 *
 * @param error - the thrown value
 * @param provider - provider id, for example `local-fast`
 * @param timeoutMs - the timeout in force, for the reason of a timeout
 * @param secrets - keys sent with the request, blanked out of the message and body
 * @returns the error as a `ProviderError`
 */
export function classifyProviderError(
  error: unknown,
  provider: string,
  timeoutMs: number,
  secrets: ReadonlyArray<string | null | undefined> = [],
): ProviderError {
  for (const link of causeChain(error)) if (link instanceof ProviderError) return link;
  const fault = faultOfClientError(error, timeoutMs);
  if (fault !== undefined)
    return new ProviderError(
      fault.message,
      { provider, kind: fault.kind, status: fault.status, responseBody: fault.body, secrets },
      { cause: error },
    );
  const message = field(error, 'message');
  const firstLine = (typeof message === 'string' ? message : String(error)).split('\n')[0] ?? '';
  return new ProviderError(
    firstLine.slice(0, 200) || 'failed',
    { provider, kind: 'unknown', secrets },
    { cause: error },
  );
}
