import { SignalReceiveError } from '../../shared/errors.js';

/**
 * Parse an HTTP `Retry-After` value (seconds, or an HTTP date).
 * @param value - the header value, if any
 * @param now - the current instant, in ms since the epoch (for the date form)
 * @returns the wait in ms, or undefined when absent or unreadable
 */
export function parseRetryAfter(value: string | null | undefined, now: number): number | undefined {
  if (value === null || value === undefined || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.round(seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * Class a refused receive connection: 429 waits as told, 5xx and the like
 * back off, and the answers that retrying cannot fix (400, 401, 403, 404)
 * stop receiving with a message saying what to check.
 * @param status - the HTTP status that came back instead of a stream
 * @param what - the endpoint, for example `GET http://127.0.0.1:8080/api/v1/events`
 * @param hint - what to check when the endpoint is missing or refuses us
 * @param retryAfterMs - the server's Retry-After, in ms
 * @returns a SignalReceiveError classed `rate-limited` (429, with the wait), `fatal` (400, 401, 403, 404, 405, with the hint;
 *   421, signal-cli's Host check) or `transient` (anything else)
 */
export function receiveErrorForStatus(
  status: number,
  what: string,
  hint: string,
  retryAfterMs: number | undefined,
): SignalReceiveError {
  if (status === 429)
    return new SignalReceiveError(`${what} answered 429 (rate limited)`, {
      kind: 'rate-limited',
      status,
      retryAfterMs,
    });
  if (status === 421)
    return new SignalReceiveError(
      `${what} answered HTTP 421: signal-cli 0.14.4 and later refuse a Host header other than the address it was started with (--http), localhost or 127.0.0.1; set STEWARD_SIGNAL_URL to http://127.0.0.1:<port> or http://localhost:<port>, or start signal-cli with --http on that host (0.0.0.0 from 0.14.5)`,
      { kind: 'fatal', status },
    );
  if (status === 400 || status === 401 || status === 403 || status === 404 || status === 405) {
    return new SignalReceiveError(`${what} answered HTTP ${status}: ${hint}`, { kind: 'fatal', status });
  }
  return new SignalReceiveError(`${what} answered HTTP ${status}`, { kind: 'transient', status });
}

/**
 * One line for a failed connection attempt, with the system error code when
 * there is one (fetch hides it in `cause`).
 * @param error - what `fetch` or the websocket threw
 * @returns `connection refused`, the system error code with its message (`ENOTFOUND (...)`), or the error's message
 */
export function describeConnectionError(error: unknown): string {
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  const code = (cause as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ECONNREFUSED') return 'connection refused';
  if (code !== undefined)
    return `${code}${cause instanceof Error && cause.message !== '' ? ` (${cause.message})` : ''}`;
  return cause instanceof Error ? cause.message : String(cause);
}
