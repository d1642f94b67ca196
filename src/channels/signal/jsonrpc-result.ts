/**
 * Reading the answer of signal-cli's JSON-RPC `send` (signal-cli
 * `SignalJsonRpcCommandHandler`, `SendMessageResultUtils`,
 * `JsonSendMessageResult`). Only a result with a `SUCCESS` entry for every
 * recipient is a delivery; everything else is a failure, classed as worth
 * retrying or not.
 */

/** One entry of `result.results` (signal-cli `JsonSendMessageResult`). */
export interface SendResult {
  recipientAddress?: { number?: string | null; uuid?: string | null };
  /** Present when the entry is for a member of a group the message went to (base64 group id). */
  groupId?: string | null;
  /** `SUCCESS`, `NETWORK_FAILURE`, `UNREGISTERED_FAILURE`, `IDENTITY_FAILURE`, `RATE_LIMIT_FAILURE` or `INVALID_PRE_KEY_FAILURE`. */
  type?: string;
}

/** A JSON-RPC error object; signal-cli puts the send's results in `data.response` when no recipient got the message. */
export interface RpcError {
  code?: number;
  message?: string;
  data?: { response?: { results?: SendResult[] } } | null;
}

/** A JSON-RPC response to `send`, as far as steward reads it. */
export interface RpcResponse {
  result?: { timestamp?: number; results?: SendResult[] } | null;
  error?: RpcError | null;
}

/** Why a send failed, and whether trying the same send later may pass. */
export interface SendFailure {
  /** One line, for the outbox's `lastError` and the logs. */
  message: string;
  /** False when the same request can only fail again (the outbox then gives up at once). */
  retryable: boolean;
}

/** `{ success: true }` for a delivery, or `{ success: false, error }` (the AI SDK's `ParseResult` shape). */
export type SendReading = { success: true } | { success: false; error: SendFailure };

/**
 * Per-recipient failures that may pass if tried later: a network failure,
 * and rate limiting (including a proof-required challenge, which signal-cli
 * reports as `RATE_LIMIT_FAILURE` with a token and `retryAfterSeconds`).
 */
const RETRYABLE_RESULTS = new Set(['NETWORK_FAILURE', 'RATE_LIMIT_FAILURE']);

/**
 * JSON-RPC error codes that say the request itself is wrong, so resending it
 * can only fail the same way: parse error, invalid request (signal-cli: the
 * params did not map), method not found, invalid params (signal-cli: for
 * example "Specified account does not exist").
 */
const PROTOCOL_ERRORS = new Set([-32700, -32600, -32601, -32602]);

/** signal-cli `USER_ERROR`: an unregistered recipient, an unknown group, not a member, an empty message. */
const USER_ERROR = -1;
/** signal-cli `UNTRUSTED_KEY_ERROR`: a recipient's safety number changed; only the owner can trust it (`signal-cli trust`). */
const UNTRUSTED_KEY_ERROR = -4;

/** signal-cli messages that name a failure no retry can fix, whatever the code. */
const PERMANENT_TEXT = /not registered|unregistered user|untrusted identit/i;

/** The entries of a `results` array that are objects; anything else is no entry. */
function entriesOf(results: unknown): SendResult[] {
  return Array.isArray(results)
    ? results.filter((entry): entry is SendResult => typeof entry === 'object' && entry !== null)
    : [];
}

function matches(result: SendResult, recipient: string): boolean {
  const address = result.recipientAddress;
  if (address === undefined) return false;
  return (
    address.number === recipient ||
    (typeof address.uuid === 'string' && address.uuid.toLowerCase() === recipient.toLowerCase())
  );
}

function describeResult(result: SendResult): string {
  const who = result.recipientAddress?.number ?? result.recipientAddress?.uuid ?? '?';
  return `${who}: ${result.type ?? 'unknown failure'}`;
}

/** Whether every failed entry is one a later try may fix. */
function allRetryable(failed: readonly SendResult[]): boolean {
  return failed.length > 0 && failed.every((result) => RETRYABLE_RESULTS.has(result.type ?? ''));
}

/**
 * Check `result.results` against what was sent: every person needs a
 * `SUCCESS` entry of their own, and every group at least one member with
 * `SUCCESS` (an unregistered or untrusted member is normal in a group).
 * Entries carry `groupId` for group members; without it (older signal-cli)
 * the entries no person claims count for the groups.
 * @param people - the numbers or UUIDs sent to
 * @param groupIds - the groups sent to
 * @param reported - `result.results` as received: missing, or not an array, is no confirmation
 * @returns a delivery, or the failure with its class
 */
export function readSendResults(
  people: readonly string[],
  groupIds: readonly string[],
  reported: unknown,
): SendReading {
  const results = entriesOf(reported);
  if (results.length === 0) {
    // Nothing confirms the message went out, and resending what may have gone out risks a duplicate.
    return {
      success: false,
      error: {
        message:
          'Signal daemon confirmed no recipient (result.results is missing or empty; signal-cli 0.10 or later reports one per recipient)',
        retryable: false,
      },
    };
  }
  const missing: string[] = [];
  const failed: SendResult[] = [];
  const own = (result: SendResult): boolean => people.some((person) => matches(result, person));
  for (const person of people) {
    const entries = results.filter((result) => (result.groupId ?? undefined) === undefined && matches(result, person));
    if (entries.length === 0) missing.push(person);
    else if (!entries.some((result) => result.type === 'SUCCESS')) failed.push(...entries);
  }
  for (const groupId of groupIds) {
    const entries = results.filter((result) =>
      (result.groupId ?? undefined) === undefined ? !own(result) : result.groupId === groupId,
    );
    if (entries.length === 0) missing.push(`group ${groupId}`);
    else if (!entries.some((result) => result.type === 'SUCCESS')) failed.push(...entries);
  }
  if (missing.length > 0) {
    return {
      success: false,
      error: { message: `Signal daemon reported no result for ${missing.join(', ')}`, retryable: false },
    };
  }
  if (failed.length > 0) {
    return {
      success: false,
      error: {
        message: `Signal send failed for ${failed.map(describeResult).join(', ')}`,
        retryable: allRetryable(failed),
      },
    };
  }
  return { success: true };
}

/**
 * Class a JSON-RPC error from `send`. signal-cli's codes
 * (`SignalJsonRpcCommandHandler`): -1 user error, -3 I/O error, -4 untrusted
 * key, -5 rate limit, -32603 for anything unexpected; an I/O failure while
 * sending (`UnexpectedErrorException`) also lands on -32603. When no
 * recipient got the message, signal-cli answers -1, -4 or -5 with the
 * per-recipient results in `data.response`.
 *
 * The choice, in order:
 * 1. the protocol codes (-32700, -32600, -32601, -32602) are permanent: the
 *    same request gets the same answer;
 * 2. with per-recipient results, retryable only when every failure is a
 *    network or rate-limit failure (so -1 "Failed to send message" over a
 *    network failure is retried, over an unregistered user it is not);
 * 3. a message naming an unregistered user or an untrusted identity is permanent;
 * 4. -1 (user error) and -4 (untrusted key) are permanent;
 * 5. the rest is retryable: -3 (I/O), -5 (rate limit), -32603 (internal,
 *    usually I/O) and codes steward does not know; the outbox's retry
 *    window bounds those.
 * @param error - the response's `error` object
 * @returns the failure with its class
 */
export function readRpcError(error: RpcError): SendFailure {
  const code = typeof error.code === 'number' ? error.code : undefined;
  const text = typeof error.message === 'string' && error.message !== '' ? error.message : 'JSON-RPC error';
  const results = entriesOf(error.data?.response?.results);
  const failed = results.filter((result) => result.type !== 'SUCCESS');
  const detail = failed.length > 0 ? `: ${failed.map(describeResult).join(', ')}` : '';
  const message = `Signal send failed: ${text} (code ${code ?? '?'})${detail}`;
  if (code !== undefined && PROTOCOL_ERRORS.has(code)) return { message, retryable: false };
  if (failed.length > 0) return { message, retryable: allRetryable(failed) };
  if (PERMANENT_TEXT.test(text)) return { message, retryable: false };
  if (code === USER_ERROR || code === UNTRUSTED_KEY_ERROR) return { message, retryable: false };
  return { message, retryable: true };
}
