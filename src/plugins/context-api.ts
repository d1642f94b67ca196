import type { Episode } from '../memory/episodes.js';
import type { Fact, FactAuditEntry, FactCandidate, ReconcileOutcome } from '../memory/facts.js';
import type { RecallResult } from '../memory/recall.js';

/**
 * The handles a plugin's context gives it besides settings and services:
 * a store for its tables, a logger, and its view of memory. Part of the
 * plugin API: plugins import them from `src/plugins/api.ts`, which
 * re-exports this file. The core implements them with adapters built when
 * the plugins load (`src/plugins/context.ts`), so that no handle leads back
 * to the connection, the configuration or the memory engine.
 */

/** What one write changed. */
export interface StoreRunResult {
  /** Rows inserted, updated or deleted. */
  changes: number;
  /** Rowid of the last row inserted. */
  lastInsertRowid: number | bigint;
}

/** A prepared SQL statement of a {@link PluginStore}: run it, or read one row or all of them. */
export interface StoreStatement<Parameters extends unknown[] = unknown[], Row = unknown> {
  /** Run a write. */
  run(...parameters: Parameters): StoreRunResult;
  /** The first row, or undefined. */
  get(...parameters: Parameters): Row | undefined;
  /** Every row. */
  all(...parameters: Parameters): Row[];
}

/**
 * A function wrapped in a transaction (better-sqlite3's `db.transaction`).
 * Calling it runs `BEGIN IMMEDIATE`, which takes the write lock at once and
 * so waits out the busy timeout when another process (the daemon, a REPL)
 * is writing. A deferred `BEGIN` would take a read lock first, and its
 * first write would then fail at once with "database is locked" instead of
 * waiting (SQLite's rule for a reader that must upgrade): steward never
 * uses one.
 */
export interface StoreTransaction<Arguments extends unknown[], Result> {
  /** Run in a `BEGIN IMMEDIATE` transaction. */
  (...args: Arguments): Result;
  /** The same as calling it (kept for plugins written when a plain call was deferred). */
  immediate(...args: Arguments): Result;
}

/**
 * A plugin's handle on the database, for the tables its migrations create.
 * It has `prepare`, `exec` and `transaction` (with better-sqlite3's
 * semantics: synchronous, `?` parameters, a transaction function rolls back
 * when it throws and nests as a savepoint) and nothing else: no `close`, no
 * `pragma`, no backups, no extensions, and no way back to the connection
 * (statements and transactions are wrapped). Ownership of tables is by
 * convention: the handle does not stop SQL from naming core tables; keep
 * to your own, whose names start with your plugin's name.
 */
export interface PluginStore {
  /**
   * Prepare a statement.
   * @param sql - one SQL statement with `?` parameters
   * @throws SqliteError for bad SQL
   */
  prepare<Parameters extends unknown[] = unknown[], Row = unknown>(sql: string): StoreStatement<Parameters, Row>;
  /**
   * Run SQL text without parameters (several statements allowed).
   * @throws SqliteError for bad SQL
   */
  exec(sql: string): void;
  /**
   * Wrap a function in a transaction: calling the result runs it inside
   * `BEGIN IMMEDIATE`/`COMMIT`, or rolls back if it throws.
   * @param run - synchronous work (no awaits inside)
   */
  transaction<Arguments extends unknown[], Result>(
    run: (...args: Arguments) => Result,
  ): StoreTransaction<Arguments, Result>;
}

/** One logging call: a message, or structured fields and a message (pino's argument order). */
export type PluginLogFunction = (fieldsOrMessage: Record<string, unknown> | string, message?: string) => void;

/**
 * A logger bound to the plugin's name. Lines are structured JSON in the
 * steward log, with known secrets redacted.
 */
export interface PluginLogger {
  /** Detail for debugging. */
  debug: PluginLogFunction;
  /** Something happened. */
  info: PluginLogFunction;
  /** Something went wrong and was handled. */
  warn: PluginLogFunction;
  /** Something failed. */
  error: PluginLogFunction;
}

/**
 * The owner's semantic profile: facts with a dated history (a newer
 * contradicting fact supersedes an older one; see docs/memory.md).
 */
export interface ProfileFacts {
  /**
   * Store a fact, reconciled with the current one of the same key.
   * @param candidate - the fact, its confidence (0-1) and source (`explicit` for the owner's own words)
   * @returns what happened: created, confirmed, superseded or rejected
   */
  reconcile(candidate: FactCandidate): ReconcileOutcome;
  /**
   * Current facts, by category and key.
   * @param minConfidence - leave out facts below this confidence, 0-1 (default 0)
   */
  current(minConfidence?: number): Fact[];
  /** Every value a key ever had, oldest first. */
  history(key: string): Fact[];
  /** The audit trail of these facts, oldest first. */
  audit(factIds: readonly number[]): FactAuditEntry[];
  /**
   * The one current fact the owner means by a key, a word of it or of its value, or `#id`.
   * @throws NotFoundError or AmbiguousReferenceError
   */
  resolve(query: string): Fact;
  /**
   * Retire a fact ("forget"): no longer current, never recalled again, kept in its history.
   * @returns the retired fact
   */
  forget(fact: Fact): Fact;
}

/** What a plugin may use of memory: hybrid recall, the profile and recent episodes. */
export interface PluginMemory {
  /**
   * Hybrid recall (BM25 + vectors, fused by reciprocal rank) over messages,
   * episodes and facts, each hit with why it came up.
   * @param text - the query
   * @param options - `limit` (default `memory.recall.limit`), `signal` cancels the query embedding
   */
  recall(text: string, options?: { limit?: number; signal?: AbortSignal }): Promise<RecallResult>;
  /** The owner's profile. */
  readonly facts: ProfileFacts;
  /**
   * Summaries of finished conversations, newest first.
   * @param limit - at most this many
   * @param options - `since`: only episodes that ended at or after this ISO instant
   */
  episodes(limit: number, options?: { since?: string }): Episode[];
}
