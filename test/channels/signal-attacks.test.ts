import { afterEach, describe, expect, it } from 'vitest';
import { parseReceiveEvent } from '../../src/channels/signal/envelope.js';
import { runDoctorChecks } from '../../src/cli/commands/doctor.js';
import type { Daemon } from '../../src/daemon/daemon.js';
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
import { startSignalServer, type SignalServer } from '../support/signal-server.js';
import { openTestSteward, type TestSteward } from '../support/steward.js';

/** The owner's Signal UUID (the test server derives one from the number unless told). */
const OWNER_UUID = '00000000-0000-4000-8000-015551112222';
/** Someone else's UUID. */
const STRANGER_UUID = '00000000-0000-4000-8000-015559998888';

/**
 * Issue 10, items 1 and 2: a Signal sender is one identity (the one the
 * reply goes to), and an event that cannot be processed is recorded and
 * skipped while receiving goes on.
 */
describe('Signal under attack', () => {
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

  async function open(overrides: Record<string, unknown> = {}): Promise<{ test: TestSteward; server: SignalServer }> {
    const server = await startSignalServer();
    signal = server;
    opened = await openTestSteward({
      env: signalEnv(server.url),
      overrides: { ...NO_BRIEFINGS, ...QUICK_RECEIVE, ...overrides },
      logSink: (line) => logLines.push(line),
      clock: { now: () => new Date() },
    });
    daemon = (await startDaemon(opened.steward)).daemon;
    await eventually(() => expect(server.eventClients).toBe(1));
    return { test: opened, server };
  }

  function count(test: TestSteward, sql: string): number {
    return (test.steward.database.prepare(sql).get() as { count: number }).count;
  }

  it('gives nothing to a stranger whose envelope carries the owner’s allowlisted UUID', async () => {
    const { test, server } = await open({ signal: { ...QUICK_RECEIVE.signal, allowFrom: [OWNER_UUID] } });
    await test.say('remember my bank PIN is 4321');
    server.pushEnvelope(server.incoming(STRANGER, 'profile', { uuid: OWNER_UUID }), ACCOUNT);
    server.pushEnvelope(server.incoming(OWNER, 'goals', { uuid: OWNER_UUID }), ACCOUNT);
    await eventually(() => expect(server.sent).toHaveLength(1));
    await daemon!.idle();
    expect(server.sent.map((sent) => sent.recipients)).toEqual([[OWNER]]);
    expect(JSON.stringify(server.sent)).not.toContain('4321');
    expect(count(test, `SELECT COUNT(*) AS count FROM inbox WHERE sender = '${STRANGER}'`)).toBe(0);
    expect(logLines.some((line) => line.includes('"level":40') && line.includes('a spoofed sender'))).toBe(true);
  });

  it('drops, with a warning, an envelope that pairs a known contact’s number or UUID with another', async () => {
    const { test, server } = await open();
    // The first message pairs the owner's number with their UUID.
    server.pushEnvelope(server.incoming(OWNER, 'add habit reading daily', { uuid: OWNER_UUID }), ACCOUNT);
    await eventually(() => expect(server.sent).toHaveLength(1));
    server.pushEnvelope(server.incoming(STRANGER, 'profile', { uuid: OWNER_UUID }), ACCOUNT);
    server.pushEnvelope(server.incoming(OWNER, 'habit stats', { uuid: STRANGER_UUID }), ACCOUNT);
    server.pushEnvelope(server.incoming(OWNER, 'goals', { uuid: OWNER_UUID }), ACCOUNT);
    await eventually(() => expect(server.sent).toHaveLength(2));
    await daemon!.idle();
    expect(server.sent.map((sent) => sent.recipients)).toEqual([[OWNER], [OWNER]]);
    expect(server.sent[1]?.message).toMatch(/goal/i);
    const warnings = logLines.filter((line) => line.includes('"level":40') && line.includes('Signal message dropped'));
    expect(warnings.some((line) => line.includes(`came with the UUID ${STRANGER_UUID}`))).toBe(true);
    expect(warnings.some((line) => line.includes('a spoofed sender'))).toBe(true);
    expect(count(test, 'SELECT COUNT(*) AS count FROM inbox')).toBe(2);
    expect(daemon?.signalChannel?.status()).toMatchObject({ answered: 2, ignored: 2 });
  });

  it('answers a known contact who hides their number at their UUID, and ignores an unknown one', async () => {
    const { server } = await open();
    server.pushEnvelope(server.incoming(OWNER, 'add habit piano daily', { uuid: OWNER_UUID }), ACCOUNT);
    await eventually(() => expect(server.sent).toHaveLength(1));
    // signal-cli's envelope of a sender whose number it does not know: sourceNumber null, source the UUID.
    const hidden = (uuid: string, text: string): Record<string, unknown> => ({
      ...server.incoming(OWNER, text, { uuid }),
      source: uuid,
      sourceNumber: null,
    });
    server.pushEnvelope(hidden(STRANGER_UUID, 'profile'), ACCOUNT);
    server.pushEnvelope(hidden(OWNER_UUID, 'check in piano'), ACCOUNT);
    await eventually(() => expect(server.sent).toHaveLength(2));
    await daemon!.idle();
    expect(server.sent[1]).toMatchObject({ recipients: [OWNER_UUID] });
    expect(server.sent[1]?.message).toContain('Checked in piano');
    expect(server.sent).toHaveLength(2);
  });

  it('records a poison event, skips it and keeps answering (a timestamp of 9e15)', async () => {
    const { test, server } = await open();
    const poison = { ...server.incoming(OWNER, 'add habit poison daily'), timestamp: 9e15 };
    server.pushEnvelope(poison, ACCOUNT);
    server.pushEnvelope(server.incoming(OWNER, 'add habit tea daily'), ACCOUNT);
    await eventually(() => expect(server.sent).toHaveLength(1));
    expect(server.sent[0]?.message).toContain('Added habit tea');
    const failed = test.steward.database.prepare('SELECT * FROM failed_events').all() as Array<Record<string, unknown>>;
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({
      source: 'signal-jsonrpc',
      reason: 'unexpected shape: envelope.timestamp is after 2100',
      sender: OWNER,
      event_timestamp: 9e15,
      count: 1,
    });
    expect(JSON.stringify(failed)).not.toContain('poison');
    // Sent again (a redelivery), it is counted, not processed.
    server.pushEnvelope(poison, ACCOUNT);
    server.pushEnvelope(server.incoming(OWNER, 'habit stats tea'), ACCOUNT);
    await eventually(() => expect(server.sent).toHaveLength(2));
    expect(server.sent[1]?.message).toContain('tea');
    expect(server.eventRequests).toHaveLength(1);
    expect(count(test, 'SELECT COUNT(*) AS count FROM failed_events')).toBe(1);
    expect(count(test, 'SELECT count FROM failed_events')).toBe(2);
    expect(count(test, "SELECT COUNT(*) AS count FROM habits WHERE name = 'poison'")).toBe(0);
    // steward doctor shows it.
    const checks = await runDoctorChecks(test.steward);
    expect(checks.find((check) => check.name === 'signal events')).toMatchObject({
      status: 'warn',
      detail: expect.stringMatching(
        /^1 failed event in the last 7 days, skipped \(receiving went on\); latest: \S+ unexpected shape: envelope\.timestamp is after 2100 \(2 times\)$/,
      ) as unknown,
    });
  });

  it('records an event whose processing throws, and answers the next one', async () => {
    const { test, server } = await open();
    // A fault inside processing (a broken disk would do the same): the inbox refuses this row.
    test.steward.database.exec(
      "CREATE TRIGGER inbox_fault BEFORE INSERT ON inbox WHEN NEW.text = 'boom' BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END",
    );
    server.pushEnvelope(server.incoming(OWNER, 'boom'), ACCOUNT);
    server.pushEnvelope(server.incoming(OWNER, 'add habit walking daily'), ACCOUNT);
    await eventually(() => expect(server.sent).toHaveLength(1));
    expect(server.sent[0]?.message).toContain('Added habit walking');
    const failed = test.steward.database.prepare('SELECT reason FROM failed_events').all();
    expect(failed).toEqual([{ reason: 'processing failed: disk I/O error' }]);
    expect(server.eventRequests).toHaveLength(1);
  });

  it('stores nothing of a stranger’s malformed event', async () => {
    const { test, server } = await open();
    server.pushEnvelope({ ...server.incoming(STRANGER, 'x'), timestamp: -5 }, ACCOUNT);
    server.pushEnvelope(server.incoming(OWNER, 'goals'), ACCOUNT);
    await eventually(() => expect(server.sent).toHaveLength(1));
    expect(count(test, 'SELECT COUNT(*) AS count FROM failed_events')).toBe(0);
    expect(logLines.some((line) => line.includes('Signal message ignored: the sender is not on the allowlist'))).toBe(
      true,
    );
  });
});

describe('parseReceiveEvent range checks', () => {
  const envelope = {
    source: OWNER,
    sourceNumber: OWNER,
    sourceUuid: OWNER_UUID,
    sourceName: 'Owner',
    sourceDevice: 1,
    timestamp: 1_700_000_100_000,
    serverReceivedTimestamp: 1_700_000_100_005,
    serverDeliveredTimestamp: 1_700_000_100_006,
    dataMessage: { timestamp: 1_700_000_100_000, message: 'hello', expiresInSeconds: 0, viewOnce: false },
  };
  const event = (changes: Record<string, unknown>, data: Record<string, unknown> = {}): string =>
    JSON.stringify({
      account: ACCOUNT,
      envelope: { ...envelope, ...changes, dataMessage: { ...envelope.dataMessage, ...data } },
    });

  it('reads a real envelope, nulls included', () => {
    const parsed = parseReceiveEvent(event({ sourceName: null }, { groupInfo: null }));
    expect(parsed).toMatchObject({
      success: true,
      value: { kind: 'message', message: { sender: OWNER, senderUuid: OWNER_UUID, text: 'hello' } },
    });
  });

  it.each([
    [{ timestamp: 9e15 }, {}, 'envelope.timestamp is after 2100'],
    [{ timestamp: -1 }, {}, 'envelope.timestamp is before 2010'],
    [{ timestamp: 1.5e12 + 0.5 }, {}, 'envelope.timestamp'],
    [{ serverReceivedTimestamp: 1e20 }, {}, 'envelope.serverReceivedTimestamp'],
    [{ sourceNumber: '+1 555 111' }, {}, 'envelope.sourceNumber is not an E.164 number'],
    [{ sourceUuid: 'not-a-uuid' }, {}, 'envelope.sourceUuid is not a UUID'],
    [{ sourceName: 'x'.repeat(5000) }, {}, 'envelope.sourceName Too big'],
    [{ sourceDevice: -3 }, {}, 'envelope.sourceDevice'],
    [{}, { expiresInSeconds: 1e300 }, 'envelope.dataMessage.expiresInSeconds'],
    [{}, { timestamp: 9e15 }, 'envelope.dataMessage.timestamp is after 2100'],
    [{}, { groupInfo: { groupId: 'a b c' } }, 'envelope.dataMessage.groupInfo.groupId is not a group id'],
    [{}, { attachments: new Array(500).fill({}) }, 'envelope.dataMessage.attachments Too big'],
  ])('refuses a bad field: %#', (changes, data, reason) => {
    const parsed = parseReceiveEvent(event(changes, data));
    expect(parsed.success).toBe(false);
    if (!parsed.success) expect(parsed.error).toContain(reason);
  });

  it('names the sender of a malformed event when it can, so a stranger’s is ignored', () => {
    const parsed = parseReceiveEvent(event({ sourceNumber: STRANGER, source: STRANGER, timestamp: 'soon' }));
    expect(parsed).toMatchObject({ success: false, identity: { number: STRANGER, uuid: OWNER_UUID } });
  });
});
