import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { runAgentTurn } from '../../src/agent/agent.js';
import { HttpEmbedder } from '../../src/memory/embedders/http.js';
import { completeText } from '../../src/models/chat.js';
import { HealthMonitor } from '../../src/models/health.js';
import type { ResolvedProvider } from '../../src/models/router.js';
import type { HostedTool } from '../../src/plugins/host.js';
import { ProviderError, type ProviderErrorKind } from '../../src/shared/errors.js';
import { silentLogger } from '../../src/shared/log.js';
import { refusedUrl, startOpenAIServer, type OpenAIServer, type ServerMode } from '../support/openai-server.js';
import { manualClock, openTestSteward, type TestSteward } from '../support/steward.js';

/** A provider on the given server, as the router hands it to an attempt. */
function providerAt(baseUrl: string, extra: Partial<ResolvedProvider> = {}): ResolvedProvider {
  return {
    id: 'local-fast',
    baseUrl,
    model: 'local-model',
    tier: 'fast',
    kind: 'local',
    apiKey: undefined,
    timeoutMs: 2000,
    ...extra,
  };
}

/** What a call threw, which must be a ProviderError. */
async function failure(call: () => Promise<unknown>): Promise<ProviderError> {
  const thrown = await call().then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(thrown).toBeInstanceOf(ProviderError);
  return thrown as ProviderError;
}

function chat(provider: ResolvedProvider): Promise<string> {
  return completeText(provider, [{ role: 'user', content: 'hello there' }], { temperature: 0 });
}

/** A plugin tool, as the plugin host hands it to the agent. */
const echoTool: HostedTool = {
  plugin: 'test',
  tool: {
    name: 'echo_text',
    description: 'Echo a text back',
    schema: z.object({ text: z.string() }),
    handler: () => 'echoed',
  },
  run: (args: unknown) => Promise.resolve(JSON.stringify(args)),
};

function agentTurn(provider: ResolvedProvider): Promise<unknown> {
  return runAgentTurn({
    provider,
    systemPrompt: 'You are a test.',
    history: [],
    text: 'hi',
    tools: [echoTool],
    temperature: 0,
  });
}

function fields(error: ProviderError): { kind: ProviderErrorKind; status: number | undefined; isRetryable: boolean } {
  return { kind: error.kind, status: error.status, isRetryable: error.isRetryable };
}

/**
 * Each kind of ProviderError, produced by steward's real code (the chat
 * call, the agent turn, the stream guard, the health probe, the embeddings
 * client) against the local test server behaving as a real server does.
 */
describe('typed provider errors, decided where the failure happens', () => {
  const servers: OpenAIServer[] = [];
  let opened: TestSteward | undefined;
  afterEach(async () => {
    await opened?.close();
    opened = undefined;
    await Promise.all(servers.splice(0).map((server) => server.close()));
  });

  async function server(mode: ServerMode = 'ok', apiKey?: string): Promise<OpenAIServer> {
    const started = await startOpenAIServer({
      model: 'local-model',
      ...(apiKey === undefined ? {} : { apiKey, flavor: 'openai' as const }),
    });
    started.mode = mode;
    servers.push(started);
    return started;
  }

  it('refused: nothing listens at the URL (chat, probe and embeddings)', async () => {
    const url = await refusedUrl();
    const error = await failure(() => chat(providerAt(url)));
    expect({ ...fields(error), message: error.message, provider: error.provider }).toEqual({
      kind: 'refused',
      status: undefined,
      isRetryable: true,
      message: 'connection refused',
      provider: 'local-fast',
    });
    const embedder = new HttpEmbedder({ id: 'http:embed', kind: 'local', baseUrl: url, model: 'm', retries: 0 });
    expect(fields(await failure(() => embedder.embed(['a'])))).toEqual({
      kind: 'refused',
      status: undefined,
      isRetryable: true,
    });
    const health = new HealthMonitor({
      probeTimeoutMs: 1000,
      intervalMs: 30_000,
      cooldownsMs: [30_000],
      clock: manualClock(),
      log: silentLogger(),
    });
    expect(await health.check(providerAt(url))).toEqual({
      healthy: false,
      reason: 'connection refused',
      timedOut: false,
    });
  });

  it('unreachable: the host is not found', async () => {
    const error = await failure(() => chat(providerAt('http://steward-test.invalid/v1')));
    expect(fields(error)).toEqual({ kind: 'unreachable', status: undefined, isRetryable: true });
    expect(error.message).toBe('host not found');
  });

  it('timeout: no answer in time, a stream that goes quiet, a probe that hangs', async () => {
    const hanging = await server('hang');
    const error = await failure(() => chat(providerAt(hanging.url, { timeoutMs: 300 })));
    expect({ ...fields(error), message: error.message }).toEqual({
      kind: 'timeout',
      status: undefined,
      isRetryable: true,
      message: 'timed out after 300 ms',
    });

    const stalling = await server('stall');
    const stalled = await failure(() => chat(providerAt(stalling.url, { timeoutMs: 300 })));
    expect({ kind: stalled.kind, message: stalled.message }).toEqual({
      kind: 'timeout',
      message: 'stream stalled: no tokens for 300 ms',
    });

    const health = new HealthMonitor({
      probeTimeoutMs: 300,
      intervalMs: 30_000,
      cooldownsMs: [30_000],
      clock: manualClock(),
      log: silentLogger(),
    });
    expect(await health.check(providerAt(hanging.url))).toEqual({
      healthy: false,
      reason: 'timed out after 300 ms',
      timedOut: true,
    });

    const embedder = new HttpEmbedder({
      id: 'http:embed',
      kind: 'local',
      baseUrl: hanging.url,
      model: 'm',
      retries: 0,
      timeoutMs: 300,
    });
    const embedding = await failure(() => embedder.embed(['a']));
    expect({ kind: embedding.kind, message: embedding.message }).toEqual({
      kind: 'timeout',
      message: `embeddings at ${hanging.url}/embeddings: timed out after 300 ms`,
    });
  });

  it('cut-stream: a stream that ends before [DONE], and a connection dropped mid-answer', async () => {
    const truncating = await server('truncate');
    const truncated = await failure(() => chat(providerAt(truncating.url)));
    expect({ ...fields(truncated), message: truncated.message }).toEqual({
      kind: 'cut-stream',
      status: undefined,
      isRetryable: true,
      message: 'stream ended before [DONE]',
    });
    const cutting = await server('cut');
    const cut = await failure(() => chat(providerAt(cutting.url)));
    expect({ kind: cut.kind, message: cut.message }).toEqual({ kind: 'cut-stream', message: 'connection dropped' });
  });

  it('malformed: a stream that is not JSON, an empty answer, a /models body that is no model list', async () => {
    const junk = await server('junk');
    const error = await failure(() => chat(providerAt(junk.url)));
    expect({ ...fields(error), message: error.message }).toEqual({
      kind: 'malformed',
      status: undefined,
      isRetryable: true,
      message: 'malformed response',
    });

    const silent = await server();
    silent.respond = () => ({ content: '' });
    const empty = await failure(() => chat(providerAt(silent.url)));
    expect({ kind: empty.kind, message: empty.message }).toEqual({
      kind: 'malformed',
      message: 'malformed response: the model returned no text',
    });
    const emptyTurn = await failure(() => agentTurn(providerAt(silent.url)));
    expect(emptyTurn.kind).toBe('malformed');

    const embeddings = await server('junk');
    const embedder = new HttpEmbedder({
      id: 'http:embed',
      kind: 'local',
      baseUrl: embeddings.url,
      model: 'm',
      retries: 0,
    });
    const embedding = await failure(() => embedder.embed(['a']));
    expect({ kind: embedding.kind, isRetryable: embedding.isRetryable }).toEqual({
      kind: 'malformed',
      isRetryable: true,
    });
  });

  it('malformed: an embedding with a number too large for a double (Infinity once parsed) is no vector', async () => {
    // Not a server's documented behaviour: a faulty one. JSON has no NaN, but 1e999 parses as Infinity.
    const faulty = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end('{"object":"list","data":[{"object":"embedding","index":0,"embedding":[0.5,1e999,0.25]}]}');
    });
    await new Promise<void>((resolve) => faulty.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = faulty.address() as AddressInfo;
      const embedder = new HttpEmbedder({
        id: 'http:embed',
        kind: 'local',
        baseUrl: `http://127.0.0.1:${port}/v1`,
        model: 'm',
        retries: 0,
      });
      const error = await failure(() => embedder.embed(['a']));
      expect(error.kind).toBe('malformed');
      expect(error.message).toContain('malformed answer'); // zod's z.number() refuses Infinity
    } finally {
      await new Promise((resolve) => faulty.close(resolve));
    }
  });

  it('http: a 5xx with nothing more to tell is retryable, and keeps the reason "HTTP 500"', async () => {
    const failing = await server('error500');
    const error = await failure(() => chat(providerAt(failing.url)));
    expect({ ...fields(error), message: error.message }).toEqual({
      kind: 'http',
      status: 500,
      isRetryable: true,
      message: 'HTTP 500',
    });
    expect(error.responseBody).toContain('internal error');

    const loading = await server('loading');
    const health = new HealthMonitor({
      probeTimeoutMs: 1000,
      intervalMs: 30_000,
      cooldownsMs: [30_000],
      clock: manualClock(),
      log: silentLogger(),
    });
    expect((await health.check(providerAt(loading.url))).reason).toBe('loading model (HTTP 503)');
  });

  it('unauthorized: a wrong key is not retryable, and the reason says to check the key', async () => {
    const locked = await server('ok', 'right-key-000000');
    const error = await failure(() => chat(providerAt(locked.url, { apiKey: 'wrong-key-111111' })));
    expect({ ...fields(error), message: error.message }).toEqual({
      kind: 'unauthorized',
      status: 401,
      isRetryable: false,
      message: 'HTTP 401 (check the API key)',
    });
  });

  it('not-found: a model the server does not have (Ollama 404)', async () => {
    const ollama = await server('model-not-found');
    const error = await failure(() => chat(providerAt(ollama.url)));
    expect({ ...fields(error), message: error.message }).toEqual({
      kind: 'not-found',
      status: 404,
      isRetryable: false,
      message: 'HTTP 404 (check the base URL and model name)',
    });
  });

  it('rate-limited: an OpenAI 429 is retryable', async () => {
    const busy = await server('rate-limited');
    const error = await failure(() => chat(providerAt(busy.url)));
    expect({ ...fields(error), message: error.message }).toEqual({
      kind: 'rate-limited',
      status: 429,
      isRetryable: true,
      message: 'HTTP 429 (rate limited)',
    });
  });

  it('context-too-long: llama.cpp, OpenAI and vLLM (nested or flat) 400s, not retryable', async () => {
    const llamaServer = await server('context-llama');
    const llama = await failure(() => chat(providerAt(llamaServer.url)));
    expect(fields(llama)).toEqual({ kind: 'context-too-long', status: 400, isRetryable: false });
    expect(llama.message).toMatch(
      /^HTTP 400 \(context too long: request \(\d+ tokens\) exceeds the available context size \(4096 tokens\), try increasing it\)$/,
    );
    const openaiServer = await server('context-openai');
    const openai = await failure(() => chat(providerAt(openaiServer.url)));
    expect(fields(openai)).toEqual({ kind: 'context-too-long', status: 400, isRetryable: false });
    expect(openai.message).toMatch(/^HTTP 400 \(context too long: This model's maximum context length is 8192 tokens/);
    const vllmServer = await server('context-vllm-flat');
    const vllm = await failure(() => chat(providerAt(vllmServer.url)));
    expect(fields(vllm)).toEqual({ kind: 'context-too-long', status: 400, isRetryable: false });
    expect(vllm.message).toMatch(/^HTTP 400 \(context too long: This model's maximum context length is 4096 tokens/);
    // The agent turn meets the same.
    expect((await failure(() => agentTurn(providerAt(llamaServer.url)))).kind).toBe('context-too-long');
  });

  it('tools-unsupported: llama.cpp without --jinja (a 500) and Ollama (a 400), not retryable; plain chat still works', async () => {
    const llama = await server('no-jinja');
    const error = await failure(() => agentTurn(providerAt(llama.url)));
    expect({ ...fields(error), message: error.message }).toEqual({
      kind: 'tools-unsupported',
      status: 500,
      isRetryable: false,
      message: 'HTTP 500 (tools not supported: tools param requires --jinja flag)',
    });
    expect(await chat(providerAt(llama.url))).toContain('You said: hello there');

    const ollama = await server('ollama-no-tools');
    const refused = await failure(() => agentTurn(providerAt(ollama.url)));
    expect({ ...fields(refused), message: refused.message }).toEqual({
      kind: 'tools-unsupported',
      status: 400,
      isRetryable: false,
      message: 'HTTP 400 (tools not supported: registry.ollama.ai/library/local-model does not support tools)',
    });
  });

  it("input-too-large: llama.cpp's 500 for an embeddings input over its batch is not retried", async () => {
    const embeddings = await server();
    embeddings.embeddingBatchTokens = 5; // even the shortest text steward would send is too long
    const embedder = new HttpEmbedder({
      id: 'http:embed',
      kind: 'local',
      baseUrl: embeddings.url,
      model: 'm',
      retries: 3,
      retryMinMs: 5,
    });
    const error = await failure(() => embedder.embed(['a long text '.repeat(10)]));
    expect({ ...fields(error), message: error.message }).toEqual({
      kind: 'input-too-large',
      status: 500,
      isRetryable: false,
      message: `embeddings at ${embeddings.url}/embeddings: HTTP 500 (input (11 tokens) is too large to process. increase the physical batch size (current batch size: 5))`,
    });
    // Shortened down to 32 characters (120, 60, 32), never retried as if it might pass.
    expect(embeddings.embeddingRequests.map((request) => request.input[0]?.length)).toEqual([120, 60, 32]);
    // A 500 that may pass is retried as before.
    embeddings.embeddingBatchTokens = 512;
    embeddings.embeddingFailures = 1;
    expect(await embedder.embed(['short'])).toHaveLength(1);
    expect(embeddings.embeddingRequests).toHaveLength(5);
  });

  it('context-too-long: a 400 that trimming cannot fix falls back with its reason shown; the breaker stays closed', async () => {
    const local = await server('context-llama'); // refuses every prompt as too long, however short
    const cloud = await server('ok', 'sk-test-provider-errors-0123');
    opened = await openTestSteward({
      env: {
        STEWARD_LOCAL_FAST_URL: local.url,
        OPENAI_API_KEY: 'sk-test-provider-errors-0123',
        OPENAI_BASE_URL: cloud.url,
      },
    });
    const reply = await opened.say('hello');
    expect(reply.via?.provider).toBe('openai-fast');
    expect(reply.via?.fallbackFrom[0]?.reason).toMatch(/^HTTP 400 \(context too long: request \(\d+ tokens\) exceeds/);
    expect(local.chatRequests).toHaveLength(3); // the prompt, then twice shorter
    expect(opened.steward.status().providers.find((entry) => entry.provider.id === 'local-fast')?.health.state).toBe(
      'closed',
    );
  });
});
