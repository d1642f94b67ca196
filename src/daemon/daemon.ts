import { renderPrompt } from '../agent/prompts.js';
import type { Steward } from '../app/steward.js';
import { warmLocalProviders, type WarmUpResult } from '../models/warmup.js';
import { Scheduler } from '../scheduler/scheduler.js';
import { describeError } from '../shared/errors.js';

/** Options of {@link Daemon}. */
export interface DaemonOptions {
  /** How often the outbox is checked for due retries, in ms (default 15 s). */
  outboxIntervalMs?: number;
}

/**
 * The long-running process: the scheduler (briefings and other plugin jobs),
 * background health probes of the model providers, and the outbox retry
 * loop. `start()` and `stop()` own the lifecycle; `stop()` lets the work in
 * flight finish before it returns (grammY's `bot.start()/bot.stop()`).
 */
export class Daemon {
  readonly #steward: Steward;
  readonly #scheduler: Scheduler;
  readonly #outboxIntervalMs: number;
  #outboxTimer: NodeJS.Timeout | undefined;
  #outboxRound: Promise<void> | undefined;
  #warmUp: { done: Promise<WarmUpResult[]>; controller: AbortController } | undefined;
  #running = false;

  /**
   * @param steward - an open Steward
   * @param options - loop intervals
   */
  constructor(steward: Steward, options: DaemonOptions = {}) {
    this.#steward = steward;
    this.#scheduler = new Scheduler({ database: steward.database, timeZone: steward.timeZone, clock: steward.clock, log: steward.log });
    this.#outboxIntervalMs = options.outboxIntervalMs ?? 15_000;
  }

  /** Whether the daemon is running. */
  get running(): boolean {
    return this.#running;
  }

  /** The warm-up of the local providers started by {@link start} (empty when off or when there are none). */
  warmUp(): Promise<WarmUpResult[]> {
    return this.#warmUp?.done ?? Promise.resolve([]);
  }

  /** The scheduler (for the next run times). */
  get scheduler(): Scheduler {
    return this.#scheduler;
  }

  /**
   * Start the scheduler, the health probes and the outbox loop.
   * @throws ConfigError when a job's cron expression is invalid
   */
  start(): void {
    if (this.#running) return;
    const steward = this.#steward;
    const local = steward.router.providers().filter((provider) => provider.kind === 'local');
    steward.router.health.start(local);
    if (steward.config.models.warmUp && local.length > 0) {
      const controller = new AbortController();
      const done = warmLocalProviders(steward.router, { systemPrompt: renderPrompt('system'), log: steward.log, signal: controller.signal });
      this.#warmUp = { done, controller };
    }
    this.#scheduler.start(steward.plugins.schedules(), (job, scheduledFor) =>
      steward.plugins.guard(job.plugin.plugin.name, `job ${job.schedule.name}`, () =>
        job.schedule.handler({ scheduledFor }, job.plugin.context),
      ),
    );
    this.#outboxTimer = setInterval(() => this.#drainOutbox(), this.#outboxIntervalMs);
    this.#running = true;
    steward.log.info('daemon started');
  }

  #drainOutbox(): void {
    if (this.#outboxRound !== undefined) return;
    this.#outboxRound = this.#steward.outbox
      .deliverDue()
      .then((result) => {
        if (result.sent + result.failed > 0) this.#steward.log.info(result, 'outbox round');
      })
      .catch((error: unknown) => {
        this.#steward.log.error({ err: error }, `outbox round failed: ${describeError(error)}`);
      })
      .finally(() => {
        this.#outboxRound = undefined;
      });
  }

  /** Stop everything; runs and deliveries in progress finish first. */
  async stop(): Promise<void> {
    if (!this.#running) return;
    this.#running = false;
    if (this.#outboxTimer !== undefined) clearInterval(this.#outboxTimer);
    this.#steward.router.health.stop();
    this.#warmUp?.controller.abort(new Error('daemon stopping'));
    await this.#warmUp?.done;
    await this.#scheduler.stop();
    await this.#outboxRound;
    this.#steward.log.info('daemon stopped');
  }
}
