import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { runRepl } from '../../src/channels/repl.js';
import { replHost } from '../../src/app/repl-host.js';
import { refusedUrl, startOpenAIServer, type OpenAIServer } from '../support/openai-server.js';
import { README_SESSION, openTestSteward, type TestSteward } from '../support/steward.js';

async function pipedSession(opened: TestSteward, lines: string[]): Promise<{ output: string; code: number }> {
  const input = new PassThrough();
  const output = new PassThrough();
  let text = '';
  output.on('data', (chunk: Buffer) => (text += chunk.toString()));
  input.end(lines.join('\n') + '\n');
  const code = await runRepl({ host: replHost(opened.steward), input, output, terminal: false, sender: 'owner' });
  return { output: text, code };
}

describe('REPL with piped input', () => {
  let opened: TestSteward | undefined;
  let local: OpenAIServer | undefined;
  afterEach(async () => {
    await opened?.close();
    await local?.close();
    opened = undefined;
    local = undefined;
  });

  const session = [...README_SESSION];

  it('answers each line, the chat line by the local model, and exits 0 at EOF', async () => {
    local = await startOpenAIServer({ model: 'local-model' });
    opened = await openTestSteward({ env: { STEWARD_LOCAL_FAST_URL: local.url } });
    const { output, code } = await pipedSession(opened, session);
    expect(code).toBe(0);
    expect(output).toContain('Added habit meditation (daily).');
    expect(output).toContain('Checked in meditation for today. Streak: 1 day');
    expect(output).toContain('Goal set: run a marathon, by 2027-05-01');
    expect(output).toContain('run a marathon: 10% (was 0%)');
    expect(output).toContain('streak 1 day · best 1 day');
    expect(output).toContain('run a marathon #1  [#---------]  10%');
    expect(output).toContain('Hello from local-model. You said: hello, what can you do?');
    expect(local.chatRequests).toHaveLength(1);
    // Every line and every reply is stored, with its channel and sender.
    const stored = opened.steward.database
      .prepare("SELECT role, sender, channel FROM messages WHERE channel = 'repl'")
      .all();
    expect(stored).toHaveLength(14);
    expect(stored[0]).toEqual({ role: 'user', sender: 'owner', channel: 'repl' });
    expect(stored[1]).toEqual({ role: 'assistant', sender: 'steward', channel: 'repl' });
  });

  it('still answers the commands with nothing listening, and explains the chat line in one line', async () => {
    opened = await openTestSteward({ env: { STEWARD_LOCAL_FAST_URL: await refusedUrl() } });
    const { output, code } = await pipedSession(opened, session);
    expect(code).toBe(0);
    expect(output).toContain('Checked in meditation for today.');
    const lines = output.trim().split('\n');
    expect(lines[lines.length - 1]).toMatch(
      /^No model answered: tried local-fast \(connection refused\)\. To fix: .*OPENAI_API_KEY/,
    );
  });

  it('handles /help, /status and /quit', async () => {
    opened = await openTestSteward();
    const { output } = await pipedSession(opened, ['/help', '/status', '/nonsense', '/quit', 'add habit never daily']);
    expect(output).toContain('/status    models, plugins, Signal and database');
    expect(output).toContain('Commands work with no model. "help <topic>" gives the details');
    expect(output).toContain('plugins    briefings, goals, habits');
    expect(output).toContain('No model providers configured');
    expect(output).toContain('Unknown command /nonsense');
    expect(output).not.toContain('Added habit never');
  });
});
