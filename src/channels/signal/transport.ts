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
  /** The signal-cli version it reported, when it did. */
  version?: string;
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
  /**
   * Check that the service is up; never throws.
   * @returns whether it answered as healthy, and what was checked and what came back, one line
   */
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

/** Prefix of a group address in the outbox and in {@link SignalTransport.send}: `group:<groupId>`. */
export const GROUP_ADDRESS_PREFIX = 'group:';

/**
 * The address of a Signal group, as the outbox stores it.
 * @param groupId - the group id as signal-cli reports it (`groupInfo.groupId`, base64)
 * @returns `group:<groupId>`
 */
export function groupAddress(groupId: string): string {
  return `${GROUP_ADDRESS_PREFIX}${groupId}`;
}

/**
 * Split recipients into people (E.164 numbers or UUIDs) and groups.
 * @param recipients - addresses, groups as `group:<groupId>`
 * @returns the people and the group ids
 */
export function splitRecipients(recipients: readonly string[]): { people: string[]; groupIds: string[] } {
  const people: string[] = [];
  const groupIds: string[] = [];
  for (const recipient of recipients) {
    if (recipient.startsWith(GROUP_ADDRESS_PREFIX)) groupIds.push(recipient.slice(GROUP_ADDRESS_PREFIX.length));
    else people.push(recipient);
  }
  return { people, groupIds };
}

/** One event from a receive stream, before it is parsed. */
export interface ReceivedEvent {
  /**
   * The stream's event id (SSE `id:`), used as the resume cursor; undefined when the stream has
   * none, as neither signal-cli (its events have no `id:` line) nor the REST API gives one.
   */
  id: string | undefined;
  /** The raw JSON text: `{envelope, account}` as signal-cli writes it. */
  data: string;
}

/** What {@link SignalEventSource.listen} reports to the receive loop. */
export interface ListenOptions {
  /** Aborts the connection (stop, or the idle watchdog). */
  signal: AbortSignal;
  /**
   * The last event id handled, if the stream had ids. signal-cli keeps nothing to resume from, so
   * its source does not send it; what arrives while steward is away waits on the Signal server
   * (`--receive-mode on-connection`).
   */
  cursor: string | undefined;
  /** The connection is open and the server accepted it. */
  onOpen(): void;
  /** Any sign of life: data, a keep-alive comment, a pong. */
  onAlive(): void;
  /**
   * One event, in order. The stream waits for it before reading on.
   * @param event - the event's id (the resume cursor) and raw JSON text
   * @returns nothing, or a promise the stream waits for before reading on
   */
  onEvent(event: ReceivedEvent): void | Promise<void>;
}

/**
 * One way to receive Signal messages as a stream: the signal-cli JSON-RPC
 * daemon's SSE stream (`GET /api/v1/events`) or the signal-cli-rest-api
 * websocket (`/v1/receive/{number}` in json-rpc mode). A source only
 * connects and reads; the receive loop owns reconnecting and backoff.
 */
export interface SignalEventSource {
  /** `jsonrpc` or `rest`. */
  readonly api: 'jsonrpc' | 'rest';
  /** What it connects to, for logs and `steward health`. */
  readonly endpoint: string;
  /**
   * Connect and hand every event to `onEvent` until the server ends the
   * stream (resolves) or the connection fails (rejects).
   * @param options - the abort signal, the resume cursor, and the `onOpen`, `onAlive` and `onEvent` callbacks
   * @returns a promise that resolves when the server ends the stream, or at once when the signal is already aborted
   * @throws SignalReceiveError classed `fatal` (fix the setup), `rate-limited` or `transient`
   */
  listen(options: ListenOptions): Promise<void>;
}
