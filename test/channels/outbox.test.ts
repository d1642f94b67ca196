import { afterEach, describe, expect, it } from 'vitest';
import { Outbox, type ChannelSender } from '../../src/channels/outbox.js';
import { openDatabase, type Database } from '../../src/shared/database.js';
import { applyMigrations, readCoreMigrations } from '../../src/memory/migrations.js';
import { DeliveryError } from '../../src/shared/errors.js';
import { manualClock, temporaryDataDir } from '../support/steward.js';

describe('outbox', () => {
  const cleanups: Array<() => void> = [];
  afterEach(() => cleanups.splice(0).forEach((cleanup) => cleanup()));

  function setup(sender: ChannelSender): { outbox: Outbox; database: Database; clock: ReturnType<typeof manualClock> } {
    const { dataDir, remove } = temporaryDataDir();
    const database = openDatabase(dataDir);
    applyMigrations(database, readCoreMigrations());
    cleanups.push(() => {
      database.close();
      remove();
    });
    const clock = manualClock();
    return { outbox: new Outbox(database, clock, new Map([['signal', sender]])), database, clock };
  }

  it('sends a key once, however often it is enqueued and delivered', async () => {
    const sent: string[] = [];
    const { outbox } = setup((_recipients, text) => {
      sent.push(text);
      return Promise.resolve();
    });
    const first = outbox.enqueue({
      idempotencyKey: 'briefing:morning:2026-11-21',
      channel: 'signal',
      recipients: ['+15551112222'],
      text: 'morning',
    });
    expect(first.created).toBe(true);
    expect(await outbox.deliver('briefing:morning:2026-11-21')).toBe('sent');
    expect(
      outbox.enqueue({
        idempotencyKey: 'briefing:morning:2026-11-21',
        channel: 'signal',
        recipients: ['+15551112222'],
        text: 'again',
      }).created,
    ).toBe(false);
    expect(await outbox.deliver('briefing:morning:2026-11-21')).toBe('already-sent');
    expect(await outbox.deliverDue()).toEqual({ sent: 0, failed: 0 });
    expect(sent).toEqual(['morning']);
  });

  it('keeps a failed message pending with backoff, and delivers it when due', async () => {
    let failing = true;
    const sent: string[] = [];
    const { outbox, clock } = setup((_recipients, text) => {
      if (failing) return Promise.reject(new DeliveryError('signal down', { channel: 'signal', retryable: true }));
      sent.push(text);
      return Promise.resolve();
    });
    outbox.enqueue({ idempotencyKey: 'k1', channel: 'signal', recipients: ['+1555'], text: 'hello' });
    await expect(outbox.deliver('k1')).rejects.toThrow('signal down');
    expect(outbox.get('k1')).toMatchObject({ status: 'pending', attempts: 1, lastError: 'signal down' });
    expect(await outbox.deliverDue()).toEqual({ sent: 0, failed: 0 }); // not due yet: 30 s backoff
    clock.advance(31_000);
    expect(await outbox.deliverDue()).toEqual({ sent: 0, failed: 1 });
    failing = false;
    clock.advance(61_000);
    expect(await outbox.deliverDue()).toEqual({ sent: 1, failed: 0 });
    expect(outbox.get('k1')).toMatchObject({ status: 'sent', attempts: 3 });
    expect(sent).toEqual(['hello']);
  });

  it('gives up at once on a failure that cannot pass', async () => {
    const { outbox } = setup(() =>
      Promise.reject(new DeliveryError('unregistered', { channel: 'signal', retryable: false })),
    );
    outbox.enqueue({ idempotencyKey: 'k2', channel: 'signal', recipients: ['+1555'], text: 'x' });
    await expect(outbox.deliver('k2')).rejects.toThrow('unregistered');
    expect(outbox.get('k2')?.status).toBe('failed');
  });
});

describe('outbox leases', () => {
  it('lets only one of two concurrent deliveries send a message', async () => {
    const { dataDir, remove } = temporaryDataDir();
    const database = openDatabase(dataDir);
    applyMigrations(database, readCoreMigrations());
    try {
      let sends = 0;
      let release: () => void = () => undefined;
      const gate = new Promise<void>((resolve) => (release = resolve));
      const slow: ChannelSender = async () => {
        sends += 1;
        await gate;
      };
      const clock = manualClock();
      const first = new Outbox(database, clock, new Map([['signal', slow]]));
      const second = new Outbox(database, clock, new Map([['signal', slow]]));
      first.enqueue({ idempotencyKey: 'k', channel: 'signal', recipients: ['+1555'], text: 'x' });
      const delivering = first.deliver('k');
      await expect(second.deliver('k')).rejects.toThrow('being delivered by another process');
      expect(await second.deliverDue()).toEqual({ sent: 0, failed: 0 });
      release();
      expect(await delivering).toBe('sent');
      expect(sends).toBe(1);
    } finally {
      database.close();
      remove();
    }
  });
});
