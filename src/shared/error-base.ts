/**
 * The two base classes of steward's errors; `src/shared/errors.ts` is the
 * door to them and to every other error class.
 */

import { redactSecrets } from './redact.js';

/** Options accepted by every {@link StewardError}. */
export interface StewardErrorOptions {
  /** The underlying error, kept for logs. */
  cause?: unknown;
}

/**
 * Base class of every error steward throws on purpose.
 * `name` is the concrete class name, so logs and `instanceof` agree. The
 * message is redacted when the error is made (the remembered keys, and
 * anything that looks like one: see `redactSecrets`).
 */
export class StewardError extends Error {
  /** Process exit code the CLI uses when this error ends a command (1 unless a subclass says otherwise). */
  readonly exitCode: number = 1;

  /**
   * Create an error whose `name` is the concrete class name.
   * @param message - the one-line message, shown to the user as is
   * @param options - `cause`: the underlying error, kept for logs
   */
  constructor(message: string, options: StewardErrorOptions = {}) {
    // Redacted at the source: a key echoed by a server never reaches a reply, the database, Signal or the log.
    super(redactSecrets(message), options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
  }
}

/**
 * A call to another program failed: a model or embeddings server, the Signal
 * daemon. `isRetryable` is declared here once for all of them: whether the
 * same request, sent again later, may succeed (the Vercel AI SDK's
 * `APICallError.isRetryable`). A refused connection or a 503 may pass; a
 * wrong key, a prompt too long for the model or a bad recipient will not.
 */
export class ServiceError extends StewardError {
  /** Whether sending the same request again later may succeed. */
  readonly isRetryable: boolean;

  /**
   * @param message - what failed, one line
   * @param isRetryable - whether sending the same request again later may succeed
   * @param options - `cause`: the underlying error, kept for logs
   */
  constructor(message: string, isRetryable: boolean, options: StewardErrorOptions = {}) {
    super(message, options);
    this.isRetryable = isRetryable;
  }
}
