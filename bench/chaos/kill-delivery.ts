import { Steward } from '../../src/app/steward.js';
import { loadConfig } from '../../src/config/load.js';
import { Daemon } from '../../src/daemon/daemon.js';
import {
  ACCOUNT,
  OWNER,
  OWNER_UUID,
  place,
  query,
  secretsIn,
  startDaemonProcess,
  steward,
  storedText,
  until,
  type Outcome,
  type Place,
  type Servers,
} from './world.js';

/**
 * kill -9 at each stage of a delivery, then a restart three minutes later
 * (past the outbox's 2 min lease: the restarted daemon runs in-process on a
 * clock moved forward). A Signal reply must arrive exactly once, except at
 * one documented edge: a send that Signal accepted just before the crash
 * is sent again when its lease runs out (docs/daemon.md). A manual
 * briefing killed during its send must never be sent by the restart.
 */

/** Restart: a daemon on the same database, three minutes later, until `done` holds (or a moment passes). */
async function restartLater(where: Place, done: () => boolean): Promise<void> {
  const clock = { now: () => new Date(Date.now() + 3 * 60_000) };
  const config = loadConfig({ env: where.env, readLocalFile: false });
  const opened = await Steward.open({ config, clock });
  const daemon = new Daemon(opened, { outboxIntervalMs: 50, heartbeatMs: 100, shutdownGraceMs: 2000 });
  try {
    await daemon.start();
    await until(done, 15_000, 'the restarted daemon').catch(() => undefined);
    // Anything that would go out twice goes out now.
    await new Promise((resolve) => setTimeout(resolve, 500));
    await daemon.idle();
  } finally {
    await daemon.stop();
    await opened.close();
  }
}

/** One stage: start a daemon, get a message to the stage, kill -9, restart. Returns the sends of that message. */
async function killAt(
  servers: Servers,
  stage: 'model call' | 'send hangs' | 'accepted' | 'recorded',
  rep: number,
): Promise<{ sends: number; leaked: number }> {
  const { signal, local } = servers;
  const where = place(servers);
  const marker = `kill ${stage.replace(/ /g, '-')} ${rep}`;
  const sendsOf = (): number => signal.sent.filter((sent) => sent.message.includes(marker)).length;
  const daemon = await startDaemonProcess(servers, where.env);
  try {
    const text = stage === 'model call' ? `tell me about ${marker}` : `remember ${marker}: yes`;
    if (stage === 'model call') local.chatDelayMs = 10_000;
    if (stage === 'send hangs') signal.mode = 'hang';
    if (stage === 'accepted') signal.mode = 'hold';
    const attempts = signal.attempts;
    const chats = local.chatRequests.length;
    signal.pushEnvelope(signal.incoming(OWNER, text, { uuid: OWNER_UUID }), ACCOUNT);
    if (stage === 'model call') await until(() => local.chatRequests.length > chats, 10_000, 'the model call');
    if (stage === 'send hangs') await until(() => signal.attempts > attempts, 10_000, 'the send');
    if (stage === 'accepted') await until(() => signal.held > 0, 10_000, 'the held send');
    if (stage === 'recorded')
      await until(
        () =>
          query(where.dataDir, "SELECT 1 FROM outbox WHERE status = 'sent' AND text LIKE ?", `%${marker}%`).length > 0,
        10_000,
        'the send to be recorded',
      );
    daemon.child.kill('SIGKILL');
    await daemon.done;
    // Signal takes the send that was in flight when the process died.
    if (stage === 'accepted') signal.releaseHeld();
    local.chatDelayMs = 0;
    signal.mode = 'ok';
    await restartLater(where, () => sendsOf() >= (stage === 'accepted' ? 2 : 1));
    return { sends: sendsOf(), leaked: secretsIn(daemon.output()) + secretsIn(storedText(where.dataDir)) };
  } finally {
    local.chatDelayMs = 0;
    signal.mode = 'ok';
    signal.releaseHeld();
    daemon.child.kill('SIGKILL');
    where.remove();
  }
}

/** A manual briefing killed while Signal hangs: the restart must not send it. */
async function killManualBriefing(servers: Servers): Promise<{ sends: number; leaked: number }> {
  const { signal } = servers;
  const where = place(servers);
  const before = signal.sent.length;
  signal.mode = 'hang';
  const attempts = signal.attempts;
  const briefing = steward(['briefing', 'morning'], where.env, '');
  try {
    await until(() => signal.attempts > attempts, 20_000, 'the briefing send');
    briefing.child.kill('SIGKILL');
    await briefing.done;
    signal.mode = 'ok';
    // Done when the restarted daemon has marked the abandoned manual send failed.
    await restartLater(where, () => query(where.dataDir, "SELECT 1 FROM outbox WHERE status = 'failed'").length > 0);
    return {
      sends: signal.sent.slice(before).filter((sent) => sent.message.includes('Good morning')).length,
      leaked: secretsIn(briefing.output()) + secretsIn(storedText(where.dataDir)),
    };
  } finally {
    signal.mode = 'ok';
    briefing.child.kill('SIGKILL');
    where.remove();
  }
}

/**
 * Every stage, `reps` times.
 * @param servers - the servers
 * @param reps - repetitions of each stage
 * @returns one row for the Signal replies, one for the lease case, one for the manual briefing
 */
export async function killDuringDelivery(servers: Servers, reps: number): Promise<Outcome[]> {
  const replies: Outcome = {
    name: 'kill -9 during a Signal reply',
    tried: 0,
    crashed: 0,
    lost: 0,
    duplicated: 0,
    leaked: 0,
    note: 'stages: model call, send hanging, send recorded',
  };
  for (const stage of ['model call', 'send hangs', 'recorded'] as const) {
    for (let rep = 0; rep < reps; rep += 1) {
      const { sends, leaked } = await killAt(servers, stage, rep);
      replies.tried += 1;
      if (sends === 0) replies.lost += 1;
      replies.duplicated += Math.max(0, sends - 1);
      replies.leaked += leaked;
    }
  }
  const lease: Outcome = {
    name: 'kill -9 after Signal accepted (lease case)',
    tried: 0,
    crashed: 0,
    lost: 0,
    duplicated: 0,
    leaked: 0,
    note: 'documented: sent again when the lease runs out',
  };
  for (let rep = 0; rep < reps; rep += 1) {
    const { sends, leaked } = await killAt(servers, 'accepted', rep);
    lease.tried += 1;
    if (sends === 0) lease.lost += 1;
    lease.duplicated += Math.max(0, sends - 1);
    lease.leaked += leaked;
  }
  const manual: Outcome = {
    name: 'kill -9 during a manual briefing',
    tried: 0,
    crashed: 0,
    lost: 0,
    duplicated: 0,
    leaked: 0,
    note: 'a send later by the daemon counts as duplicated',
  };
  for (let rep = 0; rep < reps; rep += 1) {
    const { sends, leaked } = await killManualBriefing(servers);
    manual.tried += 1;
    manual.duplicated += sends;
    manual.leaked += leaked;
  }
  return [replies, lease, manual];
}
