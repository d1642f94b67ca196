import { random } from '../lib/stats.js';
import {
  ACCOUNT,
  crashed,
  OWNER,
  OWNER_UUID,
  place,
  query,
  secretsIn,
  startDaemonProcess,
  storedText,
  STRANGER,
  STRANGER_UUID,
  until,
  type Outcome,
  type Servers,
} from './world.js';

/**
 * Hostile Signal events against a running `steward daemon`: strangers,
 * spoofed senders (a stranger's number with the owner's UUID, the owner's
 * number with a stranger's UUID), groups that are not allowed, sync
 * messages, receipts and typing, replays, malformed and out-of-range
 * values, a 1 MB message, and a flood. Every message of the owner must be
 * answered exactly once, and nothing may go to anyone else.
 */

/** An envelope with some fields replaced. */
type Envelope = Record<string, unknown>;

/**
 * Run the hostile events.
 * @param servers - the servers
 * @param rounds - rounds of hostile events (each ends with an owner message), before a flood of 10 × rounds
 * @param seed - picks the malformed values
 */
export async function hostileSignal(servers: Servers, rounds: number, seed: number): Promise<Outcome> {
  const { signal } = servers;
  signal.sent.length = 0;
  signal.mode = 'ok';
  // The owner's UUID is allowlisted too, as in the attack of issue 10 (a stranger's number with it got the profile).
  const where = place(servers, {
    config: { signal: { allowFrom: [OWNER_UUID], receive: { backoffMs: [50, 100], idleTimeoutMs: 20_000 } } },
  });
  const next = random(seed);
  const expected = new Set<string>();
  let tried = 0;
  const push = (envelope: Envelope, expectReply: boolean): void => {
    tried += 1;
    signal.pushEnvelope(envelope, ACCOUNT);
    if (expectReply) expected.add(`reply:signal:${OWNER_UUID}:${String(envelope.timestamp)}`);
  };
  const owner = (text: string): Envelope => signal.incoming(OWNER, text, { uuid: OWNER_UUID });
  const malformed: ReadonlyArray<(envelope: Envelope) => Envelope> = [
    (envelope) => ({ ...envelope, timestamp: 9e15 }),
    (envelope) => ({ ...envelope, timestamp: -1 }),
    (envelope) => ({ ...envelope, timestamp: 'yesterday' }),
    (envelope) => ({ ...envelope, timestamp: 1.5 }),
    (envelope) => ({ ...envelope, sourceNumber: '+1 (555) 111' }),
    (envelope) => ({ ...envelope, sourceUuid: 'not-a-uuid' }),
    (envelope) => ({ ...envelope, dataMessage: { message: 42 } }),
    (envelope) => ({ ...envelope, dataMessage: { message: 'x', groupInfo: { groupId: 'no spaces allowed' } } }),
    (envelope) => ({ ...envelope, dataMessage: { message: 'x', attachments: new Array(1000).fill({}) } }),
    (envelope) => ({ ...envelope, sourceName: 'n'.repeat(100_000) }),
    (envelope) => ({ ...envelope, serverReceivedTimestamp: Number.MAX_VALUE }),
    () => ({}),
  ];

  const daemon = await startDaemonProcess(servers, where.env);
  try {
    // The owner first: it pairs the owner's number with their UUID.
    push(owner('add habit tea daily'), true);
    await until(() => signal.sent.length >= 1, 20_000, 'the first reply');
    for (let round = 0; round < rounds; round += 1) {
      push(signal.incoming(STRANGER, 'profile'), false);
      push(signal.incoming(STRANGER, 'profile', { uuid: OWNER_UUID }), false);
      push(signal.incoming(OWNER, 'profile', { uuid: STRANGER_UUID }), false);
      push(signal.incoming(OWNER, 'habits', { uuid: OWNER_UUID, groupId: 'b3RoZXItZ3JvdXA=' }), false);
      const sync = owner('habits');
      push({ ...sync, dataMessage: undefined, syncMessage: { sentMessage: { message: 'habits' } } }, false);
      push({ ...owner('x'), dataMessage: undefined, receiptMessage: { isRead: true, timestamps: [1] } }, false);
      push({ ...owner('x'), dataMessage: undefined, typingMessage: { action: 'STARTED' } }, false);
      const bad = malformed[Math.floor(next() * malformed.length)] as (envelope: Envelope) => Envelope;
      push(bad(owner('check in tea')), false);
      push(bad(signal.incoming(STRANGER, 'check in tea')), false);
      const hidden = owner('habit stats tea');
      push({ ...hidden, source: OWNER_UUID, sourceNumber: null }, true);
      const replayed = owner(`remember chaos round ${round}: done`);
      for (let copy = 0; copy < 4; copy += 1) push(replayed, copy === 0);
    }
    push(owner(`remember ${'a long line '.repeat(90_000)}`), true);
    for (let flood = 0; flood < rounds * 10; flood += 1) push(owner(flood % 2 === 0 ? 'check in tea' : 'habits'), true);
    const sentRows = (): Array<{ key: string }> =>
      query<{ key: string }>(where.dataDir, "SELECT idempotency_key AS key FROM outbox WHERE status = 'sent'");
    const answered = (): Set<string> => new Set(sentRows().map((row) => row.key.replace(/#\d+\/\d+$/, '')));
    await until(
      () => [...expected].every((key) => answered().has(key)),
      Math.max(60_000, tried * 200),
      'every owner message to be answered',
    ).catch(() => undefined);
    daemon.child.kill('SIGTERM');
    const finished = await daemon.done;
    const keys = answered();
    const rows = sentRows().length;
    const offList = signal.sent.filter((sent) =>
      sent.recipients.some((recipient) => recipient !== OWNER && recipient !== OWNER_UUID),
    ).length;
    const groups = signal.sent.filter((sent) => (sent.groupIds?.length ?? 0) > 0).length;
    return {
      name: 'hostile Signal events',
      tried,
      crashed: crashed(finished) || finished.code !== 0 ? 1 : 0,
      lost: [...expected].filter((key) => !keys.has(key)).length,
      duplicated: Math.max(0, signal.sent.length - rows),
      leaked:
        offList +
        groups +
        secretsIn(JSON.stringify(signal.sent)) +
        secretsIn(daemon.output()) +
        secretsIn(storedText(where.dataDir)),
      note: `${expected.size} owner messages, ${signal.sent.length} sends; ${offList + groups} to anyone else; ${
        query<{ count: number }>(where.dataDir, 'SELECT COUNT(*) AS count FROM failed_events')[0]?.count ?? 0
      } failed events recorded`,
    };
  } finally {
    daemon.child.kill('SIGKILL');
    where.remove();
  }
}
