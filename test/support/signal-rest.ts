/**
 * What bbernhard/signal-cli-rest-api answers to `POST /v2/send`, by mode and
 * version, read in its source at tag `0.100` (2026-06-11, the latest release)
 * and at HEAD `a08db23a`: `src/api/api.go` `SendV2`, `src/client/client.go`
 * `send`/`SendV2`, `src/client/cli.go` `Execute`, `src/client/jsonrpc2.go`.
 */

/** Which way the REST API runs signal-cli (`MODE`, `src/main.go`). */
export type RestMode = 'normal' | 'json-rpc';

/**
 * Which release: `0.100`, or `head` (after it: commit 6a225e62 "fixed bug in
 * send endpoint", which runs normal mode with `--output json` and puts the
 * per-recipient failures of a 201 in `errors.recipients`).
 */
export type RestVersion = '0.100' | 'head';

/** One recipient's outcome, as signal-cli reports it (`JsonSendMessageResult.type`). */
export interface RecipientOutcome {
  /** The number. */
  number: string;
  /** `SUCCESS`, `NETWORK_FAILURE`, `UNREGISTERED_FAILURE`, `IDENTITY_FAILURE`, `RATE_LIMIT_FAILURE`. */
  type: string;
}

/** signal-cli's plain-text line for a failed recipient (`SendMessageResultUtils.getErrorMessageFromSendMessageResult`). */
function plainLine(outcome: RecipientOutcome): string {
  switch (outcome.type) {
    case 'NETWORK_FAILURE':
      return `Network failure for "${outcome.number}"`;
    case 'RATE_LIMIT_FAILURE':
      return `Rate limit failure for "${outcome.number}"`;
    case 'UNREGISTERED_FAILURE':
      return `Unregistered user "${outcome.number}"`;
    default:
      return `Untrusted Identity for "${outcome.number}"`;
  }
}

/**
 * The REST API's answer to a send whose recipients had these outcomes (none
 * rate limited, none untrusted: those have their own answers):
 *
 * - all SUCCESS: 201 `{"timestamp": "<string>"}`;
 * - some failed, some not:
 *   - 0.100 normal mode: signal-cli prints "Failed to send (some) messages:", the failures and
 *     the timestamp and exits 0; the REST API cannot parse that as a timestamp and answers
 *     400 with it, line breaks removed (`client.go` `send`);
 *   - 0.100 json-rpc mode: 201 `{timestamp}`, the failures unsaid;
 *   - head: 201 `{timestamp, errors: {recipients: [{number, reason}]}}`;
 * - all failed: signal-cli exits 1 with "Failed to send message" (error code -1):
 *   - json-rpc mode: 400 `{"error": "Failed to send message"}` (`jsonrpc2.go`: only the error's message);
 *   - normal mode: 400 with stdout and stderr joined (`cli.go` `Execute`): at 0.100 the plain
 *     lines, at head the JSON result line, then "Failed to send message".
 */
export function restSendAnswer(
  mode: RestMode,
  version: RestVersion,
  outcomes: readonly RecipientOutcome[],
  timestamp: number,
): { status: number; body: Record<string, unknown> } {
  const failed = outcomes.filter((outcome) => outcome.type !== 'SUCCESS');
  if (failed.length === 0) return { status: 201, body: { timestamp: String(timestamp) } };
  const anySuccess = failed.length < outcomes.length;
  const plain = `Failed to send (some) messages:\n${failed.map(plainLine).join('\n')}\n${timestamp}\n`;
  const jsonLine = JSON.stringify({
    timestamp,
    results: outcomes.map((outcome) => ({
      recipientAddress: { uuid: null, number: outcome.number },
      type: outcome.type,
    })),
  });
  if (anySuccess) {
    if (version === 'head')
      return {
        status: 201,
        body: {
          timestamp: String(timestamp),
          errors: { recipients: failed.map((outcome) => ({ number: outcome.number, reason: outcome.type })) },
        },
      };
    if (mode === 'json-rpc') return { status: 201, body: { timestamp: String(timestamp) } };
    return { status: 400, body: { error: plain.replace(/\n/g, '') } };
  }
  if (mode === 'json-rpc') return { status: 400, body: { error: 'Failed to send message' } };
  const stdout = version === 'head' ? `${jsonLine}\n` : plain;
  return { status: 400, body: { error: `${stdout}Failed to send message\n` } };
}

/**
 * `GET /v1/about` (`api.go` `About`): the API versions, the mode (`json-rpc-native` reports
 * `json-rpc`) and the build; no signal-cli version.
 */
export function restAbout(mode: RestMode): Record<string, unknown> {
  return {
    versions: ['v1', 'v2'],
    build: 2,
    mode,
    version: '0.100',
    capabilities: { 'v2/send': ['quotes', 'mentions'] },
  };
}
