import { spawnSync } from 'node:child_process';
import { hostname } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { Daemon } from '../../src/daemon/daemon.js';
import { DaemonLockedError } from '../../src/shared/errors.js';
import { startDaemon } from '../support/daemon.js';
import { manualClock, openTestSteward, temporaryDataDir, type TestSteward } from '../support/steward.js';

/** The pid of a process that has exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

describe('the daemon lock', () => {
  const daemons: Daemon[] = [];
  const stewards: TestSteward[] = [];
  const cleanups: Array<() => void> = [];
  afterEach(async () => {
    for (const daemon of daemons.splice(0)) await daemon.stop();
    for (const steward of stewards.splice(0)) await steward.close();
    cleanups.splice(0).forEach((cleanup) => cleanup());
  });

  async function openShared(dataDir: string, clock = manualClock('2026-11-21T12:00:00Z')): Promise<TestSteward> {
    const opened = await openTestSteward({ dataDir, clock });
    stewards.push(opened);
    return opened;
  }

  function sharedDataDir(): string {
    const { dataDir, remove } = temporaryDataDir();
    cleanups.push(remove);
    return dataDir;
  }

  it('refuses a second daemon on the same database, naming the one that runs', async () => {
    const dataDir = sharedDataDir();
    const first = await openShared(dataDir);
    daemons.push((await startDaemon(first.steward)).daemon);

    const second = await openShared(dataDir);
    const refused = new Daemon(second.steward);
    const error = await refused.start().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DaemonLockedError);
    expect((error as DaemonLockedError).holder).toMatchObject({ pid: process.pid, host: hostname() });
    expect((error as Error).message).toMatch(
      /^another steward daemon is already running on .*steward\.db \(pid \d+ on .+, since 2026-11-21T12:00:00\.000Z\)\. Stop it first \(kill \d+\), or see how it is doing with "steward health"\.$/,
    );
    expect(refused.running).toBe(false);

    // Once the first stops cleanly, the next one starts.
    await daemons.pop()!.stop();
    daemons.push((await startDaemon(second.steward)).daemon);
  });

  it('takes over the lock of a daemon whose process is gone, and the old holder stops on its next heartbeat', async () => {
    const dataDir = sharedDataDir();
    const first = await openShared(dataDir);
    const old = (await startDaemon(first.steward, { heartbeatMs: 20 })).daemon;
    daemons.push(old);
    const pid = deadPid();
    first.steward.database.prepare('UPDATE daemon_lock SET pid = ?').run(pid);

    const second = await openShared(dataDir);
    const { daemon, report } = await startDaemon(second.steward);
    daemons.push(daemon);
    expect(report.tookOverFrom).toMatchObject({ pid, host: hostname() });
    expect(await old.whenFatal()).toBe('another daemon took over the lock on this database; this one stops');
  });

  it('takes over a lock whose heartbeat is stale', async () => {
    const dataDir = sharedDataDir();
    const clock = manualClock('2026-11-21T12:00:00Z');
    const first = await openShared(dataDir, clock);
    const old = (await startDaemon(first.steward, { heartbeatMs: 3_600_000 })).daemon;
    daemons.push(old);
    first.steward.database.prepare("UPDATE daemon_lock SET host = 'another-machine'").run();

    const second = await openShared(dataDir, clock);
    await expect(new Daemon(second.steward).start()).rejects.toThrow('pid');
    clock.advance(61_000);
    const { report, daemon } = await startDaemon(second.steward);
    daemons.push(daemon);
    expect(report.tookOverFrom?.host).toBe('another-machine');
    expect(daemon.running).toBe(true);
  });
});
