import { schedule as scheduleCron, validate as validateCron, type ScheduledTask } from 'node-cron';
import { toTimestamp, type Database } from '../memory/database.js';
import type { ScheduledJob } from '../plugins/host.js';
import { ConfigError, describeError } from '../shared/errors.js';
import type { Logger } from '../shared/log.js';
import type { Clock } from '../shared/time.js';

/** Runs one job for one scheduled time; errors are caught by the scheduler. */
export type JobRunner = (job: ScheduledJob, scheduledFor: Date) => Promise<void>;

/** Options of {@link Scheduler}. */
export interface SchedulerOptions {
  /** The migrated database (`job_runs`). */
  database: Database;
  /** The owner's IANA zone: cron times are read in it. */
  timeZone: string;
  /** Clock for run timestamps. */
  clock: Clock;
  /** Logger. */
  log: Logger;
}

/** Outcome of {@link Scheduler.runOnce}. */
export type RunOutcome = 'ok' | 'error' | 'duplicate';

/**
 * Plugin jobs on node-cron, in the owner's time zone. Every run is recorded
 * in `job_runs` under a unique (job, scheduled time) pair before it starts,
 * so a scheduled time runs at most once, whichever process gets there first.
 * Runs of one job never overlap (node-cron `noOverlap`).
 */
export class Scheduler {
  readonly #options: SchedulerOptions;
  readonly #tasks: ScheduledTask[] = [];
  readonly #running = new Set<Promise<RunOutcome>>();

  /** @param options - database, zone, clock and logger */
  constructor(options: SchedulerOptions) {
    this.#options = options;
  }

  /**
   * Schedule every job.
   * @param jobs - the plugins' enabled schedules
   * @param runner - runs one job (inside its plugin's error boundary)
   * @throws ConfigError when a job's cron expression is invalid
   */
  start(jobs: readonly ScheduledJob[], runner: JobRunner): void {
    for (const job of jobs) {
      if (!validateCron(job.cron)) {
        throw new ConfigError(`config error: job ${job.id} has an invalid cron expression "${job.cron}"`, { key: job.id, source: 'schedule' });
      }
    }
    for (const job of jobs) {
      const task = scheduleCron(
        job.cron,
        async (context) => {
          await this.runOnce(job, context.date, runner);
        },
        { timezone: this.#options.timeZone, name: job.id, noOverlap: true },
      );
      this.#tasks.push(task);
      this.#options.log.info({ job: job.id, cron: job.cron, next: task.getNextRun()?.toISOString() }, 'job scheduled');
    }
  }

  /**
   * The next run times, for `steward daemon` to print.
   * @returns job id and next run (null when none)
   */
  nextRuns(): Array<{ job: string; next: Date | null }> {
    return this.#tasks.map((task) => ({ job: task.name ?? task.id, next: task.getNextRun() }));
  }

  /**
   * Run a job for one scheduled time, unless that time already has a run.
   * @param job - the job
   * @param scheduledFor - the cron time (seconds are dropped)
   * @param runner - runs the job
   * @returns `ok`, `error` (logged and recorded), or `duplicate` (already ran)
   */
  runOnce(job: ScheduledJob, scheduledFor: Date, runner: JobRunner): Promise<RunOutcome> {
    const run = this.#runOnce(job, scheduledFor, runner);
    this.#running.add(run);
    void run.finally(() => this.#running.delete(run));
    return run;
  }

  async #runOnce(job: ScheduledJob, scheduledFor: Date, runner: JobRunner): Promise<RunOutcome> {
    const { database, clock, log } = this.#options;
    const slot = new Date(Math.floor(scheduledFor.getTime() / 60_000) * 60_000);
    const claimed = database
      .prepare("INSERT INTO job_runs (job, scheduled_for, started_at, status) VALUES (?, ?, ?, 'running') ON CONFLICT (job, scheduled_for) DO NOTHING")
      .run(job.id, toTimestamp(slot), toTimestamp(clock.now()));
    if (claimed.changes === 0) {
      log.info({ job: job.id, scheduledFor: slot.toISOString() }, 'job already ran for this time; skipped');
      return 'duplicate';
    }
    const runId = Number(claimed.lastInsertRowid);
    try {
      await runner(job, slot);
      database.prepare("UPDATE job_runs SET status = 'ok', finished_at = ? WHERE id = ?").run(toTimestamp(clock.now()), runId);
      return 'ok';
    } catch (error) {
      log.error({ job: job.id, err: error }, 'job failed');
      database
        .prepare("UPDATE job_runs SET status = 'error', finished_at = ?, error = ? WHERE id = ?")
        .run(toTimestamp(clock.now()), describeError(error), runId);
      return 'error';
    }
  }

  /** Stop scheduling and wait for the runs in progress to finish. */
  async stop(): Promise<void> {
    for (const task of this.#tasks) await task.destroy();
    this.#tasks.length = 0;
    await Promise.allSettled([...this.#running]);
  }
}
