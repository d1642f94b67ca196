import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { replHost } from '../../src/app/repl-host.js';
import { runRepl } from '../../src/channels/repl.js';
import { eventually, startDaemon } from '../support/daemon.js';
import { startOpenAIServer, type OpenAIServer } from '../support/openai-server.js';
import { openTestSteward, type TestSteward } from '../support/steward.js';

/** The lines of the background preload in a steward log. */
function preloadLines(lines: readonly string[]): Array<Record<string, unknown>> {
  return lines
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((entry) => entry.msg === 'model stack preloaded');
}

/** Steward.preload: the model stack and the agent step, readied before the first message (issue 16). */
describe('preload of the model stack', () => {
  let opened: TestSteward | undefined;
  let local: OpenAIServer | undefined;
  const lines: string[] = [];
  afterEach(async () => {
    await opened?.close();
    await local?.close();
    opened = undefined;
    local = undefined;
    lines.length = 0;
  });

  async function open(env: Record<string, string> = {}): Promise<TestSteward> {
    opened = await openTestSteward({ env, logSink: (line) => lines.push(line) });
    return opened;
  }

  function rows(table: string): number {
    const row = opened!.steward.database.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number };
    return row.n;
  }

  it('loads the stack, runs a turn and assembles a context without asking the model or storing anything', async () => {
    local = await startOpenAIServer({ model: 'local-model' });
    const steward = await open({ STEWARD_LOCAL_FAST_URL: local.url });
    const before = { messages: rows('messages'), turns: rows('turns') };
    await steward.steward.preload();
    expect(preloadLines(lines)).toEqual([
      expect.objectContaining({
        importMs: expect.any(Number),
        turnMs: expect.any(Number),
        contextMs: expect.any(Number),
      }),
    ]);
    expect(local.chatRequests).toHaveLength(0);
    expect({ messages: rows('messages'), turns: rows('turns') }).toEqual(before);
    // Once per process: a second call does nothing more.
    await steward.steward.preload();
    expect(preloadLines(lines)).toHaveLength(1);
    const reply = await steward.say('hello there');
    expect(reply).toMatchObject({
      kind: 'agent',
      text: expect.stringMatching(/^Hello from local-model. You said: hello there/),
    });
  });

  it('answers a message sent while the preload runs, with one request', async () => {
    local = await startOpenAIServer({ model: 'local-model' });
    const steward = await open({ STEWARD_LOCAL_FAST_URL: local.url });
    const preloading = steward.steward.preload();
    const reply = await steward.say('hello there');
    await preloading;
    expect(reply).toMatchObject({ kind: 'agent' });
    expect(local.chatRequests).toHaveLength(1);
    expect(preloadLines(lines)).toHaveLength(1);
  });

  it('loads nothing when no model provider is configured', async () => {
    const steward = await open();
    await steward.steward.preload();
    expect(preloadLines(lines)).toEqual([]);
  });

  it('starts in the REPL once the prompt is on a terminal, and in the daemon once it is ready', async () => {
    local = await startOpenAIServer({ model: 'local-model' });
    const steward = await open({ STEWARD_LOCAL_FAST_URL: local.url });
    const input = new PassThrough();
    const output = new PassThrough();
    let text = '';
    output.on('data', (chunk: Buffer) => (text += chunk.toString()));
    const done = runRepl({ host: replHost(steward.steward), input, output, terminal: true, sender: 'owner' });
    await eventually(() => expect(text).toContain('› '));
    await eventually(() => expect(preloadLines(lines)).toHaveLength(1));
    input.write('/quit\r');
    expect(await done).toBe(0);
    await opened?.close();

    lines.length = 0;
    const daemonSteward = await open({ STEWARD_LOCAL_FAST_URL: local.url });
    const { daemon } = await startDaemon(daemonSteward.steward);
    await eventually(() => expect(preloadLines(lines)).toHaveLength(1));
    await daemon.stop();
  });
});
