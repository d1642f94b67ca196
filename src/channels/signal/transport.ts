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

/** What the owner answers to get the rest of a long reply (see {@link capParts}). */
export const MORE_COMMAND = 'more';

/**
 * Split a text for Signal into at most `maxParts` messages. When it needs
 * more, the last message ends with a note of how much is left and how to
 * get it, and the rest is returned (issue 10, item 7: a 1 MB reply went out
 * as 184 Signal messages).
 * @param text - the whole text
 * @param maxParts - the most messages to send now (`limits.signalReplyParts`)
 * @param limit - maximum characters per message
 * @returns the parts to send now, and the text left for "more" (empty when none is)
 */
export function capParts(
  text: string,
  maxParts: number,
  limit = SIGNAL_MESSAGE_LIMIT,
): { parts: string[]; rest: string } {
  const all = splitMessage(text, limit);
  if (all.length <= maxParts) return { parts: all, rest: '' };
  const kept = all.slice(0, maxParts);
  let rest = all.slice(maxParts).join('\n\n');
  const noteFor = (left: number): string => `\n\n(${left} more characters: answer "${MORE_COMMAND}" for the rest)`;
  // Room for the note (its length with a generous count), taken from the end of the last part.
  const room = limit - noteFor(text.length).length;
  const last = kept[kept.length - 1] ?? '';
  if (last.length > room) {
    const [head, ...tail] = splitMessage(last, room);
    kept[kept.length - 1] = head ?? '';
    rest = [...tail, rest].join('\n\n');
  }
  kept[kept.length - 1] += noteFor(rest.length);
  return { parts: kept, rest };
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
