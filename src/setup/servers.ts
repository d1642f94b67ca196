import { request, type Fetched } from './http-get.js';
import { listModels } from './model-lists.js';
import type { FoundModel, ServerSoftware } from './types.js';

export type { FoundModel, ModelKind, ServerSoftware } from './types.js';

/**
 * Finding the local OpenAI-compatible model servers: the usual ports, what
 * answers there, and which software it is. The facts behind each check are
 * in the research notes on the real servers (`real-servers.md`), each
 * naming the project's file.
 */

/** A server that answered with a model list. */
export interface FoundServer {
  /** OpenAI-compatible base URL ending in `/v1`. */
  baseUrl: string;
  /** Which software it is. */
  software: ServerSoftware;
  /** Its models, as it lists them. */
  models: FoundModel[];
  /**
   * Leave `model` unset for this server (mlx_lm.server: a request naming a
   * model loads that one in place of the served one; omitting it is always
   * safe, `mlx_lm/server.py` `ModelProvider`).
   */
  omitModel: boolean;
  /** A word about the server for the owner (the key it needs, the catalogue it lists). */
  note?: string;
}

/** A URL where no model server answered. */
export interface MissingServer {
  /** The base URL tried. */
  baseUrl: string;
  /** Why: `connection refused`, `no answer in 1500 ms`, `HTTP 404`, ... */
  reason: string;
}

/** The usual local ports of each server (`real-servers.md` §3–8, §10.9). */
export const USUAL_SERVERS: ReadonlyArray<{ url: string; name: string }> = [
  // ollama/ollama envconfig/config.go: 127.0.0.1:11434.
  { url: 'http://127.0.0.1:11434', name: 'Ollama' },
  // LM Studio docs: every example uses localhost:1234.
  { url: 'http://127.0.0.1:1234', name: 'LM Studio' },
  // mlx_lm/server.py --port 8080; older llama-server builds 8080.
  { url: 'http://127.0.0.1:8080', name: 'mlx_lm.server or llama.cpp' },
  // llama.cpp tools/server/README.md: `--port` default 9931 in current builds.
  { url: 'http://127.0.0.1:9931', name: 'llama.cpp' },
  // vLLM: port 8000.
  { url: 'http://127.0.0.1:8000', name: 'vLLM' },
  // exo src/exo/main.py: --api-port 52415.
  { url: 'http://127.0.0.1:52415', name: 'exo' },
];

/**
 * The server's root and its `/v1` base URL, from what the owner typed
 * (`http://host:11434`, `http://host:11434/v1/`, `host:1234`).
 * @param url - a URL, with or without `/v1` and the scheme
 * @returns the root (no trailing slash) and the base URL ending in `/v1`
 */
export function normaliseServerUrl(url: string): { root: string; baseUrl: string } {
  let root = url.trim().replace(/\/+$/, '');
  if (!/^https?:\/\//i.test(root)) root = `http://${root}`;
  root = root.replace(/\/v1$/i, '');
  return { root, baseUrl: `${root}/v1` };
}

/** The entries of an OpenAI `/v1/models` answer, or undefined when it is not one. */
export function openAIModelList(fetched: Fetched): Array<Record<string, unknown>> | undefined {
  if (!fetched.ok) return undefined;
  const data = (fetched.data as { data?: unknown } | undefined)?.data;
  if (!Array.isArray(data)) return undefined;
  return data.filter(
    (entry): entry is Record<string, unknown> =>
      typeof entry === 'object' && entry !== null && typeof (entry as { id?: unknown }).id === 'string',
  );
}

/** Options of {@link probeServer}. */
export interface ProbeOptions {
  /** Timeout of each request, in ms. */
  timeoutMs: number;
  /** Bearer key to send, if any. */
  apiKey?: string | null | undefined;
}

/**
 * Probe one URL: is a model server there, which one, and which models does
 * it offer? `GET /v1/models` first (every server has it); its `owned_by`
 * names llama.cpp (`llamacpp`), vLLM (`vllm`) and exo (`exo`); Ollama
 * answers `/api/tags`, LM Studio `/api/v0/models`, and mlx_lm.server
 * `/health` with `{"status": "ok"}` and models without `owned_by`.
 * @param url - the server's URL, with or without `/v1`
 * @param options - timeout and key
 * @returns the server and its models, or why none answered
 */
export async function probeServer(url: string, options: ProbeOptions): Promise<FoundServer | MissingServer> {
  const { root, baseUrl } = normaliseServerUrl(url);
  const get = (path: string, body?: unknown): Promise<Fetched> =>
    request(`${root}${path}`, {
      timeoutMs: options.timeoutMs,
      apiKey: options.apiKey,
      ...(body === undefined ? {} : { method: 'POST' as const, body }),
    });
  const models = await get('/v1/models');
  const entries = openAIModelList(models);
  if (entries === undefined) {
    if (models.ok) return { baseUrl, reason: 'GET /v1/models did not answer a model list' };
    // vLLM checks its key on /v1 paths only (`api_server.py` authentication middleware): 401 means a key is needed.
    if (models.status === 401) return { baseUrl, reason: 'HTTP 401: the server needs an API key' };
    return {
      baseUrl,
      reason: models.status === 404 ? 'HTTP 404: not an OpenAI-compatible model server' : models.reason,
    };
  }
  const software = await identify(entries, get);
  const listed = await listModels(software, entries, get);
  return { baseUrl, software, omitModel: software === 'mlx', ...listed };
}

/** Which server answered a model list (see {@link probeServer}). */
async function identify(
  entries: ReadonlyArray<Record<string, unknown>>,
  get: (path: string) => Promise<Fetched>,
): Promise<ServerSoftware> {
  const owners = new Set(entries.map((entry) => entry.owned_by));
  if (owners.has('llamacpp')) return 'llamacpp';
  if (owners.has('vllm')) return 'vllm';
  if (owners.has('exo')) return 'exo';
  const listOf = (fetched: Fetched, key: string): unknown =>
    fetched.ok ? (fetched.data as Record<string, unknown> | undefined)?.[key] : undefined;
  if (Array.isArray(listOf(await get('/api/tags'), 'models'))) return 'ollama';
  if (Array.isArray(listOf(await get('/api/v0/models'), 'data'))) return 'lmstudio';
  if (entries.every((entry) => entry.owned_by === undefined)) {
    const health = await get('/health');
    if (health.ok && (health.data as { status?: unknown } | undefined)?.status === 'ok') return 'mlx';
  }
  return 'openai-compatible';
}

/**
 * Whether a probe found a server.
 * @param probe - what {@link probeServer} returned
 */
export function isFound(probe: FoundServer | MissingServer): probe is FoundServer {
  return 'software' in probe;
}

/** The software's name as the owner knows it. */
export const SOFTWARE_NAMES: Record<ServerSoftware, string> = {
  ollama: 'Ollama',
  lmstudio: 'LM Studio',
  llamacpp: 'llama.cpp',
  mlx: 'mlx_lm.server',
  vllm: 'vLLM',
  exo: 'exo',
  'openai-compatible': 'an OpenAI-compatible server',
};
