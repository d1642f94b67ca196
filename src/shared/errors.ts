/**
 * Error classes that carry data. Every error steward raises on purpose is a
 * {@link StewardError}; the CLI prints its message as one line and exits with
 * its {@link StewardError.exitCode}.
 *
 * The split between the user's mistakes ({@link UserError}) and the system's
 * faults follows openai-agents-js `errors.ts` and the Vercel AI SDK's
 * `APICallError.isRetryable`.
 */

import { ServiceError, StewardError, type StewardErrorOptions } from './error-base.js';
import { redactSecrets } from './redact.js';

export { StewardError, ServiceError, type StewardErrorOptions } from './error-base.js';
export {
  ProviderError,
  isRetryableFault,
  type ProviderErrorKind,
  type ProviderErrorDetails,
} from './provider-error.js';

/** A mistake in what the user typed or configured; the message says how to fix it. */
export class UserError extends StewardError {}

/**
 * A configuration value is wrong or missing.
 * Exit code 2. The message names the key and where the bad value came from.
 */
export class ConfigError extends UserError {
  /** Process exit code 2, so scripts can tell a bad configuration from other failures. */
  override readonly exitCode = 2;
  /** Dotted config key, for example `models.health.timeoutMs`, or a file path for unreadable files. */
  readonly key: string;
  /** Where the value came from: `config/default.json`, `STEWARD_CONFIG=/path`, `STEWARD_TIMEZONE`, ... */
  readonly source: string;

  /**
   * @param message - what is wrong and how to fix it, naming the key and its source
   * @param details - `key`: the dotted config key (or a file path); `source`: where the value came from
   * @param options - `cause`: the underlying error, kept for logs
   */
  constructor(message: string, details: { key: string; source: string }, options: StewardErrorOptions = {}) {
    super(message, options);
    this.key = details.key;
    this.source = details.source;
  }
}

/** A command was recognised but its arguments are malformed. Carries the usage line. */
export class UsageError extends UserError {
  /** The usage line of the command, for example `check in <habit> [yesterday | YYYY-MM-DD]`. */
  readonly usage: string;

  /**
   * The message becomes `<message>\nusage: <usage>`.
   * @param message - what is wrong with the arguments
   * @param usage - the command's usage line, for example `check in <habit> [yesterday | YYYY-MM-DD]`
   * @param options - `cause`: the underlying error, kept for logs
   */
  constructor(message: string, usage: string, options: StewardErrorOptions = {}) {
    super(`${message}\nusage: ${usage}`, options);
    this.usage = usage;
  }
}

/** A named thing (habit, goal, ...) does not exist. Carries the closest existing names. */
export class NotFoundError extends UserError {
  /** What kind of thing was looked up, for example `habit`. */
  readonly kind: string;
  /** The name as the user typed it. */
  readonly query: string;
  /** Closest existing names, best first (possibly empty). */
  readonly suggestions: readonly string[];

  /**
   * @param kind - what was looked up, for example `habit`
   * @param query - the name as typed
   * @param suggestions - closest names, best first
   * @param existing - every existing name, shown when nothing is close (at most 8 are listed)
   * @param options - `cause`: the underlying error, kept for logs
   */
  constructor(
    kind: string,
    query: string,
    suggestions: readonly string[],
    existing: readonly string[] = [],
    options: StewardErrorOptions = {},
  ) {
    let hint: string;
    if (suggestions.length > 0) hint = ` Did you mean: ${suggestions.join(', ')}?`;
    else if (existing.length > 0)
      hint = ` Your ${kind}s: ${existing.slice(0, 8).join(', ')}${existing.length > 8 ? ', ...' : ''}.`;
    else hint = ` You have no ${kind}s yet.`;
    super(`No ${kind} named "${query}".${hint}`, options);
    this.kind = kind;
    this.query = query;
    this.suggestions = suggestions;
  }
}

/**
 * Input that is longer than steward takes (a `limits.*` setting): refused
 * with one line naming the limit, before any work that grows with its
 * length (issue 10, item 7). The text itself is never echoed back.
 */
export class InputTooLongError extends UserError {
  /** What was too long, for example `habit name`. */
  readonly what: string;
  /** Its length, in characters. */
  readonly length: number;
  /** The most allowed, in characters. */
  readonly limit: number;
  /** The config key of the limit, for example `limits.name`. */
  readonly key: string;

  /**
   * @param details - what was too long, its length, the limit and its config key
   * @param options - `cause`, kept for logs
   */
  constructor(
    details: { what: string; length: number; limit: number; key: string },
    options: StewardErrorOptions = {},
  ) {
    super(
      `That ${details.what} is ${details.length} characters long; steward takes at most ${details.limit} (${details.key} in the config).`,
      options,
    );
    this.what = details.what;
    this.length = details.length;
    this.limit = details.limit;
    this.key = details.key;
  }
}

/** One of the things an ambiguous name matched: its row id and name. */
export interface ReferenceChoice {
  /** Row id, as `#id` names it. */
  id: number;
  /** Display name. */
  name: string;
}

/**
 * A name matches more than one thing; nothing was written. The message
 * lists them numbered, with their `#id`s, so the owner can pick one (the
 * turn pipeline takes a number in the next message as that choice).
 */
export class AmbiguousReferenceError extends UserError {
  /** What kind of thing was looked up, for example `goal`. */
  readonly kind: string;
  /** The name as the user typed it. */
  readonly query: string;
  /** Every name that matched, in order. */
  readonly candidates: readonly string[];
  /** Every item that matched, in order, with its id (empty when only names were given). */
  readonly choices: readonly ReferenceChoice[];

  /**
   * The message lists the candidates, numbered, and asks which one.
   * @param kind - what was looked up, for example `goal`
   * @param query - the name as typed
   * @param candidates - every item that matched, with its id (or only names, for things without ids)
   * @param options - `cause`: the underlying error, kept for logs
   */
  constructor(
    kind: string,
    query: string,
    candidates: ReadonlyArray<string | ReferenceChoice>,
    options: StewardErrorOptions = {},
  ) {
    const choices = candidates.filter((candidate): candidate is ReferenceChoice => typeof candidate !== 'string');
    const names = candidates.map((candidate) => (typeof candidate === 'string' ? candidate : candidate.name));
    const lines = candidates.map((candidate, index) =>
      typeof candidate === 'string'
        ? `  ${index + 1}. ${candidate}`
        : `  ${index + 1}. ${candidate.name} #${candidate.id}`,
    );
    const how = choices.length === candidates.length ? 'by its number or its #id' : 'by its number or its full name';
    super(`"${query}" matches more than one ${kind}:\n${lines.join('\n')}\nSay which one ${how}.`, options);
    this.kind = kind;
    this.query = query;
    this.candidates = names;
    this.choices = choices.map((choice) => ({ id: choice.id, name: choice.name }));
  }
}

/** One attempt on one provider, as reported by {@link NoModelAvailableError}. */
export interface ProviderAttempt {
  /** Provider id, for example `local-fast`. */
  provider: string;
  /** Why it was not used or failed, one short phrase. */
  reason: string;
}

/**
 * No model provider could answer a turn. The message is one line: what was
 * tried and what to set.
 */
export class NoModelAvailableError extends StewardError {
  /** Each provider considered, in chain order, with the reason it did not answer. */
  readonly attempts: readonly ProviderAttempt[];

  /**
   * @param attempts - each provider considered, in chain order, with why it did not answer; empty when none is configured
   * @param hint - what to set or start, appended to the message
   * @param options - `cause`: the underlying error, kept for logs
   */
  constructor(attempts: readonly ProviderAttempt[], hint: string, options: StewardErrorOptions = {}) {
    const tried = attempts.map((attempt) => `${attempt.provider} (${attempt.reason})`).join(', ');
    super(
      attempts.length > 0 ? `No model answered: tried ${tried}. ${hint}` : `No model is configured. ${hint}`,
      options,
    );
    this.attempts = attempts;
  }
}

/** An outbound message could not be delivered; `isRetryable` is false for bad recipients and auth failures. */
export class DeliveryError extends ServiceError {
  /** Channel name, for example `signal`. */
  readonly channel: string;

  /**
   * @param message - what failed, one line
   * @param details - `channel`: for example `signal`; `retryable`: whether a later retry may succeed (becomes `isRetryable`)
   * @param options - `cause`: the underlying error, kept for logs
   */
  constructor(message: string, details: { channel: string; retryable: boolean }, options: StewardErrorOptions = {}) {
    super(message, details.retryable, options);
    this.channel = details.channel;
  }
}

/** The daemon that holds the lock on a database, as {@link DaemonLockedError} reports it. */
export interface LockHolderInfo {
  /** Its process id. */
  pid: number;
  /** The host it runs on. */
  host: string;
  /** ISO instant it took the lock. */
  acquiredAt: string;
  /** ISO instant of its last heartbeat. */
  heartbeatAt: string;
}

/**
 * Another daemon holds the lock on this database: a second `steward daemon`
 * refuses to start, so no scheduled time runs twice.
 */
export class DaemonLockedError extends StewardError {
  /** The daemon that holds the lock. */
  readonly holder: LockHolderInfo;
  /** The database file it was about. */
  readonly databaseFile: string;

  /**
   * The message names the holder (pid, host, since when) and how to stop it.
   * @param holder - the daemon that holds the lock
   * @param databaseFile - the path of the database file
   * @param options - `cause`: the underlying error, kept for logs
   */
  constructor(holder: LockHolderInfo, databaseFile: string, options: StewardErrorOptions = {}) {
    super(
      `another steward daemon is already running on ${databaseFile} (pid ${holder.pid} on ${holder.host}, since ${holder.acquiredAt}). ` +
        `Stop it first (kill ${holder.pid}), or see how it is doing with "steward health".`,
      options,
    );
    this.holder = holder;
    this.databaseFile = databaseFile;
  }
}

/**
 * A Signal receive stream failed. `kind` says what the receive loop does
 * about it (grammY's `handlePollingError`): `fatal` stops receiving and says
 * so (a 401, a wrong account), `rate-limited` waits `retryAfterMs`,
 * `transient` backs off and reconnects.
 */
export class SignalReceiveError extends StewardError {
  /** `fatal`, `rate-limited` or `transient`. */
  readonly kind: 'fatal' | 'rate-limited' | 'transient';
  /** HTTP status, when there was one. */
  readonly status: number | undefined;
  /** How long the server asked us to wait (Retry-After), in ms. */
  readonly retryAfterMs: number | undefined;

  /**
   * @param message - what failed, one line
   * @param details - `kind`: `fatal`, `rate-limited` or `transient`; `status`: the HTTP status, if any; `retryAfterMs`: the server's Retry-After, in ms
   * @param options - `cause`: the underlying error, kept for logs
   */
  constructor(
    message: string,
    details: {
      kind: 'fatal' | 'rate-limited' | 'transient';
      status?: number | undefined;
      retryAfterMs?: number | undefined;
    },
    options: StewardErrorOptions = {},
  ) {
    super(message, options);
    this.kind = details.kind;
    this.status = details.status;
    this.retryAfterMs = details.retryAfterMs;
  }
}

/** A plugin failed to load or one of its handlers threw. */
export class PluginError extends StewardError {
  /** The plugin's name (or folder name when it did not load). */
  readonly plugin: string;

  /**
   * @param message - what failed, one line
   * @param plugin - the plugin's name (or folder name when it did not load)
   * @param options - `cause`: the underlying error, kept for logs
   */
  constructor(message: string, plugin: string, options: StewardErrorOptions = {}) {
    super(message, options);
    this.plugin = plugin;
  }
}

/**
 * Short, one-line description of any thrown value, for user-facing output.
 * @param error - anything caught
 * @returns the message, without a stack trace, with secrets blanked out (see `redactSecrets`)
 */
export function describeError(error: unknown): string {
  // Errors of other libraries (axios, SQLite, fetch) are redacted here, where they become text.
  return redactSecrets(error instanceof Error ? error.message : String(error));
}

/**
 * A model answered, but not with what was asked for: JSON that does not
 * parse, or that does not match the zod schema of a structured request
 * (an episode summary, extracted facts). The provider is healthy; the
 * answer is junk. Callers fall back (a heuristic summary, no facts) and
 * keep the work to try again later.
 */
export class ModelOutputError extends StewardError {
  /** Provider id that answered, for example `local-fast`. */
  readonly provider: string;
  /** The start of what it answered (at most 200 characters), for logs. */
  readonly excerpt: string;

  /**
   * @param message - what was wrong with the answer, one line
   * @param details - `provider`: the id that answered; `excerpt`: the start of its answer (at most 200 characters)
   * @param options - `cause`: the underlying error, kept for logs
   */
  constructor(message: string, details: { provider: string; excerpt: string }, options: StewardErrorOptions = {}) {
    super(message, options);
    this.provider = details.provider;
    this.excerpt = details.excerpt;
  }
}

/**
 * A file given to `steward import` or `steward restore` cannot be used: it
 * is not in a format steward reads, it is truncated, or a line or field in
 * it is malformed. Nothing was written. The message names the file and,
 * when it can, the line (`line 12`) or field (`habits[3].frequency.den`).
 */
export class DataFileError extends UserError {
  /** The file (or folder) that was read. */
  readonly file: string;
  /** Where in it: `line 12`, `habits[3].frequency.den`, ..., or undefined for the file as a whole. */
  readonly location: string | undefined;
  /** What is wrong, without the file and location. */
  readonly problem: string;

  /**
   * The message becomes `<file>[, <location>]: <problem>`.
   * @param file - the file or folder that was read
   * @param problem - what is wrong, one line
   * @param location - the line or field, when known
   * @param options - `cause`: the underlying error, kept for logs
   */
  constructor(file: string, problem: string, location?: string, options: StewardErrorOptions = {}) {
    super(`${file}${location === undefined ? '' : `, ${location}`}: ${problem}`, options);
    this.file = file;
    this.location = location;
    this.problem = problem;
  }
}

/** A process that has the database open, as {@link DatabaseInUseError} names it. */
export interface DatabaseHolder {
  /** What it is: `daemon` or `repl`. */
  kind: string;
  /** Its process id. */
  pid: number;
  /** The host it runs on. */
  host: string;
  /** ISO instant it started using the database. */
  since: string;
}

/**
 * The database is open in a daemon or a REPL, so it cannot be replaced
 * (`steward restore`). The message names each process and how to stop it.
 */
export class DatabaseInUseError extends UserError {
  /** The processes that hold it. */
  readonly holders: readonly DatabaseHolder[];

  /**
   * @param databaseFile - the live database file
   * @param holders - the processes that have it open (at least one)
   * @param options - `cause`: the underlying error, kept for logs
   */
  constructor(databaseFile: string, holders: readonly DatabaseHolder[], options: StewardErrorOptions = {}) {
    const named = holders
      .map((holder) => {
        const stop = holder.kind === 'daemon' ? `kill ${holder.pid}` : 'type /quit in it';
        return `a steward ${holder.kind} (pid ${holder.pid} on ${holder.host}, since ${holder.since}: ${stop})`;
      })
      .join(' and ');
    super(`${databaseFile} is in use by ${named}. Stop it first; nothing was changed.`, options);
    this.holders = holders;
  }
}

/**
 * A batch of conversations to import is malformed (a message with no text,
 * a time that is not a date, an unknown role). Nothing of the batch was
 * written. The message names the conversation and the message.
 */
export class InvalidImportError extends UserError {
  /** The external id of the conversation at fault, or its position (`#3`) when it has none. */
  readonly conversation: string;
  /** The path of the bad value inside the conversation, for example `messages.4.at`. */
  readonly field: string;

  /**
   * @param message - what is wrong, one line, naming the conversation and the message
   * @param details - `conversation`: its external id or position; `field`: the path of the bad value
   * @param options - `cause`: the underlying error, kept for logs
   */
  constructor(message: string, details: { conversation: string; field: string }, options: StewardErrorOptions = {}) {
    super(message, options);
    this.conversation = details.conversation;
    this.field = details.field;
  }
}
