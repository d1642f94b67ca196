import { describeError } from '../shared/errors.js';
import { http } from '../shared/http.js';

/**
 * The small HTTP calls of `steward init`: each answers, never throws, and
 * says in a few words why it failed (connection refused, timed out).
 */

/** What one request of {@link request} got. */
export type Fetched =
  | { ok: true; status: number; data: unknown; ms: number }
  | { ok: false; status: number | undefined; reason: string; data?: unknown; ms: number };

/** Options of {@link request}. */
export interface RequestOptions {
  /** `GET` (default) or `POST`. */
  method?: 'GET' | 'POST';
  /** JSON body of a POST. */
  body?: unknown;
  /** Timeout, in ms. */
  timeoutMs: number;
  /** Bearer key, if the server needs one. */
  apiKey?: string | null | undefined;
}

function reasonOf(error: unknown, timeoutMs: number): string {
  const code = (error as { code?: string }).code;
  if (code === 'ECONNREFUSED') return 'connection refused';
  if (code === 'ECONNABORTED' || code === 'ETIMEDOUT') return `no answer in ${timeoutMs} ms`;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'host not found';
  if (code === 'ECONNRESET') return 'connection reset';
  return describeError(error);
}

/**
 * One HTTP request. A 2xx answer is `ok` with its parsed body (JSON when it
 * parses, else the text); anything else says why.
 * @param url - the full URL
 * @param options - method, body, timeout in ms, key
 * @returns what came back, with the time it took in ms
 */
export async function request(url: string, options: RequestOptions): Promise<Fetched> {
  const started = performance.now();
  const axios = await http();
  try {
    const response = await axios.request<unknown>({
      url,
      method: options.method ?? 'GET',
      data: options.body,
      timeout: options.timeoutMs,
      validateStatus: () => true,
      responseType: 'text',
      transformResponse: (raw: unknown) => raw,
      headers:
        options.apiKey === null || options.apiKey === undefined ? {} : { authorization: `Bearer ${options.apiKey}` },
    });
    const ms = Math.round(performance.now() - started);
    let data: unknown = response.data;
    if (typeof data === 'string' && data.trim() !== '') {
      try {
        data = JSON.parse(data);
      } catch {
        // Plain text (Ollama's "Ollama is running"), kept as it is.
      }
    }
    if (response.status >= 200 && response.status < 300) return { ok: true, status: response.status, data, ms };
    return { ok: false, status: response.status, reason: `HTTP ${response.status}${errorText(data)}`, data, ms };
  } catch (error) {
    return {
      ok: false,
      status: undefined,
      reason: reasonOf(error, options.timeoutMs),
      ms: Math.round(performance.now() - started),
    };
  }
}

/** `: <message>` of an OpenAI-style error body, or nothing. */
function errorText(data: unknown): string {
  if (typeof data === 'string') return data.trim() === '' ? '' : `: ${data.trim().slice(0, 160)}`;
  if (data === null || typeof data !== 'object') return '';
  const error = (data as { error?: unknown; message?: unknown }).error ?? data;
  if (typeof error === 'string') return `: ${error.slice(0, 160)}`;
  const message = (error as { message?: unknown }).message;
  return typeof message === 'string' ? `: ${message.slice(0, 160)}` : '';
}

/** True when `value` is a plain object. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
