import { isRecord, type Fetched } from './http-get.js';
import type { FoundModel, ModelKind, ServerSoftware } from './types.js';

/**
 * Each server's model list, read the way that server tells chat models from
 * embedding models (`real-servers.md` §3–8):
 * - Ollama: `/api/tags` `capabilities` (v0.30+: `completion`, `embedding`),
 *   else `/api/show` `capabilities` (v0.6.4+), else the `bert` families;
 *   `/api/ps` for what is loaded (`server/routes.go`);
 * - LM Studio: `/api/v0/models` `type` (`llm`, `vlm`, `embeddings`) and `state`;
 * - exo: the whole catalogue, of which only models with an instance
 *   (`/ollama/api/ps`) can answer (`src/exo/api/main.py`); no embeddings;
 * - mlx_lm.server: chat only, no embeddings endpoint (`mlx_lm/server.py`);
 * - llama.cpp and vLLM list one served model and say nothing of its kind.
 */

/** The extra requests a model list may need: a GET (or POST with a body) on the server's root. */
export type Getter = (path: string, body?: unknown) => Promise<Fetched>;

/** Names of embedding models, for servers that say nothing (a guess, marked as such). */
const EMBEDDING_NAME = /embed|(^|[/:_-])(bge|e5|gte|minilm)([-_:.]|$)/i;

/** Billions of parameters from `8.0B`, `137M`, or a name such as `qwen2.5-7b-instruct`; 0 when none. */
export function parameterBillions(text: unknown): number {
  if (typeof text !== 'string') return 0;
  const match = /(\d+(?:\.\d+)?)\s*([bm])(?![a-z])/i.exec(text);
  if (match === null) return 0;
  const value = Number(match[1]);
  return (match[2] ?? '').toLowerCase() === 'm' ? value / 1000 : value;
}

function byName(id: string): { kind: ModelKind; kindFrom?: string } {
  return EMBEDDING_NAME.test(id) ? { kind: 'embedding', kindFrom: 'name' } : { kind: 'unknown' };
}

function fromCapabilities(capabilities: unknown): ModelKind | undefined {
  if (!Array.isArray(capabilities)) return undefined;
  if (capabilities.includes('embedding')) return 'embedding';
  if (capabilities.includes('completion')) return 'chat';
  return undefined;
}

/** At most this many `/api/show` requests for an old Ollama without capabilities in its list. */
const SHOW_LIMIT = 12;

async function ollamaModels(get: Getter): Promise<{ models: FoundModel[] }> {
  const tags = await get('/api/tags');
  const listed = ((tags.data as { models?: unknown } | undefined)?.models ?? []) as unknown[];
  const running = await get('/api/ps');
  const loaded = new Set(
    (((running.data as { models?: unknown } | undefined)?.models ?? []) as unknown[])
      .filter(isRecord)
      .map((entry) => entry.model ?? entry.name),
  );
  const models: FoundModel[] = [];
  for (const [index, entry] of listed.filter(isRecord).entries()) {
    const id = String(entry.model ?? entry.name);
    const details = isRecord(entry.details) ? entry.details : {};
    let kind = fromCapabilities(entry.capabilities);
    let kindFrom = kind === undefined ? undefined : 'capabilities';
    if (kind === undefined && index < SHOW_LIMIT) {
      const shown = await get('/api/show', { model: id });
      kind = fromCapabilities((shown.data as { capabilities?: unknown } | undefined)?.capabilities);
      if (kind !== undefined) kindFrom = 'capabilities';
    }
    if (kind === undefined) {
      const families = [
        details.family,
        ...(Array.isArray(details.families) ? (details.families as unknown[]) : []),
      ].map(String);
      if (families.some((family) => family.includes('bert'))) {
        kind = 'embedding';
        kindFrom = 'family';
      }
    }
    const size = parameterBillions(details.parameter_size) || (typeof entry.size === 'number' ? entry.size / 1e9 : 0);
    models.push({
      id,
      kind: kind ?? 'unknown',
      ...(kindFrom === undefined ? {} : { kindFrom }),
      size,
      loaded: loaded.has(id),
    });
  }
  return { models };
}

async function lmStudioModels(get: Getter): Promise<{ models: FoundModel[] }> {
  const listed = await get('/api/v0/models');
  const entries = (((listed.data as { data?: unknown } | undefined)?.data ?? []) as unknown[]).filter(isRecord);
  return {
    models: entries.map((entry) => {
      const type = String(entry.type);
      const kind: ModelKind =
        type === 'embeddings' ? 'embedding' : type === 'llm' || type === 'vlm' ? 'chat' : 'unknown';
      return {
        id: String(entry.id),
        kind,
        ...(kind === 'unknown' ? {} : { kindFrom: 'type' }),
        size: parameterBillions(entry.id),
        loaded: entry.state === 'loaded',
      };
    }),
  };
}

async function exoModels(
  entries: ReadonlyArray<Record<string, unknown>>,
  get: Getter,
): Promise<{ models: FoundModel[]; note?: string }> {
  const running = await get('/ollama/api/ps');
  const ids = new Set(
    (((running.data as { models?: unknown } | undefined)?.models ?? []) as unknown[])
      .filter(isRecord)
      .map((entry) => String(entry.model ?? entry.name)),
  );
  const models = entries
    .filter((entry) => ids.has(String(entry.id)))
    .map((entry) => ({
      id: String(entry.id),
      kind: 'chat' as const,
      kindFrom: 'tasks',
      size: parameterBillions(entry.id),
      loaded: true,
    }));
  const rest = entries.length - models.length;
  return {
    models,
    ...(rest > 0 ? { note: `${rest} more in its catalogue are not running; start one in exo to use it` } : {}),
  };
}

/**
 * The models of a server, by software.
 * @param software - what {@link probeServer} found
 * @param entries - its `/v1/models` entries
 * @param get - requests to its root
 * @returns the models, and a note for the owner when there is one
 */
export async function listModels(
  software: ServerSoftware,
  entries: ReadonlyArray<Record<string, unknown>>,
  get: Getter,
): Promise<{ models: FoundModel[]; note?: string }> {
  switch (software) {
    case 'ollama':
      return ollamaModels(get);
    case 'lmstudio':
      return lmStudioModels(get);
    case 'exo':
      return exoModels(entries, get);
    case 'mlx':
      return {
        models: entries.map((entry) => ({
          id: String(entry.id),
          kind: 'chat',
          kindFrom: 'server',
          size: parameterBillions(entry.id),
        })),
        note: 'it lists every cached model; steward asks for the one it serves (no model name)',
      };
    default:
      return {
        models: entries.map((entry) => {
          const meta = isRecord(entry.meta) ? entry.meta : {};
          const size = typeof meta.n_params === 'number' ? meta.n_params / 1e9 : parameterBillions(entry.id);
          return { id: String(entry.id), ...byName(String(entry.id)), size };
        }),
      };
  }
}
