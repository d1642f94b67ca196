import { afterEach, describe, expect, it } from 'vitest';
import { capParts, SIGNAL_MESSAGE_LIMIT } from '../../src/channels/signal/transport.js';
import type { Daemon } from '../../src/daemon/daemon.js';
import { ACCOUNT, eventually, NO_BRIEFINGS, OWNER, QUICK_RECEIVE, signalEnv, startDaemon } from '../support/daemon.js';
import { startOpenAIServer, type OpenAIServer } from '../support/openai-server.js';
import { startSignalServer, type SignalServer } from '../support/signal-server.js';
import { openTestSteward, type TestSteward } from '../support/steward.js';

/**
 * Issue 10, item 7 over Signal: a 1 MB `remember` was answered in 184
 * Signal messages. A message over `limits.signalMessage` gets one line
 * back; a long reply goes as at most `limits.signalReplyParts` messages,
 * the rest on "more".
 */
describe('Signal input and reply limits', () => {
  let signal: SignalServer | undefined;
  let model: OpenAIServer | undefined;
  let opened: TestSteward | undefined;
  let daemon: Daemon | undefined;
  afterEach(async () => {
    await daemon?.stop();
    await opened?.close();
    await signal?.close();
    await model?.close();
    daemon = opened = signal = model = undefined;
  });

  async function open(env: Record<string, string> = {}): Promise<{ test: TestSteward; server: SignalServer }> {
    const server = await startSignalServer();
    signal = server;
    opened = await openTestSteward({
      env: { ...signalEnv(server.url), ...env },
      overrides: { ...NO_BRIEFINGS, ...QUICK_RECEIVE },
      clock: { now: () => new Date() },
    });
    daemon = (await startDaemon(opened.steward)).daemon;
    await eventually(() => expect(server.eventClients).toBe(1));
    return { test: opened, server };
  }

  it('answers a 1 MB message with one line, and keeps only a sliver of it', async () => {
    const { test, server } = await open();
    server.pushEnvelope(server.incoming(OWNER, `remember ${'my notes are long '.repeat(62_000)}`), ACCOUNT);
    await eventually(() => expect(server.sent).toHaveLength(1));
    await daemon!.idle();
    expect(server.sent).toHaveLength(1);
    expect(server.sent[0]?.message).toBe(
      'That message is longer than steward takes: at most 16000 characters (limits.signalMessage in the config). Nothing was stored; send a shorter one.',
    );
    const stored = test.steward.database.prepare('SELECT length(text) AS length FROM inbox').get() as {
      length: number;
    };
    expect(stored.length).toBe(16_001);
    expect(test.steward.database.prepare('SELECT COUNT(*) AS count FROM facts').get()).toEqual({ count: 0 });
  });

  it('sends a long reply as at most 3 messages, and the rest when asked for "more"', async () => {
    const words = Array.from({ length: 2000 }, (_, index) => `word${index}`).join(' ');
    model = await startOpenAIServer({ model: 'talker', respond: () => ({ content: words }) });
    const { server } = await open({ STEWARD_LOCAL_FAST_URL: model.url, STEWARD_LOCAL_QUALITY_URL: model.url });
    server.pushEnvelope(server.incoming(OWNER, 'tell me everything'), ACCOUNT);
    await eventually(() => expect(server.sent).toHaveLength(3));
    await daemon!.idle();
    expect(server.sent).toHaveLength(3);
    expect(server.sent.every((sent) => sent.message.length <= SIGNAL_MESSAGE_LIMIT)).toBe(true);
    expect(server.sent[2]?.message).toMatch(/\(\d+ more characters: answer "more" for the rest\)$/);

    // About 17,000 characters: 3 messages now, 2 more on "more" (the last without a note).
    server.pushEnvelope(server.incoming(OWNER, 'More'), ACCOUNT);
    await eventually(() => expect(server.sent).toHaveLength(5));
    await daemon!.idle();
    expect(server.sent).toHaveLength(5);
    const received = server.sent.map((sent) => sent.message.replace(/\n\n\(\d+ more characters.*\)$/, '')).join(' ');
    expect(received.split(/\s+/)).toEqual(words.split(' '));
    expect(server.sent[4]?.message).not.toContain('more characters');
  });
});

describe('capParts', () => {
  it('keeps a short text whole, and caps a long one with a note that fits', () => {
    expect(capParts('hello', 3)).toEqual({ parts: ['hello'], rest: '' });
    const text = 'x'.repeat(SIGNAL_MESSAGE_LIMIT * 5);
    const { parts, rest } = capParts(text, 2);
    expect(parts).toHaveLength(2);
    expect(parts.every((part) => part.length <= SIGNAL_MESSAGE_LIMIT)).toBe(true);
    expect(parts[1]).toContain(`(${rest.length} more characters: answer "more" for the rest)`);
    expect(parts.join('').replace(/\n\n\(.*\)$/, '').length + rest.replace(/\n/g, '').length).toBe(text.length);
  });
});
