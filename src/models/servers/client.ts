import { http } from '../../shared/http.js';
import type { ModelProvider } from '../providers.js';

/** An answer of a server's own route: its status and parsed body (text when it is not JSON). */
export interface RouteAnswer {
  /** HTTP status. */
  status: number;
  /** The body, parsed as JSON when it is JSON. */
  data: unknown;
}

/**
 * Requests to a model server's own routes, beside the OpenAI ones: llama.cpp
 * `/props`, Ollama `/api/ps` and `/api/show`, exo `/ollama/api/ps`, LM Studio
 * `/api/v0/models`, mlx `/health`. They live at the root of the server, the
 * base URL without its `/v1`. Each carries the provider's key, if any, and the
 * probe timeout; a request that fails to connect answers undefined.
 */
export class ServerClient {
  /** The server's root URL: the base URL without a trailing `/v1`. */
  readonly root: string;
  readonly #provider: ModelProvider;
  readonly #timeoutMs: number;

  /**
   * @param provider - the provider
   * @param timeoutMs - timeout of one request, in ms
   */
  constructor(provider: ModelProvider, timeoutMs: number) {
    this.#provider = provider;
    this.#timeoutMs = timeoutMs;
    this.root = provider.baseUrl.replace(/\/v1$/, '');
  }

  /**
   * `GET {root}{path}`.
   * @param path - for example `/props`
   * @returns the answer, or undefined when the server did not answer
   */
  get(path: string): Promise<RouteAnswer | undefined> {
    return this.#request('get', path);
  }

  /**
   * `POST {root}{path}` with a JSON body.
   * @param path - for example `/api/show`
   * @param body - the JSON body
   * @returns the answer, or undefined when the server did not answer
   */
  post(path: string, body: unknown): Promise<RouteAnswer | undefined> {
    return this.#request('post', path, body);
  }

  async #request(method: 'get' | 'post', path: string, body?: unknown): Promise<RouteAnswer | undefined> {
    try {
      const response = await (
        await http()
      ).request<unknown>({
        method,
        url: `${this.root}${path}`,
        data: body,
        timeout: this.#timeoutMs,
        headers: this.#provider.apiKey === undefined ? {} : { Authorization: `Bearer ${this.#provider.apiKey}` },
        validateStatus: () => true,
        responseType: 'text',
        transformResponse: [(raw: unknown) => raw],
      });
      return { status: response.status, data: parseBody(response.data) };
    } catch {
      // Not answering a side route is not a fault of the server's chat: the caller knows less, that is all.
      return undefined;
    }
  }
}

function parseBody(raw: unknown): unknown {
  if (typeof raw !== 'string') return raw;
  try {
    return JSON.parse(raw) as unknown;
  } catch (error) {
    if (error instanceof SyntaxError) return raw;
    throw error;
  }
}

/** A field of an object, or undefined. */
export function field(value: unknown, key: string): unknown {
  return value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined;
}

/** The entries of `data` in a `GET /models` body (`{data: [...]}`), objects only. */
export function listEntries(body: unknown): Array<Record<string, unknown>> {
  const data = field(body, 'data');
  return Array.isArray(data)
    ? data.filter((entry): entry is Record<string, unknown> => entry !== null && typeof entry === 'object')
    : [];
}

/** A positive whole number, or undefined. */
export function positive(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : undefined;
}
