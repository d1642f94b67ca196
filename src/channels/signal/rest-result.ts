/**
 * Reading signal-cli-rest-api's answer to `POST /v2/send`
 * (bbernhard/signal-cli-rest-api `src/api/api.go` `SendV2`, `src/client/client.go`),
 * which differs by release and `MODE`:
 * - 201 `{timestamp}`: sent; since the release after 0.100 (commit 6a225e62) a 201 can
 *   carry `errors.recipients: [{number?, uuid?, username?, reason}]`, the recipients it
 *   did not reach, with signal-cli's result type as the reason;
 * - 400 with signal-cli's words: in json-rpc mode only the error's message ("Failed to send
 *   message" for a network failure to every recipient); in normal mode signal-cli's output,
 *   either its plain lines ("Failed to send (some) messages:", then `Network failure for "+1…"`
 *   per recipient, up to 0.100, even when some recipients did get the message) or its JSON
 *   result line (after 0.100), then "Failed to send message";
 * - 429 for rate limiting in json-rpc mode, with challenge tokens.
 */

/** Why a send failed, and whether the same send may pass later. */
export interface RestSendFailure {
  /** One line. */
  message: string;
  /** False when the same request can only fail again. */
  retryable: boolean;
}

/** signal-cli result types a later try may fix (`JsonSendMessageResult.type`). */
const RETRYABLE_TYPES = new Set(['NETWORK_FAILURE', 'RATE_LIMIT_FAILURE']);

/** signal-cli's plain-text failure lines (`SendMessageResultUtils.getErrorMessageFromSendMessageResult`), as result types. */
const PLAIN_FAILURES: ReadonlyArray<[RegExp, string]> = [
  [/Network failure for "([^"]+)"/g, 'NETWORK_FAILURE'],
  [/Rate limit failure for "([^"]+)"/g, 'RATE_LIMIT_FAILURE'],
  [/Unregistered user "([^"]+)"/g, 'UNREGISTERED_FAILURE'],
  [/Untrusted Identity for "([^"]+)"/g, 'IDENTITY_FAILURE'],
  [/CAPTCHA proof required for sending to "([^"]+)"/g, 'RATE_LIMIT_FAILURE'],
];

/**
 * Text of a REST API 400 that names a failure a later try may fix. The REST
 * API answers 400 with signal-cli's words for every failed send, transient
 * ones included: in json-rpc mode a network failure to the recipient is only
 * "Failed to send message" (signal-cli's -1, whose per-recipient results the
 * REST API drops), and a timeout, an I/O error or a rate limit say so.
 */
const TRANSIENT_TEXT =
  /^Failed to send message\s*$|timed out|timeout reached|network failure|IOException|SocketException|connection (refused|reset|closed)|rate limit/i;

/** Whose delivery failed, and how, from the recipients of a 201 or the text of a 400. */
function failuresOf(text: string): Array<{ who: string; type: string }> {
  const failures: Array<{ who: string; type: string }> = [];
  for (const [pattern, type] of PLAIN_FAILURES)
    for (const match of text.matchAll(pattern)) failures.push({ who: match[1] ?? '?', type });
  // After 0.100, normal mode puts signal-cli's JSON result line before "Failed to send message".
  for (const line of text.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      const parsed = JSON.parse(line) as {
        results?: Array<{ recipientAddress?: { number?: string | null; uuid?: string | null }; type?: string }>;
      };
      for (const result of parsed.results ?? [])
        if (result.type !== undefined && result.type !== 'SUCCESS')
          failures.push({
            who: result.recipientAddress?.number ?? result.recipientAddress?.uuid ?? '?',
            type: result.type,
          });
    } catch (error) {
      if (!(error instanceof SyntaxError)) throw error;
    }
  }
  return failures;
}

function described(failures: ReadonlyArray<{ who: string; type: string }>): string {
  return failures.map((failure) => `${failure.who}: ${failure.type}`).join(', ');
}

/**
 * The recipients a 201 did not reach (`errors.recipients`, after 0.100).
 * @param body - the 201's body
 * @returns the failure, or undefined when every recipient got the message
 */
export function readRestCreated(body: unknown): RestSendFailure | undefined {
  const errors = body !== null && typeof body === 'object' ? (body as { errors?: unknown }).errors : undefined;
  const recipients =
    errors !== null && typeof errors === 'object' ? (errors as { recipients?: unknown }).recipients : undefined;
  if (!Array.isArray(recipients) || recipients.length === 0) return undefined;
  const failures = recipients.map((entry: unknown) => {
    const record = (entry ?? {}) as { number?: unknown; uuid?: unknown; username?: unknown; reason?: unknown };
    const who = [record.number, record.uuid, record.username].find((value) => typeof value === 'string');
    return {
      who: typeof who === 'string' ? who : '?',
      type: typeof record.reason === 'string' ? record.reason : 'unknown',
    };
  });
  return {
    message: `Signal send failed for ${described(failures)} (the REST API answered 201 for the others)`,
    retryable: failures.every((failure) => RETRYABLE_TYPES.has(failure.type)),
  };
}

/**
 * Whether a failed send (not 201) may pass later: 429 and 5xx yes; a 400 when
 * signal-cli's words name only network or rate-limit failures, or a transient
 * cause (see {@link TRANSIENT_TEXT}); any other status no.
 * @param status - the HTTP status
 * @param reason - the body's `error`, if any
 * @returns whether to retry, and the failed recipients named in the text
 */
export function readRestRefusal(status: number, reason: string | undefined): { retryable: boolean; detail: string } {
  const failures = reason === undefined ? [] : failuresOf(reason);
  const detail = failures.length === 0 ? '' : described(failures);
  if (status === 429 || status >= 500) return { retryable: true, detail };
  if (status !== 400 || reason === undefined) return { retryable: false, detail };
  if (failures.length > 0) return { retryable: failures.every((failure) => RETRYABLE_TYPES.has(failure.type)), detail };
  return { retryable: TRANSIENT_TEXT.test(reason.trim()), detail };
}
