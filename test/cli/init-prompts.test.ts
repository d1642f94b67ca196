import { PassThrough, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { askChoices, type AskContext } from '../../src/cli/commands/init-prompts.js';

/** Keys as a terminal sends them (VT100: arrow keys are CSI sequences). */
const KEY = { enter: '\r', down: '\x1b[B' } as const;

/** What `steward init` found: Ollama with two chat models and an embedding model, and a signal-cli REST API. */
function found(overrides: Partial<AskContext> = {}): AskContext {
  const ollama = 'http://127.0.0.1:11434/v1';
  return {
    current: { fast: null, quality: null, embeddings: null, signal: null },
    proposal: {
      fast: { baseUrl: ollama, model: 'qwen3:8b' },
      quality: { baseUrl: ollama, model: 'qwen3:32b' },
      embeddings: { baseUrl: ollama, model: 'nomic-embed-text' },
    },
    servers: [
      {
        baseUrl: ollama,
        software: 'ollama',
        omitModel: false,
        models: [
          { id: 'qwen3:8b', kind: 'chat', size: 8 },
          { id: 'qwen3:32b', kind: 'chat', size: 32 },
          { id: 'nomic-embed-text', kind: 'embedding', size: 0 },
        ],
      },
    ],
    signal: { url: 'http://127.0.0.1:8080', api: 'rest', accounts: ['+4915100000001'], detail: 'signal-cli-rest-api' },
    flags: {},
    ...overrides,
  };
}

/**
 * Run the interactive questions on a fake terminal: each answer is typed
 * once the screen shows its question (@inquirer/prompts reads keypresses
 * from the input stream and draws on the output stream).
 */
async function answer(
  context: AskContext,
  script: Array<[question: string, keys: string]>,
): Promise<{ result: Awaited<ReturnType<typeof askChoices>>; screen: string }> {
  const input = new PassThrough();
  let screen = '';
  // A terminal outlives each question: @inquirer/core pipes a stream into it and ends that
  // stream when a question is answered (process.stdout is never ended by a pipe), so this
  // screen ignores end() as stdout does.
  const output = new (class extends Writable {
    override _write(chunk: Buffer, _encoding: BufferEncoding, done: () => void): void {
      screen += chunk.toString();
      done();
    }
    override end(): this {
      return this;
    }
  })();
  const asked = askChoices({ ...context, io: { input, output } });
  let from = 0;
  for (const [question, keys] of script) {
    for (let tries = 0; tries < 300 && !screen.slice(from).includes(question); tries += 1)
      await new Promise((resolve) => setTimeout(resolve, 10));
    expect(screen.slice(from), `the question "${question}" on screen`).toContain(question);
    from = screen.length;
    input.write(keys);
  }
  return { result: await asked, screen };
}

describe('steward init, interactive', () => {
  it('starts each question on the proposal, so Enter keeps it; arrows pick another; Signal asks for the numbers', async () => {
    const { result, screen } = await answer(found(), [
      ['Fast tier', KEY.enter],
      ['Quality tier', KEY.down + KEY.enter], // the proposal, then qwen3:8b
      ['Embedder', KEY.enter],
      ['Use Signal through http://127.0.0.1:8080?', KEY.enter],
      ["The assistant's own Signal number", KEY.enter], // its default: the REST API's one account
      ['Your number(s)', '+4915100000002, +4915100000003' + KEY.enter],
      ['Send a test message now?', 'n' + KEY.enter],
    ]);
    expect(screen).toContain('(proposed)');
    expect(result).toEqual({
      choices: {
        fast: { baseUrl: 'http://127.0.0.1:11434/v1', model: 'qwen3:8b' },
        quality: { baseUrl: 'http://127.0.0.1:11434/v1', model: 'qwen3:8b' },
        embeddings: { baseUrl: 'http://127.0.0.1:11434/v1', model: 'nomic-embed-text' },
        signal: {
          url: 'http://127.0.0.1:8080',
          api: 'rest',
          account: '+4915100000001',
          to: ['+4915100000002', '+4915100000003'],
        },
      },
      sendTest: false,
    });
  });

  it('takes another server typed in, "none" for the embedder, and no Signal', async () => {
    // Fast tier's list: qwen3:8b (proposed), qwen3:32b, another server, none.
    const { result } = await answer(found(), [
      ['Fast tier', KEY.down + KEY.down + KEY.enter],
      ['Base URL', 'http://192.168.1.20:8080' + KEY.enter],
      ['Model name', KEY.enter], // empty: the server chooses
      ['Quality tier', KEY.enter],
      // Embedder's list: nomic-embed-text (proposed), another server, none.
      ['Embedder', KEY.down + KEY.down + KEY.enter],
      ['Use Signal through', 'n' + KEY.enter],
    ]);
    expect(result).toEqual({
      choices: {
        fast: { baseUrl: 'http://192.168.1.20:8080/v1', model: null },
        quality: { baseUrl: 'http://127.0.0.1:11434/v1', model: 'qwen3:32b' },
        embeddings: null,
        signal: null,
      },
      sendTest: false,
    });
  });

  it('does not ask about what a flag set', async () => {
    const { result, screen } = await answer(
      found({ flags: { fastUrl: 'http://127.0.0.1:8081', fastModel: 'llama', signalUrl: 'none' }, signal: undefined }),
      [
        ['Quality tier', KEY.enter],
        ['Embedder', KEY.enter],
      ],
    );
    expect(screen).not.toContain('Fast tier');
    expect(screen).not.toContain('Signal');
    expect(result.choices.fast).toEqual({ baseUrl: 'http://127.0.0.1:8081/v1', model: 'llama' });
    expect(result.choices.signal).toBeNull();
  });
});
