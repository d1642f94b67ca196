import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { replHost } from '../../src/app/repl-host.js';
import { runRepl } from '../../src/channels/repl.js';
import { openTestSteward, type TestSteward } from '../support/steward.js';

describe('counts in /status', () => {
  let opened: TestSteward | undefined;
  afterEach(async () => {
    await opened?.close();
    opened = undefined;
  });

  it('says "1 fact", not "1 facts"', async () => {
    opened = await openTestSteward();
    const input = new PassThrough();
    const output = new PassThrough();
    let text = '';
    output.on('data', (chunk: Buffer) => (text += chunk.toString()));
    input.end('remember my coffee order is an oat flat white\n/status\n');
    await runRepl({ host: replHost(opened.steward), input, output, terminal: false, sender: 'owner' });
    expect(text).toMatch(/memory .*; 0 episodes; 1 fact(\n|;)/);
  });
});
