/**
 * The interface both Signal back ends implement: the signal-cli JSON-RPC HTTP
 * daemon (`signal-cli -a +NUM daemon --http 127.0.0.1:8080`) and
 * bbernhard/signal-cli-rest-api.
 */

/** Result of a Signal health check. */
export interface SignalHealth {
  /** Whether the service answered as healthy. */
  ok: boolean;
  /** What was checked and what came back, one line. */
  detail: string;
}

/** A way to reach Signal. */
export interface SignalTransport {
  /** `jsonrpc` or `rest`. */
  readonly api: 'jsonrpc' | 'rest';
  /**
   * Send one text message.
   * @param recipients - E.164 numbers or UUIDs
   * @param text - the message (at most {@link SIGNAL_MESSAGE_LIMIT} characters)
   * @throws DeliveryError when the service refuses, errors, or reports a failure for any recipient
   */
  send(recipients: readonly string[], text: string): Promise<void>;
  /** Check that the service is up; never throws. */
  check(): Promise<SignalHealth>;
}

/** Longest text sent as one Signal message; longer texts are split. */
export const SIGNAL_MESSAGE_LIMIT = 4000;

/**
 * Split a text into parts of at most `limit` characters, at paragraph, line
 * or word boundaries where possible. Parts after the first are not numbered;
 * they arrive in order.
 * @param text - the whole text
 * @param limit - maximum characters per part
 * @returns one or more parts
 */
export function splitMessage(text: string, limit = SIGNAL_MESSAGE_LIMIT): string[] {
  const parts: string[] = [];
  let rest = text.trim();
  while (rest.length > limit) {
    const window = rest.slice(0, limit + 1);
    let cut = window.lastIndexOf('\n\n');
    if (cut < limit / 2) cut = window.lastIndexOf('\n');
    if (cut < limit / 2) cut = window.lastIndexOf(' ');
    if (cut < limit / 2) cut = limit;
    parts.push(rest.slice(0, cut).trimEnd());
    rest = rest.slice(cut).trimStart();
  }
  if (rest !== '') parts.push(rest);
  return parts;
}
