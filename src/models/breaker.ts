/**
 * Circuit-breaker state of one provider:
 * - `unknown`: never checked in this process; the next use probes it first;
 * - `closed`: healthy, requests flow;
 * - `open`: failed; skipped without a request until its cooldown ends;
 * - `half-open`: the cooldown is over; the next use (or the background
 *   monitor) runs one probe, and a success closes the breaker.
 */
export type BreakerState = 'unknown' | 'closed' | 'open' | 'half-open';

/** What the breaker lets a caller do now. */
export type BreakerAdmission = 'allow' | 'probe' | 'reject';

/** A copy of a breaker's state at one instant. */
export interface BreakerSnapshot {
  /** State at the instant of the snapshot. */
  state: BreakerState;
  /** Failures in a row; picks the next cooldown. */
  consecutiveFailures: number;
  /** While open or half-open: when the cooldown ends (ms since epoch), else null. */
  retryAt: number | null;
  /** Short reason of the last failure, or null. */
  lastError: string | null;
  /** When the last failure was recorded (ms since epoch), or null. */
  lastErrorAt: number | null;
}

/**
 * One provider's circuit breaker (Michael Nygard's pattern from "Release
 * It!", with the escalating cooldowns of OpenClaw's model fallback): a
 * failure opens it at once; after a cooldown (30 s, then 1 min, then 5 min,
 * the last value being the cap) it is half-open and one probe decides; a
 * success closes it. Only a real answer resets the cooldowns: a server whose
 * `GET /models` answers but whose chat requests keep failing is retried
 * after 30 s, then 1 min, then every 5 min, not every 30 s.
 *
 * Failures of requests that started before the breaker last opened do not
 * change it again: two turns that hit the same dead server at once count as
 * one failure. Likewise a probe that started before the last opening cannot
 * close it. Each opening starts a new *epoch*; callers take {@link epoch}
 * when their request or probe starts and pass it back.
 */
export class CircuitBreaker {
  readonly #cooldownsMs: readonly number[];
  #state: 'unknown' | 'closed' | 'open' = 'unknown';
  #consecutiveFailures = 0;
  #retryAt: number | null = null;
  #lastError: string | null = null;
  #lastErrorAt: number | null = null;
  #epoch = 0;

  /**
   * @param cooldownsMs - wait after the 1st, 2nd, ... failure in a row, in ms; the last one is the cap (must not be empty)
   */
  constructor(cooldownsMs: readonly number[]) {
    this.#cooldownsMs = cooldownsMs.length > 0 ? cooldownsMs : [30_000];
  }

  /** Increases each time the breaker opens; see the class comment. */
  get epoch(): number {
    return this.#epoch;
  }

  /**
   * The state at `now`: an open breaker whose cooldown is over is half-open.
   * @param now - ms since epoch
   */
  state(now: number): BreakerState {
    if (this.#state === 'open' && this.#retryAt !== null && now >= this.#retryAt) return 'half-open';
    return this.#state;
  }

  /**
   * What a caller may do now: `allow` a request (closed), `probe` first
   * (unknown or half-open), or `reject` without a request (open, cooling down).
   * @param now - ms since epoch
   */
  admit(now: number): BreakerAdmission {
    const state = this.state(now);
    if (state === 'closed') return 'allow';
    if (state === 'open') return 'reject';
    return 'probe';
  }

  /**
   * Record a success: the breaker closes.
   * @param kind - `request` (a real answer: the cooldowns start again from the first) or `probe`
   * @param startedInEpoch - for a probe, {@link epoch} when it started: a probe older than the last opening is ignored
   * @returns whether the breaker is closed now
   */
  recordSuccess(kind: 'request' | 'probe', startedInEpoch = this.#epoch): boolean {
    if (kind === 'probe' && startedInEpoch < this.#epoch) return this.#state === 'closed';
    this.#state = 'closed';
    this.#retryAt = null;
    if (kind === 'request') this.#consecutiveFailures = 0;
    return true;
  }

  /**
   * Record a failure: the breaker opens at once with the next cooldown,
   * unless it opened since the request started (then only the last error is kept).
   * @param reason - short reason, shown by /status and doctor
   * @param now - ms since epoch
   * @param startedInEpoch - {@link epoch} when the failed request started (default: now)
   * @returns whether this failure opened the breaker (false when it only confirmed an opening)
   */
  recordFailure(reason: string, now: number, startedInEpoch = this.#epoch): { opened: boolean; cooldownMs: number } {
    this.#lastError = reason;
    this.#lastErrorAt = now;
    if (startedInEpoch < this.#epoch) return { opened: false, cooldownMs: Math.max(0, (this.#retryAt ?? now) - now) };
    const cooldownMs = this.#cooldownsMs[Math.min(this.#consecutiveFailures, this.#cooldownsMs.length - 1)] as number;
    this.#consecutiveFailures += 1;
    this.#state = 'open';
    this.#retryAt = now + cooldownMs;
    this.#epoch += 1;
    return { opened: true, cooldownMs };
  }

  /**
   * Keep a failure's reason without opening the breaker: the server is up,
   * but this request failed for a reason of its own (a prompt too long, a
   * wrong key, a slow reply while the server still answers its probe).
   * @param reason - short reason, shown by /status and doctor
   * @param now - ms since epoch
   */
  noteError(reason: string, now: number): void {
    this.#lastError = reason;
    this.#lastErrorAt = now;
  }

  /**
   * A copy of the state.
   * @param now - ms since epoch
   */
  snapshot(now: number): BreakerSnapshot {
    return {
      state: this.state(now),
      consecutiveFailures: this.#consecutiveFailures,
      retryAt: this.#state === 'open' ? this.#retryAt : null,
      lastError: this.#lastError,
      lastErrorAt: this.#lastErrorAt,
    };
  }
}
