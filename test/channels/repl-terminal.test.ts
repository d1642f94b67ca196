import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { runRepl } from '../../src/channels/repl.js';
import { replHost } from '../../src/app/repl-host.js';
import { startOpenAIServer, type OpenAIServer } from '../support/openai-server.js';
import { openTestSteward, type TestSteward } from '../support/steward.js';

/** The REPL as a terminal drives it: keystrokes in, with Ctrl-C and the history file. */
describe('REPL on a terminal', () => {
  let opened: TestSteward | undefined;
  let local: OpenAIServer | undefined;
  afterEach(async () => {
    await opened?.close();
    await local?.close();
    opened = undefined;
    local = undefined;
  });

  it('cancels the reply in progress on Ctrl-C, keeps going, and writes the history file', async () => {
    local = await startOpenAIServer({ model: 'local-model' });
    local.chatDelayMs = 1500;
    opened = await openTestSteward({ env: { STEWARD_LOCAL_FAST_URL: local.url } });
    const input = new PassThrough();
    const output = new PassThrough();
    let text = '';
    output.on('data', (chunk: Buffer) => (text += chunk.toString()));
    const historyFile = join(opened.dataDir, 'repl_history');
    const done = runRepl({
      host: replHost(opened.steward),
      input,
      output,
      terminal: true,
      historyFile,
      sender: 'owner',
    });
    const waitFor = async (needle: string): Promise<void> => {
      for (let tries = 0; tries < 200 && !text.includes(needle); tries += 1)
        await new Promise((resolve) => setTimeout(resolve, 10));
      expect(text).toContain(needle);
    };
    await waitFor('› ');
    input.write('add habit meditation daily\r');
    await waitFor('Added habit meditation');
    input.write('tell me a long story\r');
    await waitFor('tell me a long story');
    await new Promise((resolve) => setTimeout(resolve, 100));
    input.write('\x03'); // Ctrl-C while the model has not answered yet
    await waitFor('(cancelled)');
    input.write('check in meditation\r');
    await waitFor('Checked in meditation for today.');
    input.write('\x03'); // Ctrl-C at the prompt does not quit
    await waitFor('(Ctrl-D or /quit to leave)');
    input.write('/quit\r');
    expect(await done).toBe(0);
    expect(
      readFileSync(historyFile, 'utf8')
        .split('\n')
        .filter((line) => line !== ''),
    ).toEqual(['add habit meditation daily', 'tell me a long story', 'check in meditation', '/quit']);
    const stored = opened.steward.database
      .prepare("SELECT json_extract(meta, '$.kind') AS kind FROM messages WHERE role = 'assistant' ORDER BY id")
      .all();
    expect(stored).toEqual([{ kind: 'command' }, { kind: 'cancelled' }, { kind: 'command' }]);
  });
});

/** A REPL on a fake terminal, with helpers to type and wait. */
function terminalSession(
  opened: TestSteward,
  options: { startStatus?: () => Promise<string | undefined> } = {},
): {
  input: PassThrough;
  done: Promise<number>;
  output: () => string;
  waitFor: (needle: string, from?: number) => Promise<void>;
} {
  const input = new PassThrough();
  const output = new PassThrough();
  let text = '';
  output.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const done = runRepl({
    host: replHost(opened.steward),
    input,
    output,
    terminal: true,
    historyFile: join(opened.dataDir, 'repl_history'),
    sender: 'owner',
    ...(options.startStatus === undefined ? {} : { startStatus: options.startStatus }),
  });
  const waitFor = async (needle: string, from = 0): Promise<void> => {
    for (let tries = 0; tries < 300 && !text.slice(from).includes(needle); tries += 1)
      await new Promise((resolve) => setTimeout(resolve, 10));
    expect(text.slice(from)).toContain(needle);
  };
  return { input, done, output: () => text, waitFor };
}

describe('a REPL that feels alive', () => {
  let opened: TestSteward | undefined;
  let local: OpenAIServer | undefined;
  afterEach(async () => {
    await opened?.close();
    await local?.close();
    opened = undefined;
    local = undefined;
  });

  it('shows a spinner until the first token, then the provider; completes names on Tab; Ctrl-C drops a half-typed line', async () => {
    local = await startOpenAIServer({ model: 'local-model' });
    local.chatDelayMs = 600;
    opened = await openTestSteward({ env: { STEWARD_LOCAL_FAST_URL: local.url } });
    let statusAsked = 0;
    const session = terminalSession(opened, {
      startStatus: () => {
        statusAsked += 1;
        return Promise.resolve('local-fast up · daemon not running · 1 habit due today: meditation');
      },
    });
    await session.waitFor('› ');
    // The status line comes after the prompt, never before it.
    await session.waitFor('local-fast up · daemon not running · 1 habit due today: meditation\n');
    expect(session.output().indexOf('› ')).toBeLessThan(session.output().indexOf('local-fast up'));
    expect(statusAsked).toBe(1);
    session.input.write('add habit meditation daily\r');
    await session.waitFor('Added habit meditation');
    // A command answers at once: no spinner for it.
    expect(session.output()).not.toContain('thinking…');

    let mark = session.output().length;
    session.input.write('tell me something\r');
    await session.waitFor('⠋ thinking…', mark);
    await session.waitFor('local-fast › Hello from local-model. You said: tell me something', mark);

    mark = session.output().length;
    session.input.write('check in med\t');
    await session.waitFor('check in meditation', mark);
    session.input.write('\r');
    await session.waitFor('Checked in meditation for today.', mark);

    mark = session.output().length;
    session.input.write('half typed words');
    await session.waitFor('half typed words', mark);
    session.input.write('\x03');
    await session.waitFor('^C', mark);
    session.input.write('habits\r');
    await session.waitFor('meditation (daily) #1 — done today', mark);
    session.input.write('/quit\r');
    expect(await session.done).toBe(0);
    // The dropped line was never sent: it is neither in the history nor among the stored messages.
    const history = readFileSync(join(opened.dataDir, 'repl_history'), 'utf8');
    expect(history).not.toContain('half typed');
    const said = opened.steward.database.prepare("SELECT text FROM messages WHERE role = 'user' ORDER BY id").all();
    expect(said).toEqual([
      { text: 'add habit meditation daily' },
      { text: 'tell me something' },
      { text: 'check in meditation' },
      { text: 'habits' },
    ]);
  });

  it('lists numbered choices for an ambiguous name, and a number picks one', async () => {
    opened = await openTestSteward();
    const session = terminalSession(opened);
    await session.waitFor('› ');
    session.input.write('set goal run a marathon\r');
    await session.waitFor('Goal set: run a marathon');
    session.input.write('set goal run a half marathon\r');
    await session.waitFor('Goal set: run a half marathon');
    session.input.write('add milestone marathon: run 30 km\r');
    await session.waitFor(
      '  1. run a marathon #1\n  2. run a half marathon #2\nSay which one by its number or its #id.',
    );
    session.input.write('1\r');
    await session.waitFor('Milestone added to run a marathon: run 30 km');
    session.input.write('/quit\r');
    expect(await session.done).toBe(0);
  });

  it('leaves at once with a hung model server: the episode is written without waiting for a model', async () => {
    local = await startOpenAIServer({ model: 'local-model' });
    local.mode = 'hang';
    const logLines: string[] = [];
    opened = await openTestSteward({
      logSink: (line) => logLines.push(line),
      env: { STEWARD_LOCAL_FAST_URL: local.url },
      // Summaries by the model are on, and closing would wait a minute for one: leaving must not.
      overrides: { memory: { episodes: { summarizeWithModel: true }, closeTimeoutMs: 60_000 } },
    });
    const session = terminalSession(opened);
    await session.waitFor('› ');
    session.input.write('are you there?\r');
    await session.waitFor('thinking…');
    session.input.write('\x03');
    await session.waitFor('(cancelled)');
    await opened.steward.providers.settled();
    const requestsBefore = local.authorizations.length;
    session.input.end(); // Ctrl-D
    expect(await session.done).toBe(0);
    // Leaving asked the hung server nothing (no summary, no probe), and tried no model at all: nothing to wait for.
    expect(local.authorizations.length).toBe(requestsBefore);
    expect(logLines.filter((line) => line.includes('episode summary by model'))).toEqual([]);
    expect(session.output()).toContain('summarized without a model for now');
    const episodes = opened.steward.database.prepare('SELECT method FROM episodes').all();
    expect(episodes).toEqual([{ method: 'heuristic' }]);
  });
});
