import { createServer } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { Daemon } from '../../src/daemon/daemon.js';
import { daemonHealth } from '../../src/daemon/health.js';
import { listen } from '../support/http.js';
import { eventually, NO_BRIEFINGS, signalEnv, startDaemon } from '../support/daemon.js';
import { startSignalServer, type SignalServer } from '../support/signal-server.js';
import { manualClock, openTestSteward, type TestSteward } from '../support/steward.js';

/** Heartbeats an hour apart: only the one at start, and the ones the daemon writes on its own. */
const RARE_HEARTBEAT = { heartbeatMs: 3_600_000 };
const STALE_MS = 7_200_000;

describe('daemon health right after start', () => {
  const daemons: Daemon[] = [];
  const stewards: TestSteward[] = [];
  const cleanups: Array<() => Promise<void>> = [];
  let signal: SignalServer | undefined;
  afterEach(async () => {
    for (const daemon of daemons.splice(0)) await daemon.stop();
    for (const steward of stewards.splice(0)) await steward.close();
    for (const cleanup of cleanups.splice(0)) await cleanup();
    await signal?.close();
    signal = undefined;
  });

  it('is ok as soon as the Signal receive stream opens, without waiting for the next heartbeat', async () => {
    signal = await startSignalServer();
    const clock = manualClock('2026-11-21T12:00:00Z');
    const opened = await openTestSteward({ env: signalEnv(signal.url), clock, overrides: NO_BRIEFINGS });
    stewards.push(opened);
    daemons.push((await startDaemon(opened.steward, RARE_HEARTBEAT)).daemon);
    await eventually(() => expect(signal?.eventClients).toBe(1));
    // Long past the start-up grace: only a fresh snapshot can make this ok.
    clock.advance(60_000);
    await eventually(() => {
      const health = daemonHealth(opened.steward.database, clock, STALE_MS);
      expect(health.problems).toEqual([]);
      expect(health).toMatchObject({ status: 'ok', state: { signal: { state: 'connected' } } });
    });

    // A dropped stream is in the snapshot at once too.
    signal.eventsStatus = 503;
    signal.dropEventStreams();
    await eventually(() =>
      expect(daemonHealth(opened.steward.database, clock, STALE_MS).problems).toEqual([
        expect.stringMatching(/^Signal receive is (waiting|connecting)/),
      ]),
    );
  });

  it('does not count a stream still connecting in the first seconds as a problem, and does after', async () => {
    // A signal-cli that accepts the connection and never answers it.
    const server = createServer(() => undefined);
    const { port, close } = await listen(server);
    cleanups.push(close);
    const clock = manualClock('2026-11-21T12:00:00Z');
    const opened = await openTestSteward({
      env: signalEnv(`http://127.0.0.1:${port}`),
      clock,
      overrides: { ...NO_BRIEFINGS, signal: { timeoutMs: 60_000 } },
    });
    stewards.push(opened);
    daemons.push((await startDaemon(opened.steward, RARE_HEARTBEAT)).daemon);

    clock.advance(2_000);
    const starting = daemonHealth(opened.steward.database, clock, STALE_MS);
    expect(starting).toMatchObject({ status: 'ok', problems: [], state: { signal: { state: 'connecting' } } });
    clock.advance(20_000);
    const stuck = daemonHealth(opened.steward.database, clock, STALE_MS);
    expect(stuck.status).toBe('degraded');
    expect(stuck.problems).toEqual(['Signal receive is connecting']);
  });
});
