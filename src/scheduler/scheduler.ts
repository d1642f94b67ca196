import { schedule as scheduleCron, validate as validateCron, type ScheduledTask } from 'node-cron';
import { toTimestamp, type Database } from '../shared/database.js';
import type { ScheduledJob } from '../plugins/host.js';
import { ConfigError, describeError } from '../shared/errors.js';
import type { Logger } from '../shared/log.js';
import type { Clock } from '../shared/time.js';
import { decideCatchUp, describeTime, previousScheduledTime } from './catch-up.js';

/**
 * Runs one job for one scheduled time; errors are caught by the scheduler.
 * `signal` aborts when the daemon shuts down.
 */
export type JobRunner = (job: ScheduledJob, scheduledFor: Date, signal: AbortSignal) => Promise<void>;

/** Options of {@link Scheduler}. */
export interface SchedulerOptions {
  /** The migrated database (`job_runs`). */
  database: Database;
  /** The owner's IANA zone: cron times are read in it. */
  timeZone: string;
  /** Clock for run timestamps and catch-up decisions. */
  clock: Clock;
  /** Logger. */
  log: Logger;
}

/** `scheduled` (node-cron fired it on time) or `catch-up` (a missed time, run late). */
export type RunKind = 'scheduled' | 'catch-up';

/**
 * Outcome of {@link Scheduler.runOnce}: `ok`; `error` (logged and recorded);
 * `duplicate` (that time already ran); `skipped` (a run of the same job was
 * still going); `interrupted` (the daemon stopped during the run; it is
 * caught up at the next start).
 */
export type RunOutcome = 'ok' | 'error' | 'duplicate' | 'skipped' | 'interrupted';

/** What the scheduler did at start about each job's last scheduled time. */
export interface CatchUpReport {
  /** The job, for example `briefings:morning`. */
  job: string;
  /** Its last scheduled time before the start, if it has one. */
  scheduledFor: Date | undefined;
  /** `run` (late, now), `skip` (recorded as skipped), or `none` (it ran, or there was nothing to do). */
  action: 'run' | 'skip' | 'none';
  /** One line saying why. */
  reason: string;
}

/** An interrupted run is tried again at most this many times in all. */
const MAX_ATTEMPTS = 3;

/** How late node-cron may fire a time and still run it on time, in ms (a busy event loop, not a suspended machine). */
const ON_TIME_TOLERANCE_MS = 60_000;

/**
 * The scheduled time a firing belongs to: the minute for a 5-field cron
 * expression, the second for a 6-field one (which names seconds).
 * @param job - the job
 * @param firedAt - when node-cron fired, or the missed time
 */
function slotOf(job: ScheduledJob, firedAt: Date): Date {
  const unit = job.cron.trim().split(/\s+/).length === 6 ? 1000 : 60_000;
  return new Date(Math.floor(firedAt.getTime() / unit) * unit);
}

/**
 * Plugin jobs on node-cron, in the owner's time zone, with a persisted run
 * log. Every run is recorded in `job_runs` under a unique (job, scheduled
 * time) pair before it starts, so a scheduled time runs at most once,
 * whichever process gets there first and across restarts. Runs of one job
 * never overlap: a time that comes while the job still runs is recorded as
 * skipped.
 *
 * node-cron keeps nothing across restarts and does not catch up: at
 * {@link start}, and when node-cron reports times missed while the machine
 * slept, each job's latest missed time is handled by its catch-up policy
 * (`run-if-within` a grace period, or `skip`), and logged either way.
 * Call {@link recoverInterrupted} and {@link start} only while holding the
 * daemon lock.
 */
export class Scheduler {
  readonly #options: SchedulerOptions;
  readonly #tasks: ScheduledTask[] = [];
  readonly #running = new Map<string, Promise<RunOutcome>>();
  readonly #missed = new Map<string, { job: ScheduledJob; slot: Date; count: number }>();
  #shutdown = new AbortController();

  /** @param options - database, zone, clock and logger */
  constructor(options: SchedulerOptions) {
    this.#options = options;
  }

  /**
   * Mark runs left `running` by a daemon that died (crash, SIGKILL) as
   * interrupted, so that catch-up can run them again.
   * @returns how many runs were marked
   */
  recoverInterrupted(): number {
    const { database, clock, log } = this.#options;
    const rows = database
      .prepare<[], { job: string; scheduled_for: string }>(
        "SELECT job, scheduled_for FROM job_runs WHERE status = 'running'",
      )
      .all();
    if (rows.length === 0) return 0;
    database
      .prepare(
        "UPDATE job_runs SET status = 'interrupted', finished_at = ?, error = 'the daemon stopped before the run finished' WHERE status = 'running'",
      )
      .run(toTimestamp(clock.now()));
    for (const row of rows)
      log.warn(
        { job: row.job, scheduledFor: row.scheduled_for },
        'a run left unfinished by an earlier daemon is marked interrupted',
      );
    return rows.length;
  }

  /**
   * Catch up each job's missed time, then schedule every job.
   * @param jobs - the plugins' enabled schedules
   * @param runner - runs one job (inside its plugin's error boundary)
   * @returns what was done about each job's last scheduled time
   * @throws ConfigError when a job's cron expression is invalid (nothing is scheduled)
   */
  start(jobs: readonly ScheduledJob[], runner: JobRunner): CatchUpReport[] {
    for (const job of jobs) {
      if (!validateCron(job.cron)) {
        throw new ConfigError(`config error: job ${job.id} has an invalid cron expression "${job.cron}"`, {
          key: job.id,
          source: 'schedule',
        });
      }
    }
    this.#shutdown = new AbortController();
    const reports = jobs.map((job) => this.#catchUpAtStart(job, runner));
    for (const job of jobs) {
      const task = scheduleCron(
        job.cron,
        async (context) => {
          await this.runOnce(job, context.date, runner);
        },
        { timezone: this.#options.timeZone, name: job.id, missedExecutionTolerance: ON_TIME_TOLERANCE_MS },
      );
      task.on('execution:missed', (context) => this.#noteMissed(job, context.date, runner));
      this.#tasks.push(task);
      this.#options.log.info({ job: job.id, cron: job.cron, next: task.getNextRun()?.toISOString() }, 'job scheduled');
    }
    return reports;
  }

  /**
   * The next run times, for `steward daemon` to print.
   * @returns job id and next run (null when none)
   */
  nextRuns(): Array<{ job: string; next: Date | null }> {
    return this.#tasks.map((task) => ({ job: task.name ?? task.id, next: task.getNextRun() }));
  }

  /**
   * Run a job for one scheduled time, unless that time already has a run
   * (an interrupted run is tried again, up to 3 attempts in all), or the job
   * is still running for an earlier time.
   * @param job - the job
   * @param scheduledFor - the cron time (cut to the minute, or to the second for a 6-field expression)
   * @param runner - runs the job
   * @param kind - `scheduled` or `catch-up`, as recorded
   * @returns the outcome (see {@link RunOutcome})
   */
  runOnce(job: ScheduledJob, scheduledFor: Date, runner: JobRunner, kind: RunKind = 'scheduled'): Promise<RunOutcome> {
    const slot = slotOf(job, scheduledFor);
    const { database, clock, log } = this.#options;
    if (this.#running.has(job.id)) {
      database
        .prepare(
          "INSERT INTO job_runs (job, scheduled_for, started_at, finished_at, status, error, kind) VALUES (?, ?, ?, ?, 'skipped', ?, ?) ON CONFLICT (job, scheduled_for) DO NOTHING",
        )
        .run(
          job.id,
          toTimestamp(slot),
          toTimestamp(clock.now()),
          toTimestamp(clock.now()),
          'an earlier run of this job was still in progress',
          kind,
        );
      log.warn(
        { job: job.id, scheduledFor: slot.toISOString() },
        'job still running from an earlier time; this time is skipped',
      );
      return Promise.resolve('skipped');
    }
    const run = this.#run(job, slot, runner, kind).finally(() => this.#running.delete(job.id));
    this.#running.set(job.id, run);
    return run;
  }

  async #run(job: ScheduledJob, slot: Date, runner: JobRunner, kind: RunKind): Promise<RunOutcome> {
    const { database, clock, log } = this.#options;
    const claimed = database
      .prepare(
        `INSERT INTO job_runs (job, scheduled_for, started_at, status, kind) VALUES (@job, @slot, @now, 'running', @kind)
         ON CONFLICT (job, scheduled_for) DO UPDATE SET status = 'running', started_at = excluded.started_at, finished_at = NULL,
           error = NULL, kind = excluded.kind, attempts = job_runs.attempts + 1
         WHERE job_runs.status = 'interrupted' AND job_runs.attempts < ${MAX_ATTEMPTS}`,
      )
      .run({ job: job.id, slot: toTimestamp(slot), now: toTimestamp(clock.now()), kind });
    if (claimed.changes === 0) {
      log.info({ job: job.id, scheduledFor: slot.toISOString() }, 'job already ran for this time; skipped');
      return 'duplicate';
    }
    const finish = database.prepare(
      'UPDATE job_runs SET status = ?, finished_at = ?, error = ? WHERE job = ? AND scheduled_for = ?',
    );
    const shutdown = this.#shutdown.signal;
    log.info({ job: job.id, scheduledFor: slot.toISOString(), kind }, 'job started');
    try {
      await runner(job, slot, shutdown);
      finish.run('ok', toTimestamp(clock.now()), null, job.id, toTimestamp(slot));
      log.info({ job: job.id, scheduledFor: slot.toISOString() }, 'job finished');
      return 'ok';
    } catch (error) {
      if (shutdown.aborted) {
        finish.run(
          'interrupted',
          toTimestamp(clock.now()),
          `the daemon stopped during the run: ${describeError(error)}`,
          job.id,
          toTimestamp(slot),
        );
        log.warn(
          { job: job.id, scheduledFor: slot.toISOString() },
          'job interrupted by the shutdown; it is caught up at the next start',
        );
        return 'interrupted';
      }
      finish.run('error', toTimestamp(clock.now()), describeError(error), job.id, toTimestamp(slot));
      log.error({ job: job.id, err: error }, `job failed: ${describeError(error)}`);
      return 'error';
    }
  }

  /** Apply the catch-up policy to the job's latest scheduled time before now. */
  #catchUpAtStart(job: ScheduledJob, runner: JobRunner): CatchUpReport {
    const now = this.#options.clock.now();
    const previous = previousScheduledTime(job.cron, this.#options.timeZone, now);
    if (previous === undefined)
      return { job: job.id, scheduledFor: undefined, action: 'none', reason: 'no earlier scheduled time' };
    return this.#catchUp(job, previous, runner, now);
  }

  /** node-cron saw times go by without running them (the machine slept): handle the latest after this turn of the event loop. */
  #noteMissed(job: ScheduledJob, slot: Date, runner: JobRunner): void {
    const known = this.#missed.get(job.id);
    if (known === undefined) {
      this.#missed.set(job.id, { job, slot, count: 1 });
      setImmediate(() => {
        const missed = this.#missed.get(job.id);
        this.#missed.delete(job.id);
        if (missed === undefined || this.#shutdown.signal.aborted) return;
        try {
          const report = this.#catchUp(missed.job, missed.slot, runner, this.#options.clock.now());
          this.#options.log.info(
            { job: job.id, missedTimes: missed.count },
            `${missed.count} scheduled time(s) went by while the process was paused; latest: ${report.reason}`,
          );
        } catch (error) {
          this.#options.log.error(
            { job: job.id, err: error },
            `catch-up after a pause failed: ${describeError(error)}`,
          );
        }
      });
      return;
    }
    known.count += 1;
    if (slot > known.slot) known.slot = slot;
  }

  #catchUp(job: ScheduledJob, scheduledFor: Date, runner: JobRunner, now: Date): CatchUpReport {
    const { database, clock, log, timeZone } = this.#options;
    const slot = slotOf(job, scheduledFor);
    if (job.catchUp.policy === 'ignore') {
      return {
        job: job.id,
        scheduledFor: slot,
        action: 'none',
        reason: 'a polling job: missed times are not caught up',
      };
    }
    const row = database
      .prepare<[string, string], { status: string; attempts: number }>(
        'SELECT status, attempts FROM job_runs WHERE job = ? AND scheduled_for = ?',
      )
      .get(job.id, toTimestamp(slot));
    const when = describeTime(slot, timeZone);
    let report: CatchUpReport;
    if (row !== undefined && row.status !== 'interrupted') {
      report = {
        job: job.id,
        scheduledFor: slot,
        action: 'none',
        reason: `its last time, ${when}, has a run (${row.status})`,
      };
    } else if (row !== undefined && row.attempts >= MAX_ATTEMPTS) {
      report = {
        job: job.id,
        scheduledFor: slot,
        action: 'none',
        reason: `its last time, ${when}, was interrupted ${row.attempts} times; not tried again`,
      };
    } else {
      const decision = decideCatchUp(job.catchUp, slot, now, timeZone);
      const reason = row === undefined ? decision.reason : `interrupted by a shutdown; ${decision.reason}`;
      report = { job: job.id, scheduledFor: slot, action: decision.action, reason };
      if (decision.action === 'run') {
        // runOnce records the job's own failures; what can still reject is the database itself.
        this.runOnce(job, slot, runner, 'catch-up').catch((error: unknown) =>
          log.error({ job: job.id, err: error }, `catch-up run could not be recorded: ${describeError(error)}`),
        );
      } else {
        database
          .prepare(
            `INSERT INTO job_runs (job, scheduled_for, started_at, finished_at, status, error, kind) VALUES (@job, @slot, @now, @now, 'skipped', @reason, 'catch-up')
             ON CONFLICT (job, scheduled_for) DO UPDATE SET status = 'skipped', finished_at = excluded.finished_at, error = excluded.error WHERE job_runs.status = 'interrupted'`,
          )
          .run({ job: job.id, slot: toTimestamp(slot), now: toTimestamp(clock.now()), reason });
      }
    }
    log.info(
      { job: job.id, scheduledFor: slot.toISOString(), action: report.action },
      `catch-up: ${job.id} ${report.reason}`,
    );
    return report;
  }

  /**
   * Delete finished run records older than `before` (successful and skipped
   * runs; errors stay), keeping each job's latest record, so that a job that
   * polls every minute does not grow `job_runs` without end.
   * @param before - records that finished before this instant go
   * @returns how many records were deleted
   */
  prune(before: Date): number {
    const result = this.#options.database
      .prepare(
        `DELETE FROM job_runs WHERE status IN ('ok', 'skipped') AND finished_at < ?
           AND id NOT IN (SELECT MAX(id) FROM job_runs GROUP BY job)`,
      )
      .run(toTimestamp(before));
    if (result.changes > 0) this.#options.log.info({ deleted: result.changes }, 'old job run records pruned');
    return result.changes;
  }

  /** Resolves when no run is in progress. */
  async idle(): Promise<void> {
    while (this.#running.size > 0) await Promise.allSettled([...this.#running.values()]);
  }

  /**
   * Stop scheduling; let runs in progress finish for up to `graceMs`, then
   * abort them (they are recorded as interrupted) and wait for them to end.
   * @param graceMs - how long runs in progress may still take, in ms
   */
  async stop(graceMs = 0): Promise<void> {
    for (const task of this.#tasks) await task.destroy();
    this.#tasks.length = 0;
    this.#missed.clear();
    if (this.#running.size > 0 && graceMs > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([this.idle(), new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)))]);
      clearTimeout(timer);
    }
    this.#shutdown.abort(new Error('the daemon is shutting down'));
    await this.idle();
  }
}
