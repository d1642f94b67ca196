import { databaseFile } from '../app/status.js';
import type { Steward } from '../app/steward.js';
import { createSignalEventSource, missingSignalSettings } from '../channels/signal/index.js';
import { SignalChannel, type SignalChannelStatus } from '../channels/signal/channel.js';
import type { SignalEventSource } from '../channels/signal/transport.js';
import { toTimestamp } from '../shared/database.js';
import type { WarmUpResult } from '../models/warmup.js';
import { Scheduler, type CatchUpReport } from '../scheduler/scheduler.js';
import { describeError } from '../shared/errors.js';
import { dailyBackupJob } from './backup-job.js';
import { DaemonLock, type LockRecord } from './lock.js';

/** How often old job run records are pruned, in ms. */
const PRUNE_EVERY_MS = 6 * 3_600_000;

/** How often idle sessions are ended and memory's background work is run, in ms. */
const MEMORY_SWEEP_MS = 60_000;

/** Options of {@link Daemon}; each defaults to the config's `daemon.*`. */
export interface DaemonOptions {
  /** How often the outbox is checked for due retries, in ms. */
  outboxIntervalMs?: number;
  /** How often the lock is renewed and the health snapshot written, in ms. */
  heartbeatMs?: number;
  /** A lock not renewed for this long may be taken over, in ms. */
  lockStaleMs?: number;
  /** On stop, how long work in progress may still run before it is cancelled, in ms. */
  shutdownGraceMs?: number;
  /** Where Signal messages come from (default: from the config; null: do not receive). */
  signalSource?: SignalEventSource | null;
  /** How often idle sessions are ended and memory catches up (episodes, facts, embeddings), in ms (default 60 000). */
  memorySweepMs?: number;
}

/** What {@link Daemon.start} did, for the start-up output. */
export interface DaemonStartReport {
  /** What was done about each job's last scheduled time. */
  catchUp: CatchUpReport[];
  /** Runs a dead daemon left unfinished, now marked interrupted. */
  interrupted: number;
  /** The daemon whose lock was taken over (it died without releasing it), if any. */
  tookOverFrom: LockRecord | undefined;
  /** One line about Signal: receiving where, or why not. */
  signal: string;
}

/** The daemon's health snapshot, written with every heartbeat and read by `steward health`. */
export interface DaemonState {
  /** Format version. */
  version: 1;
  /** Process id. */
  pid: number;
  /** ISO instant the daemon started. */
  startedAt: string;
  /** Next run of each job (ISO), or null. */
  jobs: Array<{ job: string; next: string | null }>;
  /** The Signal channel, or why it is off. */
  signal: SignalChannelStatus | { state: 'off'; reason: string };
}

/**
 * The long-running process: the scheduler (briefings and other plugin jobs,
 * with catch-up), two-way Signal (receive, answer through the same pipeline
 * as the REPL, reply through the outbox), background health probes of the
 * model providers, and the outbox retry loop. It holds the database's
 * daemon lock while it runs. `start()` and `stop()` own the lifecycle;
 * `stop()` lets work in flight finish (or cancels it after the grace period,
 * leaving it to be caught up) before it returns (grammY's
 * `bot.start()/bot.stop()`).
 */
export class Daemon {
  readonly #steward: Steward;
  readonly #scheduler: Scheduler;
  readonly #lock: DaemonLock;
  readonly #channel: SignalChannel | undefined;
  readonly #signalOff: string;
  readonly #intervals: { outboxMs: number; heartbeatMs: number; shutdownGraceMs: number };
  #outboxTimer: NodeJS.Timeout | undefined;
  #heartbeatTimer: NodeJS.Timeout | undefined;
  #memoryTimer: NodeJS.Timeout | undefined;
  #memorySweep: Promise<unknown> | undefined;
  readonly #memorySweepMs: number;
  #outboxRound: Promise<void> | undefined;
  #outboxStop = new AbortController();
  #startedAt = '';
  #lastPruneAt = 0;
  #warmUp: { done: Promise<WarmUpResult[]>; controller: AbortController } | undefined;
  #running = false;
  #onFatal: ((reason: string) => void) | undefined;
  readonly #fatal: Promise<string>;

  /**
   * @param steward - an open Steward
   * @param options - intervals and the Signal source (defaults from the config)
   */
  constructor(steward: Steward, options: DaemonOptions = {}) {
    const settings = steward.config.daemon;
    this.#steward = steward;
    this.#scheduler = new Scheduler({
      database: steward.database,
      timeZone: steward.timeZone,
      clock: steward.clock,
      log: steward.log,
    });
    this.#lock = new DaemonLock(steward.database, steward.clock, {
      staleMs: options.lockStaleMs ?? settings.lockStaleMs,
      databaseFile: databaseFile(steward.config),
    });
    this.#intervals = {
      outboxMs: options.outboxIntervalMs ?? settings.outboxIntervalMs,
      heartbeatMs: options.heartbeatMs ?? settings.heartbeatMs,
      shutdownGraceMs: options.shutdownGraceMs ?? settings.shutdownGraceMs,
    };
    const source =
      options.signalSource === undefined
        ? createSignalEventSource(steward.config)
        : (options.signalSource ?? undefined);
    // A fresh snapshot whenever the receive stream opens or drops, so `steward health` does not wait for the next heartbeat.
    const onSignalStatus = (): void => {
      if (this.#running) this.#heartbeat();
    };
    this.#channel = source === undefined ? undefined : new SignalChannel(steward, source, onSignalStatus);
    this.#signalOff =
      source !== undefined
        ? ''
        : (missingSignalSettings(steward.config) ??
          (steward.config.signal.receive.enabled
            ? 'receiving is off'
            : 'receiving is off (signal.receive.enabled is false)'));
    this.#fatal = new Promise((resolve) => (this.#onFatal = resolve));
    this.#memorySweepMs = options.memorySweepMs ?? MEMORY_SWEEP_MS;
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

  /** The Signal channel, when receiving is on. */
  get signalChannel(): SignalChannel | undefined {
    return this.#channel;
  }

  /** Resolves with a reason when the daemon must stop on its own (another daemon took its lock). */
  whenFatal(): Promise<string> {
    return this.#fatal;
  }

  /**
   * Take the lock, catch up missed runs, schedule the jobs, start receiving
   * on Signal, and start the outbox loop (sending what is due at once).
   * @returns what was caught up and where Signal is received
   * @throws DaemonLockedError when another daemon runs on this database
   * @throws ConfigError when a job's cron expression is invalid
   */
  async start(): Promise<DaemonStartReport> {
    if (this.#running) throw new Error('the daemon is already running');
    const steward = this.#steward;
    const { tookOverFrom } = this.#lock.acquire();
    if (tookOverFrom !== undefined) {
      steward.log.warn(
        { pid: tookOverFrom.pid, host: tookOverFrom.host, heartbeatAt: tookOverFrom.heartbeatAt },
        'took over the lock of a daemon that stopped without releasing it',
      );
    }
    try {
      this.#startedAt = toTimestamp(steward.clock.now());
      const interrupted = this.#scheduler.recoverInterrupted();
      const backup = dailyBackupJob(steward);
      const jobs = [...steward.plugins.schedules(), ...(backup === undefined ? [] : [backup])];
      const catchUp = this.#scheduler.start(jobs, (job, scheduledFor, signal) =>
        steward.plugins.guard(job.plugin.plugin.name, `job ${job.schedule.name}`, () =>
          job.schedule.handler({ scheduledFor, signal }, job.plugin.context),
        ),
      );
      steward.providers.startHealthChecks();
      if (steward.config.models.warmUp && steward.providers.hasLocal) {
        const controller = new AbortController();
        this.#warmUp = { done: steward.providers.warmUp(controller.signal), controller };
      }
      this.#channel?.start();
      if (this.#channel === undefined) steward.log.warn(`Signal: ${this.#signalOff}`);
      this.#outboxStop = new AbortController();
      this.#outboxTimer = setInterval(() => this.#drainOutbox(), this.#intervals.outboxMs);
      this.#heartbeatTimer = setInterval(() => this.#heartbeat(), this.#intervals.heartbeatMs);
      this.#memoryTimer = setInterval(() => this.#sweepMemory(), this.#memorySweepMs);
      steward.memory.warm();
      // The model stack and the agent, so the first Signal message costs what the tenth does.
      void steward.preload();
      this.#running = true;
      this.#drainOutbox();
      this.#heartbeat();
      steward.log.info('daemon started');
      const status = this.#channel?.status();
      const signal =
        status === undefined ? `off: ${this.#signalOff}` : `receiving via ${status.api} from ${status.endpoint}`;
      return { catchUp, interrupted, tookOverFrom, signal };
    } catch (error) {
      await this.#scheduler.stop();
      this.#lock.release(null);
      throw error;
    }
  }

  #sweepMemory(): void {
    if (this.#memorySweep !== undefined) return;
    this.#memorySweep = this.#steward.memory
      .sweep()
      .catch((error: unknown) =>
        this.#steward.log.error({ err: error }, `memory sweep failed: ${describeError(error)}`),
      )
      .finally(() => {
        this.#memorySweep = undefined;
      });
  }

  #drainOutbox(): void {
    if (this.#outboxRound !== undefined) return;
    this.#outboxRound = this.#steward.outbox
      .deliverDue({ signal: this.#outboxStop.signal })
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

  #heartbeat(): void {
    const now = this.#steward.clock.now().getTime();
    if (now - this.#lastPruneAt >= PRUNE_EVERY_MS) {
      this.#lastPruneAt = now;
      this.#scheduler.prune(new Date(now - this.#steward.config.daemon.keepJobRunsDays * 86_400_000));
    }
    if (this.#lock.heartbeat(this.state())) return;
    const reason = 'another daemon took over the lock on this database; this one stops';
    this.#steward.log.error(reason);
    this.#onFatal?.(reason);
  }

  /** The health snapshot `steward health` reads. */
  state(): DaemonState {
    return {
      version: 1,
      pid: process.pid,
      startedAt: this.#startedAt,
      jobs: this.#scheduler
        .nextRuns()
        .map((run) => ({ job: run.job, next: run.next === null ? null : run.next.toISOString() })),
      signal: this.#channel?.status() ?? { state: 'off', reason: this.#signalOff },
    };
  }

  /** Resolves when no job, reply or outbox round is in progress (for tests and tools). */
  async idle(): Promise<void> {
    for (;;) {
      await Promise.all([this.#scheduler.idle(), this.#channel?.idle(), this.#outboxRound]);
      if (this.#outboxRound === undefined) return;
    }
  }

  /**
   * Stop: no new receives, runs or retries; work in progress finishes (a
   * send in flight always does), or after `shutdownGraceMs` is cancelled and
   * left to be caught up at the next start; then the lock is released.
   */
  async stop(): Promise<void> {
    if (!this.#running) return;
    this.#running = false;
    clearInterval(this.#outboxTimer);
    clearInterval(this.#heartbeatTimer);
    clearInterval(this.#memoryTimer);
    this.#outboxStop.abort();
    this.#steward.providers.stopHealthChecks();
    this.#warmUp?.controller.abort(new Error('daemon stopping'));
    const grace = this.#intervals.shutdownGraceMs;
    await Promise.all([this.#channel?.stop(grace), this.#scheduler.stop(grace), this.#warmUp?.done]);
    await this.#outboxRound;
    this.#lock.release(this.state());
    this.#steward.log.info('daemon stopped');
  }
}
