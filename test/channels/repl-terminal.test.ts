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
