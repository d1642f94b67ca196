import { createServer, request as httpRequest } from 'node:http';
import { describe, expect, it } from 'vitest';
import { listen } from '../support/http.js';
import { type OpenAIServer } from '../support/openai-server.js';
import { modelTestFixture } from '../support/model-fixture.js';
import { runCli, temporaryDataDir, type TestSteward } from '../support/steward.js';

const OPENAI_KEY = 'sk-test-model-choice-0123456789';

/**
 * Which model steward asks a local server for when none is set (issue 11,
 * item 7), against servers that list models the way the real ones do: it
 * never guesses, never picks an embedding model, never makes mlx swap, and
 * says which variable to set when the server does not tell.
 */
describe('the model steward asks a local server for', () => {
  const fixture = modelTestFixture();
  const { start, open, cleanups } = fixture;
  let opened: TestSteward;

  async function withCloud(local: OpenAIServer): Promise<{ cloud: OpenAIServer; steward: TestSteward }> {
    const pair = await fixture.withCloud(local, OPENAI_KEY);
    opened = pair.steward;
    return pair;
  }

  it('mlx_lm.server: asks for its default model, so it never unloads the served one for another cached model', async () => {
    // The served model is an HF repo id, somewhere in an unordered cache list (mlx_lm/server.py handle_models_request).
    const mlx = await start({
      flavor: 'mlx',
      model: 'mlx-community/Qwen3-30B-A3B-4bit',
      models: [
        { id: 'mlx-community/Llama-3.2-3B-Instruct-4bit' },
        { id: 'mlx-community/Qwen3-30B-A3B-4bit', loaded: true },
        { id: 'mlx-community/gemma-3-27b-it-4bit' },
      ],
    });
    const { cloud, steward } = await withCloud(mlx);
    const reply = await steward.say('hello');
    expect(reply.via).toMatchObject({ provider: 'local-fast', fallbackFrom: [] });
    expect(reply.text).toContain('Hello from mlx-community/Qwen3-30B-A3B-4bit.');
    expect(mlx.loads).toEqual([]); // no swap
    expect(mlx.chatRequests[0]?.model).toBe('default_model');
    expect(cloud.chatRequests).toHaveLength(0);
  });

  it('mlx_lm.server started on a local path (listed last): the same, no swap', async () => {
    const mlx = await start({
      flavor: 'mlx',
      model: '/Users/owner/models/qwen3-8b-4bit',
      models: [{ id: 'mlx-community/Llama-3.2-3B-Instruct-4bit' }],
    });
    const { steward } = await withCloud(mlx);
    const reply = await steward.say('hello');
    expect(reply.via?.provider).toBe('local-fast');
    expect(mlx.loads).toEqual([]);
    expect(steward.steward.providers.health('local-fast')?.server?.choice).toMatchObject({
      ok: true,
      model: 'default_model',
      how: 'server-default',
      detail: 'the model mlx_lm.server was started with (--model) (/Users/owner/models/qwen3-8b-4bit)',
    });
  });

  it('Ollama: the chat model it has loaded, not the embedding model it lists first', async () => {
    const ollama = await start({
      flavor: 'ollama',
      model: 'qwen3:8b',
      // Most recently changed first (server/model_list_cache.go): the embedding model pulled last leads.
      models: [
        { id: 'nomic-embed-text:latest', kind: 'embedding' },
        { id: 'llama3.2:3b' },
        { id: 'qwen3:8b', loaded: true },
      ],
    });
    const { cloud, steward } = await withCloud(ollama);
    const reply = await steward.say('hello');
    expect(reply.via).toMatchObject({ provider: 'local-fast', fallbackFrom: [] });
    expect(ollama.chatRequests.map((request) => request.model)).toEqual(['qwen3:8b']);
    expect(cloud.chatRequests).toHaveLength(0);
  });

  it('Ollama with nothing loaded: its only chat model, never the embedding model', async () => {
    const ollama = await start({
      flavor: 'ollama',
      model: 'qwen3:8b',
      models: [{ id: 'nomic-embed-text:latest', kind: 'embedding' }, { id: 'qwen3:8b' }],
    });
    const { steward } = await withCloud(ollama);
    const reply = await steward.say('hello');
    expect(reply.via?.provider).toBe('local-fast');
    expect(ollama.chatRequests[0]?.model).toBe('qwen3:8b');
  });

  it('Ollama with two chat models and none loaded: no guess; the reply says which variable to set', async () => {
    const ollama = await start({
      flavor: 'ollama',
      model: 'qwen3:8b',
      models: [{ id: 'nomic-embed-text:latest', kind: 'embedding' }, { id: 'llama3.2:3b' }, { id: 'qwen3:8b' }],
    });
    opened = await open({ env: { STEWARD_LOCAL_FAST_URL: ollama.url } });
    const reply = await opened.say('hello');
    expect(reply.kind).toBe('error');
    expect(reply.text).toContain(
      'tried local-fast (the server has 2 models (llama3.2:3b, qwen3:8b) and does not say which one to use: set STEWARD_LOCAL_FAST_MODEL to one of them)',
    );
    expect(ollama.chatRequests).toHaveLength(0);
    // Not a fault of the server: its breaker stays closed.
    expect(opened.steward.providers.health('local-fast')?.state).toBe('closed');
  });

  it('exo: the one model with a running instance, not the first of its catalogue', async () => {
    const exo = await start({
      flavor: 'exo',
      model: 'mlx-community/Qwen3-30B-A3B-4bit',
      models: [
        { id: 'mlx-community/Llama-3.3-70B-Instruct-4bit' },
        { id: 'mlx-community/DeepSeek-V3.1-4bit' },
        { id: 'mlx-community/Qwen3-30B-A3B-4bit', loaded: true },
      ],
    });
    const { cloud, steward } = await withCloud(exo);
    const reply = await steward.say('hello');
    expect(reply.via).toMatchObject({ provider: 'local-fast', fallbackFrom: [] });
    expect(exo.chatRequests[0]?.model).toBe('mlx-community/Qwen3-30B-A3B-4bit');
    expect(cloud.chatRequests).toHaveLength(0);
  });

  it('exo with nothing running: says so, and sends no request that would get its 404', async () => {
    const exo = await start({
      flavor: 'exo',
      model: 'mlx-community/Qwen3-30B-A3B-4bit',
      models: [{ id: 'mlx-community/Llama-3.3-70B-Instruct-4bit' }, { id: 'mlx-community/Qwen3-30B-A3B-4bit' }],
    });
    exo.models.forEach((model) => (model.loaded = false));
    opened = await open({ env: { STEWARD_LOCAL_FAST_URL: exo.url } });
    const reply = await opened.say('hello');
    expect(reply.text).toContain(
      'tried local-fast (no model is running on the exo cluster: start an instance (exo dashboard or POST /instance): set STEWARD_LOCAL_FAST_MODEL)',
    );
    expect(exo.chatRequests).toHaveLength(0);
  });

  it('a configured model is used as it is', async () => {
    const ollama = await start({
      flavor: 'ollama',
      model: 'qwen3:8b',
      models: [{ id: 'llama3.2:3b' }, { id: 'qwen3:8b' }],
    });
    opened = await open({
      env: { STEWARD_LOCAL_FAST_URL: ollama.url, STEWARD_LOCAL_FAST_MODEL: 'llama3.2:3b' },
    });
    await opened.say('hello');
    expect(ollama.chatRequests[0]?.model).toBe('llama3.2:3b');
  });

  it('"steward doctor" shows the choice and why, and fails with the variable to set when there is none', async () => {
    const ollama = await start({
      flavor: 'ollama',
      model: 'qwen3:8b',
      models: [
        { id: 'nomic-embed-text:latest', kind: 'embedding' },
        { id: 'qwen3:8b', loaded: true },
      ],
      contextTokens: 32_768,
    });
    const exo = await start({
      flavor: 'exo',
      model: 'mlx-community/Qwen3-30B-A3B-4bit',
      models: [{ id: 'mlx-community/Llama-3.3-70B-Instruct-4bit' }, { id: 'mlx-community/Qwen3-30B-A3B-4bit' }],
    });
    exo.models.forEach((model) => (model.loaded = false));
    const { dataDir, remove } = temporaryDataDir();
    cleanups.push(remove);
    const doctor = await runCli(['doctor'], {
      env: { STEWARD_DATA_DIR: dataDir, STEWARD_LOCAL_FAST_URL: ollama.url, STEWARD_LOCAL_QUALITY_URL: exo.url },
    });
    expect(doctor.stdout).toMatch(
      /ok {4}model local-fast +http:\/\/127\.0\.0\.1:\d+\/v1 answered in \d+ ms; model qwen3:8b \(the one chat model Ollama has loaded\); ollama, context 32768 tokens \(Ollama \/api\/ps context_length\); takes tools; breaker closed/,
    );
    expect(doctor.stdout).toMatch(
      /FAIL {2}model local-quality +http:\/\/127\.0\.0\.1:\d+\/v1 answered in \d+ ms, but no model is running on the exo cluster: start an instance \(exo dashboard or POST \/instance\): set STEWARD_LOCAL_QUALITY_MODEL/,
    );
    expect(doctor.code).toBe(1);
  });

  it('a turn that arrives while the first probe is still asking the server what it serves waits for the answer', async () => {
    const llama = await start({ flavor: 'llama.cpp', model: 'qwen2.5-7b-instruct-q4_k_m.gguf' });
    // A proxy in front of llama.cpp that holds GET /props (the probe's second question) until released.
    let release = (): void => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    let propsAsked = (): void => undefined;
    const asked = new Promise<void>((resolve) => (propsAsked = resolve));
    const target = new URL(llama.url);
    const proxy = createServer((incoming, outgoing) => {
      const forward = (): void => {
        const upstream = httpRequest(
          {
            host: target.hostname,
            port: target.port,
            path: incoming.url,
            method: incoming.method,
            headers: incoming.headers,
          },
          (answer) => {
            outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
            answer.pipe(outgoing);
          },
        );
        incoming.pipe(upstream);
      };
      if (incoming.url === '/props') {
        propsAsked();
        void held.then(forward);
      } else forward();
    });
    const { port, close } = await listen(proxy);
    cleanups.push(() => void close());
    opened = await open({ env: { STEWARD_LOCAL_FAST_URL: `http://127.0.0.1:${port}/v1` } });
    const probing = opened.steward.providers.probe();
    await asked;
    const replying = opened.say('hello');
    setTimeout(release, 200);
    const reply = await replying;
    await probing;
    expect(reply.kind).toBe('agent');
    expect(reply.text).toContain('Hello from qwen2.5-7b-instruct-q4_k_m.gguf.');
  });
});
