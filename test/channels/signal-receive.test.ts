import { afterEach, describe, expect, it } from 'vitest';
import type { Daemon } from '../../src/daemon/daemon.js';
import { startSignalServer, type SignalServer } from '../support/signal-server.js';
import {
  ACCOUNT,
  eventually,
  NO_BRIEFINGS,
  OWNER,
  QUICK_RECEIVE,
  signalEnv,
  startDaemon,
  STRANGER,
} from '../support/daemon.js';
import { openTestSteward, temporaryDataDir, type TestSteward } from '../support/steward.js';

describe('two-way Signal in the daemon', () => {
  let signal: SignalServer | undefined;
  let opened: TestSteward | undefined;
  let daemon: Daemon | undefined;
  const logLines: string[] = [];
  afterEach(async () => {
    await daemon?.stop();
    await opened?.close();
    await signal?.close();
    daemon = undefined;
    opened = undefined;
    signal = undefined;
    logLines.length = 0;
  });

  async function open(
    api: 'jsonrpc' | 'rest' = 'jsonrpc',
    overrides: Record<string, unknown> = {},
    dataDir?: string,
  ): Promise<TestSteward> {
    // signal-cli as docs/servers.md sets it up: receiving only while steward is connected.
    signal ??= await startSignalServer(
      api === 'rest' ? { backend: 'rest-api', restMode: 'json-rpc' } : { receiveMode: 'on-connection' },
    );
    opened = await openTestSteward({
      env: signalEnv(signal.url, api),
      overrides: { ...NO_BRIEFINGS, ...QUICK_RECEIVE, ...overrides },
      logSink: (line) => logLines.push(line),
      ...(dataDir === undefined ? {} : { dataDir }),
    });
    daemon = (await startDaemon(opened.steward)).daemon;
    const server = signal;
    await eventually(() => expect(api === 'rest' ? server.socketClients : server.eventClients).toBe(1));
    return opened;
  }

  function replies(): string[] {
    return (signal?.sent ?? []).map((sent) => sent.message);
  }

  it('answers the owner through the same pipeline as the REPL, and ignores a stranger without a trace', async () => {
    const { steward, say } = await open();
    const server = signal!;
    server.pushEnvelope(server.incoming(STRANGER, 'add habit lockpicking daily'), ACCOUNT);
    server.pushEnvelope(server.incoming(OWNER, 'add habit meditation daily'), ACCOUNT);
    await eventually(() => expect(replies()).toHaveLength(1));
    expect(server.sent[0]).toMatchObject({ account: ACCOUNT, recipients: [OWNER] });
    expect(server.sent[0]?.message).toContain('Added habit meditation (daily)');

    // The same memory as the REPL: the habit added over Signal is there, the stranger's is not.
    const stats = await say('habit stats');
    expect(stats.text).toContain('meditation');
    expect(stats.text).not.toContain('lockpicking');
    const fromStranger = steward.database
      .prepare('SELECT COUNT(*) AS count FROM messages WHERE sender = ?')
      .get(STRANGER) as { count: number };
    expect(fromStranger.count).toBe(0);
    expect(
      logLines.some(
        (line) =>
          line.includes('Signal message ignored: the sender is not on the allowlist') && line.includes(STRANGER),
      ),
    ).toBe(true);
    expect(daemon?.signalChannel?.status()).toMatchObject({ state: 'connected', answered: 1, ignored: 1 });
  });

  it('skips a malformed event, receipts and typing, with a log line, and keeps answering', async () => {
    await open();
    const server = signal!;
    server.pushEnvelope(
      { source: OWNER, sourceNumber: OWNER, timestamp: 'yesterday', dataMessage: { message: 'check in x' } },
      ACCOUNT,
    );
    server.pushEnvelope(
      {
        source: OWNER,
        sourceNumber: OWNER,
        sourceUuid: null,
        timestamp: 1_700_000_000_001,
        typingMessage: { action: 'STARTED' },
      },
      ACCOUNT,
    );
    server.pushEnvelope(
      {
        source: OWNER,
        sourceNumber: OWNER,
        timestamp: 1_700_000_000_002,
        receiptMessage: { isRead: true, timestamps: [1] },
      },
      ACCOUNT,
    );
    server.pushEnvelope(server.incoming(OWNER, 'add habit flossing daily'), ACCOUNT);
    await eventually(() => expect(replies()).toHaveLength(1));
    expect(replies()[0]).toContain('flossing');
    expect(logLines.some((line) => line.includes('Signal event skipped: unexpected shape: envelope.timestamp'))).toBe(
      true,
    );
    expect(daemon?.signalChannel?.status()).toMatchObject({ answered: 1, ignored: 0 });
  });

  it('answers a redelivered message once', async () => {
    await open();
    const server = signal!;
    const envelope = server.incoming(OWNER, 'add habit stretching daily');
    server.pushEnvelope(envelope, ACCOUNT);
    server.pushEnvelope(envelope, ACCOUNT);
    server.pushEnvelope(server.incoming(OWNER, 'goals'), ACCOUNT);
    await eventually(() => expect(replies()).toHaveLength(2));
    expect(replies()[0]).toContain('Added habit stretching (daily)');
    expect(replies()[1]).toMatch(/goal/i);
  });

  it('ignores group messages unless the group is allowed, and answers an allowed group in the group', async () => {
    await open('jsonrpc', { signal: { ...QUICK_RECEIVE.signal, allowGroups: ['ZmFtaWx5LWdyb3Vw'] } });
    const server = signal!;
    server.pushEnvelope(server.incoming(OWNER, 'add habit reading daily', { groupId: 'b3RoZXItZ3JvdXA=' }), ACCOUNT);
    server.pushEnvelope(server.incoming(OWNER, 'add habit walking daily', { groupId: 'ZmFtaWx5LWdyb3Vw' }), ACCOUNT);
    await eventually(() => expect(replies()).toHaveLength(1));
    expect(server.sent[0]).toMatchObject({ recipients: [], groupIds: ['ZmFtaWx5LWdyb3Vw'] });
    expect(server.sent[0]?.message).toContain('Added habit walking');
    expect(
      logLines.some((line) =>
        line.includes('group messages are not answered unless the group is in signal.allowGroups'),
      ),
    ).toBe(true);
  });

  it('reconnects a dropped stream and answers, once each, the messages the Signal server held meanwhile', async () => {
    await open();
    const server = signal!;
    server.pushEnvelope(server.incoming(OWNER, 'add habit yoga daily'), ACCOUNT);
    await eventually(() => expect(replies()).toHaveLength(1));

    server.eventsStatus = 503; // the stream stays down for a while
    server.dropEventStreams();
    server.pushEnvelope(server.incoming(OWNER, 'check in yoga'), ACCOUNT);
    server.pushEnvelope(server.incoming(OWNER, 'habit stats yoga'), ACCOUNT);
    expect(server.pending).toBe(2); // on-connection: signal-cli fetched nothing while no stream was connected
    server.eventsStatus = undefined;
    await eventually(() => expect(replies()).toHaveLength(3));
    expect(replies()[1]).toContain('Checked in yoga for today');
    expect(replies()[2]).toContain('yoga');
    // signal-cli's events carry no id, so steward names none: nothing to resume from but the Signal server's queue.
    expect(server.eventRequests.every((request) => request.lastEventId === undefined)).toBe(true);
    expect(server.lost).toBe(0);
    expect(daemon?.signalChannel?.status().reconnects).toBeGreaterThanOrEqual(1);
  });

  it('drops a stream that went silent and reconnects; what was handed to the dead stream is the known loss', async () => {
    await open('jsonrpc', { signal: { receive: { backoffMs: [20], idleTimeoutMs: 300 } } });
    const server = signal!;
    server.pushEnvelope(server.incoming(OWNER, 'add habit journaling daily'), ACCOUNT);
    await eventually(() => expect(replies()).toHaveLength(1));
    // The stream stays open but nothing more comes through it, while sending still works.
    server.stalled = true;
    server.pushEnvelope(server.incoming(OWNER, 'check in journaling'), ACCOUNT);
    await eventually(() => expect(server.eventRequests.length).toBeGreaterThanOrEqual(2));
    server.stalled = false;
    // signal-cli handed that one to the dead stream and acknowledged it: gone (docs/servers.md, "what can still be lost").
    expect(server.lost).toBe(1);
    await eventually(() => expect(server.eventClients).toBe(1));
    server.pushEnvelope(server.incoming(OWNER, 'check in journaling'), ACCOUNT);
    await eventually(() => expect(replies()).toHaveLength(2));
    expect(replies()[1]).toContain('Checked in journaling');
    expect(logLines.some((line) => line.includes('no data or keep-alive'))).toBe(true);
  });

  it('answers at the next start what arrived while the daemon was down', async () => {
    const { dataDir, remove } = temporaryDataDir();
    try {
      await open('jsonrpc', {}, dataDir);
      const server = signal!;
      server.pushEnvelope(server.incoming(OWNER, 'add habit piano daily'), ACCOUNT);
      await eventually(() => expect(replies()).toHaveLength(1));
      await daemon!.stop();
      await opened!.close();
      await eventually(() => expect(server.eventClients).toBe(0)); // signal-cli has seen the stream go

      server.pushEnvelope(server.incoming(OWNER, 'check in piano'), ACCOUNT);
      expect(server.pending).toBe(1);
      await open('jsonrpc', {}, dataDir);
      await eventually(() => expect(replies()).toHaveLength(2));
      expect(replies()[1]).toContain('Checked in piano');
      // The message from before the restart is not answered again.
      await daemon!.idle();
      expect(replies()).toHaveLength(2);
    } finally {
      await daemon?.stop();
      await opened?.close();
      daemon = undefined;
      opened = undefined;
      remove();
    }
  });

  it('receives over the REST API websocket (json-rpc mode), replies with /v2/send, and reconnects', async () => {
    await open('rest');
    const server = signal!;
    server.pushEnvelope(server.incoming(OWNER, 'add habit running daily'), ACCOUNT);
    await eventually(() => expect(replies()).toHaveLength(1));
    expect(server.sent[0]).toMatchObject({ api: 'rest', account: ACCOUNT, recipients: [OWNER] });
    expect(server.eventRequests[0]).toMatchObject({ api: 'rest', account: ACCOUNT });

    server.dropEventStreams();
    await eventually(() => expect(server.socketClients).toBe(1));
    server.pushEnvelope(server.incoming(OWNER, 'check in running'), ACCOUNT);
    await eventually(() => expect(replies()).toHaveLength(2));
    expect(replies()[1]).toContain('Checked in running');
  });

  it('polls the REST API in normal mode (its default), and loses nothing that arrives between calls', async () => {
    signal = await startSignalServer({ backend: 'rest-api' }); // MODE=normal
    const server = signal;
    server.pushEnvelope(server.incoming(OWNER, 'add habit cello daily'), ACCOUNT); // before steward starts
    opened = await openTestSteward({
      env: signalEnv(server.url, 'rest'),
      overrides: { ...NO_BRIEFINGS, ...QUICK_RECEIVE },
      logSink: (line) => logLines.push(line),
    });
    daemon = (await startDaemon(opened.steward)).daemon;
    await eventually(() => expect(replies()).toHaveLength(1));
    expect(replies()[0]).toContain('Added habit cello');
    server.pushEnvelope(server.incoming(OWNER, 'check in cello'), ACCOUNT);
    await eventually(() => expect(replies()).toHaveLength(2));
    expect(replies()[1]).toContain('Checked in cello');
    expect(server.socketClients).toBe(0); // no websocket handshake, whose answer would be a receive thrown away
    expect(server.lost).toBe(0);
    expect(daemon.signalChannel?.status().state).toBe('connected');
  });

  it('waits as told when rate limited, backs off on a server error, then receives', async () => {
    signal = await startSignalServer();
    signal.eventsStatus = 429;
    const server = signal;
    opened = await openTestSteward({
      env: signalEnv(server.url),
      overrides: { ...NO_BRIEFINGS, ...QUICK_RECEIVE },
      logSink: (line) => logLines.push(line),
    });
    daemon = (await startDaemon(opened.steward)).daemon;
    await eventually(() =>
      expect(logLines.some((line) => line.includes('answered 429') && line.includes('reconnecting in 1.0 s'))).toBe(
        true,
      ),
    );
    server.eventsStatus = 503;
    await eventually(() => expect(logLines.some((line) => line.includes('answered HTTP 503'))).toBe(true));
    server.eventsStatus = undefined;
    await eventually(() => expect(server.eventClients).toBe(1));
    server.pushEnvelope(server.incoming(OWNER, 'goals'), ACCOUNT);
    await eventually(() => expect(replies()).toHaveLength(1));
  });
});
