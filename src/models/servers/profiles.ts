import type { Logger } from '../../shared/log.js';
import type { ModelProvider } from '../providers.js';
import { field, listEntries, positive, ServerClient } from './client.js';
import {
  detectFamily,
  inspectExo,
  inspectLlamaCpp,
  inspectLmStudio,
  inspectMlx,
  inspectOllama,
  inspectOther,
  inspectVllm,
  type Findings,
  type InspectionInput,
} from './families.js';
import type { ServerFamily, ServerProfile } from './profile.js';

/** What a failed request taught steward about a server, kept until the server says otherwise. */
interface Learned {
  contextTokens?: { tokens: number; source: string };
  noTools?: string;
}

const INSPECT: Record<ServerFamily, (input: InspectionInput) => Findings | Promise<Findings>> = {
  'llama.cpp': inspectLlamaCpp,
  ollama: inspectOllama,
  mlx: inspectMlx,
  exo: inspectExo,
  vllm: inspectVllm,
  'lm-studio': inspectLmStudio,
  'openai-compatible': inspectOther,
};

/**
 * The {@link ServerProfile} of each local provider: refreshed after every
 * successful health probe from the model list the probe fetched and the
 * server's own routes, and corrected by what failed requests say (a
 * context size in a context-too-long error, a server that takes no tools).
 * Cloud providers have none: their model is always configured.
 */
export class ServerProfiles {
  readonly #timeoutMs: number;
  readonly #log: Logger;
  readonly #profiles = new Map<string, ServerProfile>();
  readonly #families = new Map<string, ServerFamily>();
  readonly #learned = new Map<string, Learned>();

  /**
   * @param options - timeout of each request to a server's own routes (the probe timeout), and a logger
   */
  constructor(options: { timeoutMs: number; log: Logger }) {
    this.#timeoutMs = options.timeoutMs;
    this.#log = options.log;
  }

  /**
   * The profile of a provider, with what failed requests taught, or undefined before its first inspection.
   * @param provider - the provider
   */
  get(provider: ModelProvider): ServerProfile | undefined {
    const profile = this.#profiles.get(provider.id);
    if (profile === undefined) return undefined;
    const learned = this.#learned.get(provider.id) ?? {};
    const fromServer = profile.contextSource !== null && !profile.contextSource.startsWith('assumed');
    const context =
      fromServer || learned.contextTokens === undefined
        ? { contextTokens: profile.contextTokens, contextSource: profile.contextSource }
        : { contextTokens: learned.contextTokens.tokens, contextSource: learned.contextTokens.source };
    const tools =
      learned.noTools === undefined
        ? { tools: profile.tools, toolsSource: profile.toolsSource }
        : { tools: false, toolsSource: learned.noTools };
    return { ...profile, ...context, ...tools };
  }

  /**
   * Inspect a local server again after a successful probe: its family (told
   * once), the model to ask for, its context size and whether it takes tools.
   * @param provider - the provider (local)
   * @param body - the `GET /models` body the probe fetched
   * @returns the new profile
   */
  async refresh(provider: ModelProvider, body: unknown): Promise<ServerProfile> {
    const client = new ServerClient(provider, this.#timeoutMs);
    let family = this.#families.get(provider.id);
    if (family === undefined) {
      family = await detectFamily(body, client);
      this.#families.set(provider.id, family);
    }
    const listed = listEntries(body)
      .map((entry) => entry.id)
      .filter((id): id is string => typeof id === 'string');
    const previous = this.#profiles.get(provider.id);
    const findings = await INSPECT[family]({
      providerId: provider.id,
      configured: provider.model,
      body,
      listed,
      client,
      previous,
    });
    const profile: ServerProfile = { family, listed, ...findings };
    const before = previous?.choice;
    if (!profile.choice.ok && (before === undefined || before.ok))
      this.#log.warn({ provider: provider.id, family }, `no model chosen: ${profile.choice.problem}`);
    this.#profiles.set(provider.id, profile);
    return this.get(provider) as ServerProfile;
  }

  /**
   * Before a turn that fits its prompt to the context: when the context is
   * only assumed because Ollama has not loaded the model yet, have Ollama
   * load it (`POST /api/generate` with an empty prompt: "the model will be
   * loaded into memory", Ollama's API docs), then read the context it runs
   * with from `/api/ps`. The chat request would pay for the load anyway.
   * @param provider - the provider
   * @param timeoutMs - how long the load may take, in ms
   */
  async prepare(provider: ModelProvider, timeoutMs: number): Promise<void> {
    const profile = this.#profiles.get(provider.id);
    if (profile?.family !== 'ollama' || !profile.choice.ok || profile.contextSource?.startsWith('assumed') !== true)
      return;
    const model = profile.choice.model;
    const client = new ServerClient(provider, timeoutMs);
    const loaded = await client.post('/api/generate', { model, prompt: '' });
    if (loaded?.status !== 200) return;
    const ps = await client.get('/api/ps');
    const models = field(ps?.data, 'models');
    const entry: unknown = Array.isArray(models)
      ? (models as unknown[]).find(
          (candidate) => field(candidate, 'model') === model || field(candidate, 'name') === model,
        )
      : undefined;
    const context = positive(field(entry, 'context_length'));
    if (context !== undefined)
      this.#profiles.set(provider.id, {
        ...profile,
        contextTokens: context,
        contextSource: 'Ollama /api/ps context_length',
      });
  }

  /**
   * The server is gone or replaced (its probe failed): tell its family again next time.
   * @param provider - the provider
   */
  forgetFamily(provider: ModelProvider): void {
    this.#families.delete(provider.id);
  }

  /**
   * A context size a server stated (in a context-too-long error).
   * @param provider - the provider
   * @param tokens - the size, in tokens
   * @param source - where it was read, for doctor
   */
  learnContext(provider: ModelProvider, tokens: number, source: string): void {
    this.#learned.set(provider.id, { ...this.#learned.get(provider.id), contextTokens: { tokens, source } });
    // Newer than what the server's routes said at the last probe (a server restarted with another
    // context); the next probe reads them again.
    const profile = this.#profiles.get(provider.id);
    if (profile !== undefined)
      this.#profiles.set(provider.id, { ...profile, contextTokens: tokens, contextSource: source });
  }

  /**
   * The server refused tools (llama-server without `--jinja`, an Ollama model without the capability).
   * @param provider - the provider
   * @param source - what it said, for doctor
   */
  learnNoTools(provider: ModelProvider, source: string): void {
    this.#learned.set(provider.id, { ...this.#learned.get(provider.id), noTools: source });
  }
}
