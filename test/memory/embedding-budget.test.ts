import { afterEach, describe, expect, it } from 'vitest';
import { HttpEmbedder } from '../../src/memory/embedders/http.js';
import { ProviderError } from '../../src/shared/errors.js';
import { embeddingTokensOf } from '../support/model-servers/tokens.js';
import { startOpenAIServer, type OpenAIServer } from '../support/openai-server.js';
import { openTestSteward, type TestSteward } from '../support/steward.js';

/**
 * Embedding inputs within the server's batch (issue 11, item 9): llama.cpp
 * refuses one input longer than its physical batch (`-ub`, 512 tokens by
 * default) with HTTP 500 "input (N tokens) is too large to process", which no
 * retry fixes. steward cuts inputs to `embeddings.maxInputTokens` and, when a
 * server still refuses, splits the batch and shortens the one text.
 */
describe('embedding inputs cut to what the server takes', () => {
  const servers: OpenAIServer[] = [];
  let opened: TestSteward | undefined;
  afterEach(async () => {
    await opened?.close();
    opened = undefined;
    await Promise.all(servers.splice(0).map((server) => server.close()));
  });

  async function llama(): Promise<OpenAIServer> {
    const server = await startOpenAIServer({ model: 'nomic-embed-text-v1.5', dimensions: 16 });
    servers.push(server);
    return server;
  }

  const NOTE = 'The long note about the house, the garden, the boiler and the roof repairs that are due. ';

  it('embeds a long message on a llama.cpp server with its default batch of 512 tokens', async () => {
    const embeddings = await llama();
    opened = await openTestSteward({
      env: { STEWARD_EMBEDDINGS_URL: embeddings.url, STEWARD_EMBEDDINGS_MODEL: 'nomic-embed-text-v1.5' },
    });
    await opened.say(`remember ${NOTE.repeat(90)}`.slice(0, 7900)); // 7900 characters, over 2000 tokens
    await opened.say('short one');
    await opened.steward.memory.embedPending();
    expect(opened.steward.memory.status().queue).toMatchObject({ pending: 0, stuck: 0 });
    const sent = embeddings.embeddingRequests.flatMap((request) => request.input);
    expect(Math.max(...sent.map(embeddingTokensOf))).toBeLessThanOrEqual(512);
    // Nothing was refused: every input fitted the batch at the first try.
    expect(
      embeddings.embeddingRequests.every((request) => request.input.every((text) => embeddingTokensOf(text) <= 512)),
    ).toBe(true);
  });

  it('splits a batch the server refuses as too large, down to one shortened text, and keeps the shorter cut', async () => {
    const embeddings = await llama();
    embeddings.embeddingBatchTokens = 128; // started with -ub 128, while steward's budget is 512
    const embedder = new HttpEmbedder({
      id: 'http:nomic',
      kind: 'local',
      baseUrl: embeddings.url,
      model: 'nomic-embed-text-v1.5',
      retries: 3,
      retryMinMs: 5,
    });
    const texts = ['short', NOTE.repeat(20), 'another short one', NOTE.repeat(3)];
    const vectors = await embedder.embed(texts);
    expect(vectors).toHaveLength(4);
    expect(vectors.every((vector) => vector.length === 16)).toBe(true);
    // The refusals were not retried as if they might pass; every text got a vector.
    const accepted = embeddings.embeddingRequests.filter((request) =>
      request.input.every((text) => embeddingTokensOf(text) <= 128),
    );
    expect(accepted.flatMap((request) => request.input)).toHaveLength(4);
    // Later texts are cut to the length that worked, at the first try.
    const before = embeddings.embeddingRequests.length;
    await embedder.embed([NOTE.repeat(20)]);
    expect(embeddings.embeddingRequests).toHaveLength(before + 1);
  });

  it('gives up with a typed error when even a short text is refused', async () => {
    const embeddings = await llama();
    embeddings.embeddingBatchTokens = 5;
    const embedder = new HttpEmbedder({ id: 'http:n', kind: 'local', baseUrl: embeddings.url, model: 'n', retries: 3 });
    const error = await embedder.embed([NOTE.repeat(4)]).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ kind: 'input-too-large', status: 500, isRetryable: false });
  });
});
