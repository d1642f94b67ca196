import { afterEach, describe, expect, it } from 'vitest';
import { isFound, probeServer, proposeChoices, type FoundServer } from '../../src/setup/index.js';
import { startListingServer } from '../support/model-list-servers.js';
import { refusedUrl } from '../support/openai-server.js';

/** steward init reads each server's model list the way that server tells chat from embedding models. */
describe('finding model servers', () => {
  const closers: Array<() => Promise<void>> = [];
  afterEach(async () => {
    await Promise.all(closers.splice(0).map((close) => close()));
  });

  async function probe(kind: Parameters<typeof startListingServer>[0]): Promise<FoundServer> {
    const server = await startListingServer(kind);
    closers.push(server.close);
    const found = await probeServer(server.root, { timeoutMs: 2000 });
    if (!isFound(found)) throw new Error(`not found: ${found.reason}`);
    return found;
  }

  it('LM Studio: chat and embedding models by their type, loaded ones marked; the quality tier is the larger model', async () => {
    const found = await probe('lmstudio');
    expect(found.software).toBe('lmstudio');
    expect(found.models).toEqual([
      { id: 'qwen2.5-7b-instruct', kind: 'chat', kindFrom: 'type', size: 7, loaded: true },
      { id: 'qwen2.5-32b-instruct', kind: 'chat', kindFrom: 'type', size: 32, loaded: false },
      { id: 'text-embedding-nomic-embed-text-v1.5', kind: 'embedding', kindFrom: 'type', size: 0, loaded: false },
    ]);
    expect(proposeChoices([found])).toEqual({
      fast: { baseUrl: found.baseUrl, model: 'qwen2.5-7b-instruct' },
      quality: { baseUrl: found.baseUrl, model: 'qwen2.5-32b-instruct' },
      embeddings: { baseUrl: found.baseUrl, model: 'text-embedding-nomic-embed-text-v1.5' },
    });
  });

  it('llama.cpp: its one model, sized from meta.n_params, kind unknown (the check request tells)', async () => {
    const found = await probe('llamacpp');
    expect(found.software).toBe('llamacpp');
    expect(found.models).toEqual([
      { id: 'qwen2.5-7b-instruct-q4_k_m.gguf', kind: 'unknown', size: expect.closeTo(7.6, 1) as number },
    ]);
    expect(proposeChoices([found]).fast).toEqual({ baseUrl: found.baseUrl, model: 'qwen2.5-7b-instruct-q4_k_m.gguf' });
  });

  it('mlx_lm.server: chat only, and no model name (a named model would replace the served one)', async () => {
    const found = await probe('mlx');
    expect(found.software).toBe('mlx');
    expect(found.omitModel).toBe(true);
    expect(proposeChoices([found])).toEqual({ fast: { baseUrl: found.baseUrl, model: null } });
  });

  it('exo: only the models with a running instance, out of its whole catalogue', async () => {
    const found = await probe('exo');
    expect(found.software).toBe('exo');
    expect(found.models.map((model) => model.id)).toEqual(['mlx-community/Qwen3-30B-A3B-4bit']);
    expect(found.note).toContain('2 more in its catalogue are not running');
  });

  it('says why nothing answered', async () => {
    const url = await refusedUrl();
    expect(await probeServer(url, { timeoutMs: 2000 })).toEqual({ baseUrl: url, reason: 'connection refused' });
  });
});
