import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { toTimestamp, type Database } from '../shared/database.js';
import { DaemonLockedError, type LockHolderInfo } from '../shared/errors.js';
import { isProcessAlive } from '../shared/process.js';
import type { Clock } from '../shared/time.js';

/** The lock row as stored, for `steward health`. */
export interface LockRecord extends LockHolderInfo {
  /** Random id of the holding daemon. */
  holder: string;
  /** ISO instant of a clean stop, or null while held (or after a crash). */
  releasedAt: string | null;
  /** The holder's last health snapshot (JSON), or null. */
  state: unknown;
}

interface LockRow {
  holder: string;
  pid: number;
  host: string;
  acquired_at: string;
  heartbeat_at: string;
  released_at: string | null;
  state: string | null;
}

const LOCK_NAME = 'daemon';

export { isProcessAlive };

/**
 * Read the lock row.
 * @param database - the migrated database
 * @returns the holder (or the last one), or undefined when no daemon ever ran
 */
export function readLock(database: Database): LockRecord | undefined {
  const row = database.prepare<[string], LockRow>('SELECT * FROM daemon_lock WHERE name = ?').get(LOCK_NAME);
  if (row === undefined) return undefined;
  let state: unknown = null;
  if (row.state !== null) {
    try {
      state = JSON.parse(row.state) as unknown;
    } catch (error) {
      state = { unreadable: error instanceof Error ? error.message : String(error) };
    }
  }
  return {
    holder: row.holder,
    pid: row.pid,
    host: row.host,
    acquiredAt: row.acquired_at,
    heartbeatAt: row.heartbeat_at,
    releasedAt: row.released_at,
    state,
  };
}

/** Options of {@link DaemonLock}. */
export interface DaemonLockOptions {
  /** A lock not renewed for this long may be taken over, in ms. */
  staleMs: number;
  /** Absolute path of the database file, for the error message. */
  databaseFile: string;
}

/**
 * One daemon per database: a lease in SQLite, next to the data it guards
 * (the same idea as the outbox's leases). The holder renews its heartbeat;
 * a new daemon takes the lock only when it was released, when its process
 * is gone (same host), or when its heartbeat is older than `staleMs`.
 * Together with the unique (job, scheduled time) of `job_runs`, two daemons
 * started by mistake never run a scheduled time twice.
 */
export class DaemonLock {
  readonly #database: Database;
  readonly #clock: Clock;
  readonly #options: DaemonLockOptions;
  readonly #holder = randomUUID();
  #held = false;

  /**
   * @param database - the migrated database
   * @param clock - source of time for heartbeats
   * @param options - staleness and the database path
   */
  constructor(database: Database, clock: Clock, options: DaemonLockOptions) {
    this.#database = database;
    this.#clock = clock;
    this.#options = options;
  }

  /** Whether this daemon holds the lock. */
  get held(): boolean {
    return this.#held;
  }

  /**
   * Take the lock.
   * @returns the daemon it was taken over from when that one had died without releasing it
   * @throws DaemonLockedError when another live daemon holds it
   */
  acquire(): { tookOverFrom: LockRecord | undefined } {
    const take = this.#database.transaction((): { tookOverFrom: LockRecord | undefined } => {
      const current = readLock(this.#database);
      const now = this.#clock.now();
      let tookOverFrom: LockRecord | undefined;
      if (current !== undefined && current.releasedAt === null) {
        const fresh = now.getTime() - Date.parse(current.heartbeatAt) < this.#options.staleMs;
        const sameHost = current.host === hostname();
        const alive = sameHost ? isProcessAlive(current.pid) : true;
        if (fresh && alive) {
          const { pid, host, acquiredAt, heartbeatAt } = current;
          throw new DaemonLockedError({ pid, host, acquiredAt, heartbeatAt }, this.#options.databaseFile);
        }
        tookOverFrom = current;
      }
      const timestamp = toTimestamp(now);
      this.#database
        .prepare(
          `INSERT INTO daemon_lock (name, holder, pid, host, acquired_at, heartbeat_at, released_at, state) VALUES (?, ?, ?, ?, ?, ?, NULL, NULL)
           ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, pid = excluded.pid, host = excluded.host, acquired_at = excluded.acquired_at,
             heartbeat_at = excluded.heartbeat_at, released_at = NULL, state = NULL`,
        )
        .run(LOCK_NAME, this.#holder, process.pid, hostname(), timestamp, timestamp);
      return { tookOverFrom };
    });
    const result = take.immediate();
    this.#held = true;
    return result;
  }

  /**
   * Renew the lock and store a health snapshot.
   * @param state - the snapshot (JSON-serialisable)
   * @returns false when the lock was lost (another daemon took it over): the caller must stop
   */
  heartbeat(state: unknown): boolean {
    if (!this.#held) return false;
    const result = this.#database
      .prepare(
        'UPDATE daemon_lock SET heartbeat_at = ?, state = ? WHERE name = ? AND holder = ? AND released_at IS NULL',
      )
      .run(toTimestamp(this.#clock.now()), JSON.stringify(state), LOCK_NAME, this.#holder);
    if (result.changes === 0) this.#held = false;
    return result.changes === 1;
  }

  /**
   * Release the lock (a clean stop), keeping the last snapshot.
   * @param state - the final snapshot
   */
  release(state: unknown): void {
    if (!this.#held) return;
    this.#database
      .prepare('UPDATE daemon_lock SET released_at = ?, heartbeat_at = ?, state = ? WHERE name = ? AND holder = ?')
      .run(
        toTimestamp(this.#clock.now()),
        toTimestamp(this.#clock.now()),
        JSON.stringify(state),
        LOCK_NAME,
        this.#holder,
      );
    this.#held = false;
  }
}
