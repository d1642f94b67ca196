import type { Database } from '../shared/database.js';
import { formatDuration } from '../scheduler/catch-up.js';
import type { Clock } from '../shared/time.js';
import { readLock } from './lock.js';

/** The overall verdict of {@link daemonHealth}. */
export type HealthStatus =
  /** Running, heartbeat fresh, Signal receiving (or off by choice), nothing failed. */
  | 'ok'
  /** Running, with problems listed. */
  | 'degraded'
  /** Not running (never started, stopped, or its heartbeat is stale: it died). */
  | 'down';

/** What `steward health` reports. */
export interface HealthReport {
  /** The verdict. */
  status: HealthStatus;
  /** One line for a person. */
  summary: string;
  /** Problems found, one line each (empty when ok). */
  problems: string[];
  /** The daemon's process, when one holds (or last held) the lock. */
  daemon: {
    pid: number;
    host: string;
    startedAt: string;
    heartbeatAt: string;
    heartbeatAgeMs: number;
    releasedAt: string | null;
  } | null;
  /** Its last health snapshot (jobs' next runs, Signal receive status). */
  state: unknown;
  /** Outbox rows by status, and the oldest pending row's age in ms. */
  outbox: { pending: number; failed: number; sent: number; oldestPendingAgeMs: number | null; failedLastDay: number };
  /** The latest run of each job. */
  jobs: Array<{ job: string; scheduledFor: string; status: string; kind: string; error: string | null }>;
}

/**
 * For this long after the daemon starts, a Signal receive stream still
 * `connecting` is start-up, not a problem, in ms. (The daemon also writes a
 * fresh snapshot the moment the stream opens.)
 */
export const STARTUP_GRACE_MS = 10_000;

interface SignalSnapshot {
  state?: unknown;
  lastError?: unknown;
  reason?: unknown;
}

/**
 * Judge the daemon's health from the database alone (its lock row and the
 * snapshot it writes with every heartbeat, the outbox, the run log), so a
 * supervisor can ask from another process.
 * @param database - the migrated database
 * @param clock - the current time
 * @param staleMs - a heartbeat older than this means the daemon is gone, in ms
 */
export function daemonHealth(database: Database, clock: Clock, staleMs: number): HealthReport {
  const now = clock.now().getTime();
  const lock = readLock(database);
  const counts = { pending: 0, failed: 0, sent: 0 };
  for (const row of database
    .prepare<[], { status: keyof typeof counts; count: number }>(
      'SELECT status, COUNT(*) AS count FROM outbox GROUP BY status',
    )
    .all())
    counts[row.status] = row.count;
  const oldest = database
    .prepare<[], { created_at: string }>("SELECT created_at FROM outbox WHERE status = 'pending' ORDER BY id LIMIT 1")
    .get();
  const dayAgo = new Date(now - 24 * 3_600_000).toISOString();
  const failedLastDay =
    database
      .prepare<[string], { count: number }>(
        "SELECT COUNT(*) AS count FROM outbox WHERE status = 'failed' AND created_at >= ?",
      )
      .get(dayAgo)?.count ?? 0;
  const outbox = {
    ...counts,
    oldestPendingAgeMs: oldest === undefined ? null : now - Date.parse(oldest.created_at),
    failedLastDay,
  };
  const jobs = database
    .prepare<[], { job: string; scheduled_for: string; status: string; kind: string; error: string | null }>(
      'SELECT job, scheduled_for, status, kind, error FROM job_runs AS run WHERE scheduled_for = (SELECT MAX(scheduled_for) FROM job_runs WHERE job = run.job) ORDER BY job',
    )
    .all()
    .map((row) => ({
      job: row.job,
      scheduledFor: row.scheduled_for,
      status: row.status,
      kind: row.kind,
      error: row.error,
    }));

  if (lock === undefined) {
    return {
      status: 'down',
      summary: 'no steward daemon has run on this database yet: start one with "steward daemon"',
      problems: [],
      daemon: null,
      state: null,
      outbox,
      jobs,
    };
  }
  const heartbeatAgeMs = now - Date.parse(lock.heartbeatAt);
  const daemon = {
    pid: lock.pid,
    host: lock.host,
    startedAt: lock.acquiredAt,
    heartbeatAt: lock.heartbeatAt,
    heartbeatAgeMs,
    releasedAt: lock.releasedAt,
  };
  const base = { daemon, state: lock.state, outbox, jobs };
  if (lock.releasedAt !== null) {
    return {
      status: 'down',
      summary: `the steward daemon is not running (pid ${lock.pid} stopped cleanly at ${lock.releasedAt})`,
      problems: [],
      ...base,
    };
  }
  if (heartbeatAgeMs > staleMs) {
    return {
      status: 'down',
      summary: `the steward daemon is not running: pid ${lock.pid} on ${lock.host} last signed in ${formatDuration(heartbeatAgeMs)} ago and did not stop cleanly (crashed or killed?)`,
      problems: [],
      ...base,
    };
  }

  const problems: string[] = [];
  const signal = (lock.state as { signal?: SignalSnapshot } | null)?.signal;
  const startingUp = signal?.state === 'connecting' && now - Date.parse(lock.acquiredAt) < STARTUP_GRACE_MS;
  if (signal !== undefined && signal.state !== 'off' && signal.state !== 'connected' && !startingUp) {
    problems.push(
      `Signal receive is ${String(signal.state)}${typeof signal.lastError === 'string' ? `: ${signal.lastError}` : ''}`,
    );
  }
  if (
    signal?.state === 'off' &&
    typeof signal.reason === 'string' &&
    signal.reason.startsWith('Signal is not configured')
  )
    problems.push(signal.reason);
  if (outbox.failedLastDay > 0)
    problems.push(
      `${outbox.failedLastDay} outbox message(s) failed for good in the last 24 h (see "steward outbox --status failed")`,
    );
  if (outbox.oldestPendingAgeMs !== null && outbox.oldestPendingAgeMs > 3_600_000) {
    problems.push(
      `an outbox message has waited ${formatDuration(outbox.oldestPendingAgeMs)} to be delivered (see "steward outbox")`,
    );
  }
  for (const job of jobs)
    if (job.status === 'error')
      problems.push(`job ${job.job} failed at ${job.scheduledFor}: ${job.error ?? 'unknown error'}`);
  const running = `the steward daemon is running (pid ${lock.pid} on ${lock.host} since ${lock.acquiredAt}; heartbeat ${formatDuration(heartbeatAgeMs)} ago)`;
  return { status: problems.length === 0 ? 'ok' : 'degraded', summary: running, problems, ...base };
}
