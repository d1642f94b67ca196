import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import {
  GloveEmbedder,
  createEmbedder,
  embedderFromSpec,
  embedderSpec,
  embedderSpecSchema,
  type EmbedderSpec,
} from '../../src/memory/embedders/index.js';
import { ConfigError } from '../../src/shared/errors.js';
import { startOpenAIServer, type OpenAIServer } from '../support/openai-server.js';

function config(
  env: Record<string, string> = {},
  overrides: Record<string, unknown> = {},
): ReturnType<typeof loadConfig> {
  return loadConfig({ env: { STEWARD_DATA_DIR: '/tmp/steward-unused', ...env }, overrides, readLocalFile: false });
}

/** The embedder factory: config becomes an embedder, and the spec stored in memory_state.serving, in one place. */
describe('embedder factory', () => {
  let server: OpenAIServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  const cases: Array<{ name: string; config: () => ReturnType<typeof loadConfig>; spec: EmbedderSpec; kind: string }> =
    [
      {
        name: 'auto with no URL: the offline word-vector embedder',
        config: () => config(),
        spec: { id: GloveEmbedder.ID, provider: 'offline', url: null, model: null, dimensions: 384 },
        kind: 'offline',
      },
      {
        name: 'auto with a URL and a model',
        config: () =>
          config({ STEWARD_EMBEDDINGS_URL: 'http://127.0.0.1:11434/v1', STEWARD_EMBEDDINGS_MODEL: 'nomic-embed-text' }),
        spec: {
          id: 'http:nomic-embed-text',
          provider: 'http',
          url: 'http://127.0.0.1:11434/v1',
          model: 'nomic-embed-text',
          dimensions: 384,
        },
        kind: 'local',
      },
      {
        name: 'http with the server default model: the host names it',
        config: () =>
          config({ STEWARD_EMBEDDINGS_URL: 'http://127.0.0.1:8081/v1' }, { embeddings: { provider: 'http' } }),
        spec: {
          id: 'http:127.0.0.1:8081',
          provider: 'http',
          url: 'http://127.0.0.1:8081/v1',
          model: null,
          dimensions: 384,
        },
        kind: 'local',
      },
      {
        name: 'openai with a key: text-embedding-3-small by default',
        config: () => config({ OPENAI_API_KEY: 'sk-test-key' }, { embeddings: { provider: 'openai' } }),
        spec: {
          id: 'openai:text-embedding-3-small',
          provider: 'openai',
          url: null,
          model: 'text-embedding-3-small',
          dimensions: 384,
        },
        kind: 'cloud',
      },
      {
        name: 'the hashing embedder at another size',
        config: () => config({}, { embeddings: { provider: 'hashing', offlineDimensions: 256 } }),
        spec: { id: 'hashing:v1:256', provider: 'offline', url: null, model: null, dimensions: 256 },
        kind: 'offline',
      },
    ];

  for (const entry of cases) {
    it(`gives the configured embedder and its stored spec from one function: ${entry.name}`, () => {
      const loaded = entry.config();
      const spec = embedderSpec(loaded);
      // The stored JSON of memory_state.serving: databases written before keep being read the same way.
      expect(spec).toEqual(entry.spec);
      expect(embedderSpecSchema.parse(JSON.parse(JSON.stringify(spec)))).toEqual(spec);
      const embedder = createEmbedder(loaded);
      expect(embedder.id).toBe(spec.id);
      expect(embedder.kind).toBe(entry.kind);
    });
  }

  it('refuses unusable settings with a config error that names the key', () => {
    const noUrl = config({}, { embeddings: { provider: 'http' } });
    expect(() => createEmbedder(noUrl)).toThrow(ConfigError);
    expect(() => createEmbedder(noUrl)).toThrow(/STEWARD_EMBEDDINGS_URL/);
    const noKey = config({}, { embeddings: { provider: 'openai' } });
    expect(() => createEmbedder(noKey)).toThrow(/set OPENAI_API_KEY/);
    const cloudOff = config(
      { OPENAI_API_KEY: 'sk-test-key' },
      { embeddings: { provider: 'openai' }, models: { allowCloud: false } },
    );
    expect(() => createEmbedder(cloudOff)).toThrow(/models.allowCloud is false/);
    // The spec itself holds no secret, so it can be worked out without a key.
    expect(embedderSpec(noKey).id).toBe('openai:text-embedding-3-small');
  });

  it('builds a stored spec against its own server and model after the configuration moved on', async () => {
    server = await startOpenAIServer({ model: 'old-model', dimensions: 8 });
    const stored: EmbedderSpec = {
      id: 'http:old-model',
      provider: 'http',
      url: server.url,
      model: 'old-model',
      dimensions: 384,
    };
    const now = config({}, { embeddings: { provider: 'offline' } });
    const embedder = embedderFromSpec(stored, now, { retries: 0 });
    expect(embedder.id).toBe('http:old-model');
    const [vector] = await embedder.embed(['where did I park']);
    expect(vector).toHaveLength(8);
    expect(server.embeddingRequests.map((request) => request.model)).toEqual(['old-model']);
  });
});
