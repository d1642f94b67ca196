import { afterEach, describe, expect, it } from 'vitest';
import { HttpEmbedder } from '../../src/memory/embedders/http.js';
import { completeText } from '../../src/models/chat.js';
import { ProviderError } from '../../src/shared/errors.js';
import { startOpenAIServer, type OpenAIServer } from '../support/openai-server.js';
import { openTestSteward, type TestSteward } from '../support/steward.js';

/** Keys that look like nothing in particular: only knowing the configured value can blank them out. */
const CHAT_KEY = 'lab-chat-key-Q7w8E9r0T1y2';
const EMBEDDINGS_KEY = 'emb-key-P3o4I5u6Y7t8';

/**
 * A server that rejects the key it was sent and echoes it in its 401 body
 * (as the test server does, like OpenAI's "Incorrect API key provided")
 * must not get the key into what steward shows, stores or logs (issue 10,
 * item 5: an embeddings server's 401 put the key into `recall` output and
 * the `messages` table).
 */
describe('a key echoed in a 401 never leaves the error', () => {
  const servers: OpenAIServer[] = [];
  let opened: TestSteward | undefined;
  afterEach(async () => {
    await opened?.close();
    opened = undefined;
    await Promise.all(servers.splice(0).map((server) => server.close()));
  });

  async function lockedServer(): Promise<OpenAIServer> {
    // OpenAI names the key it was sent in its 401 (a server that echoes it).
    const server = await startOpenAIServer({ flavor: 'openai', model: 'lab-model', apiKey: 'the-right-key-000000' });
    servers.push(server);
    return server;
  }

  function everythingStored(test: TestSteward): string {
    return (
      JSON.stringify(test.steward.database.prepare('SELECT * FROM messages').all()) +
      JSON.stringify(test.steward.database.prepare('SELECT * FROM turns').all())
    );
  }

  it('chat: the error, its body, the reply, the stored messages and the log hold no key', async () => {
    const lab = await lockedServer();
    const provider = {
      id: 'lab',
      baseUrl: lab.url,
      model: 'lab-model',
      tier: 'fast' as const,
      kind: 'local' as const,
      apiKey: CHAT_KEY,
      timeoutMs: 2000,
    };
    const error = await completeText(provider, [{ role: 'user', content: 'hi' }], { temperature: 0 }).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(ProviderError);
    const typed = error as ProviderError;
    // The server did echo the key: the SDK's own error, kept as the cause for logs, holds it.
    expect(String((typed.cause as Error).message)).toContain(CHAT_KEY);
    expect(typed.message).toBe('HTTP 401 (check the API key)');
    expect(typed.responseBody).toContain('Incorrect API key provided: [redacted]');
    expect(typed.responseBody).not.toContain(CHAT_KEY);

    const lines: string[] = [];
    opened = await openTestSteward({
      logSink: (line) => lines.push(line),
      overrides: {
        models: {
          providers: [
            { id: 'lab', baseUrl: lab.url, model: 'lab-model', tier: 'fast', kind: 'local', apiKey: CHAT_KEY },
          ],
          chains: { fast: ['lab'], quality: ['lab'] },
        },
      },
    });
    const reply = await opened.say('hello');
    expect(lab.authorizations).toContain(`Bearer ${CHAT_KEY}`);
    expect(reply.kind).toBe('error');
    expect(reply.text).toContain('lab (HTTP 401 (check the API key): set models.providers (id "lab").apiKey)');
    expect(reply.text).not.toContain(CHAT_KEY);
    expect(everythingStored(opened)).not.toContain(CHAT_KEY);
    expect(lines.join('\n')).not.toContain(CHAT_KEY);
  });

  it('embeddings: the error, the recall reply, the stored messages and the log hold no key', async () => {
    const embeddings = await lockedServer();
    const embedder = new HttpEmbedder({
      id: 'http:lab-model',
      kind: 'local',
      baseUrl: embeddings.url,
      model: 'lab-model',
      apiKey: EMBEDDINGS_KEY,
      retries: 0,
    });
    const error = await embedder.embed(['cat']).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ProviderError);
    const typed = error as ProviderError;
    expect({ kind: typed.kind, status: typed.status, isRetryable: typed.isRetryable }).toEqual({
      kind: 'unauthorized',
      status: 401,
      isRetryable: false,
    });
    expect(typed.message).toBe(
      `embeddings at ${embeddings.url}/embeddings: HTTP 401 (Incorrect API key provided: [redacted].)`,
    );
    expect(typed.responseBody).not.toContain(EMBEDDINGS_KEY);

    const lines: string[] = [];
    opened = await openTestSteward({
      logSink: (line) => lines.push(line),
      env: { STEWARD_EMBEDDINGS_URL: embeddings.url, STEWARD_EMBEDDINGS_MODEL: 'lab-model' },
      overrides: { embeddings: { apiKey: EMBEDDINGS_KEY, retries: 0 } },
    });
    await opened.say('remember that my cat is called Miso');
    const reply = await opened.say('recall cat');
    expect(embeddings.authorizations).toContain(`Bearer ${EMBEDDINGS_KEY}`);
    expect(reply.text).toContain('[redacted]'); // the echoed key was there, and was blanked out
    expect(reply.text).not.toContain(EMBEDDINGS_KEY);
    expect(everythingStored(opened)).not.toContain(EMBEDDINGS_KEY);
    expect(lines.join('\n')).not.toContain(EMBEDDINGS_KEY);
  });
});
