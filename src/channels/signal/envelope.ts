import { z } from 'zod';

/**
 * Parse one `receive` event from signal-cli into a result, never trusting
 * its shape. signal-cli writes `{account, envelope, exception?}` (its
 * `JsonReceiveMessageHandler`) on the JSON-RPC daemon's SSE stream and, via
 * signal-cli-rest-api, on the json-rpc mode websocket; a JSON-RPC
 * notification wrapping it in `{method: "receive", params}` is accepted too.
 * The envelope's fields are those of signal-cli's `JsonMessageEnvelope` and
 * `JsonDataMessage` (always-present fields may be null: a sender with a
 * hidden number has `sourceNumber: null`). Every field is checked for its
 * range as well as its type: the timestamp is chosen by the sender's phone,
 * and one of 9e15 (past JavaScript's last date) once stopped all receiving.
 * The result shape is the Vercel AI SDK's `ParseResult`.
 */

/** A sender as the envelope names them: either part may be missing. */
export interface SignalIdentity {
  /** The E.164 number, when signal-cli knows it (null when the sender hides it). */
  number: string | null;
  /** The Signal UUID (ACI), lower case, when signal-cli knows it. */
  uuid: string | null;
}

/** A text message someone sent to the assistant's number. */
export interface SignalInbound {
  /** Who sent it, as the reply goes back: the E.164 number, or the UUID when the number is hidden. */
  sender: string;
  /** The sender's E.164 number, when signal-cli knows it. */
  senderNumber: string | null;
  /** The sender's Signal UUID (lower case), when signal-cli knows it. */
  senderUuid: string | null;
  /** The sender's profile name, if any (for logs only). */
  senderName: string | null;
  /** The sender's timestamp of the message, in ms since the epoch (Signal's message id per sender). */
  timestamp: number;
  /** The text. */
  text: string;
  /** The group it was sent in, or null for a direct message. */
  groupId: string | null;
  /** The account it arrived on, when the event says. */
  account: string | null;
  /** Unique per message and sender, stable across redeliveries: `signal:<sender uuid or number>:<timestamp>`. */
  idempotencyKey: string;
}

/** What one event turned out to be. */
export type ReceivedKind =
  /** A text message to act on (after the allowlist). */
  | { kind: 'message'; message: SignalInbound }
  /** Anything else (receipts, typing, sync, reactions, attachments without text, decryption failures): `what` says which. */
  | { kind: 'other'; what: string; sender: string | null };

/**
 * `{ success: true, value }`, or `{ success: false, error, identity }` with a
 * one-line reason and the sender when the envelope names one in a valid form
 * (so that a stranger's malformed event is ignored like any other of theirs).
 */
export type ReceiveParseResult =
  | { success: true; value: ReceivedKind }
  | { success: false; error: string; identity: SignalIdentity | null; timestamp: number | null };

/** The earliest envelope timestamp taken: 2010-01-01 (Signal began in 2014), in ms since the epoch. */
export const MIN_SIGNAL_TIMESTAMP = Date.UTC(2010, 0, 1);
/** The latest envelope timestamp taken: 2100-01-01, in ms since the epoch. */
export const MAX_SIGNAL_TIMESTAMP = Date.UTC(2100, 0, 1);

const E164 = /^\+[1-9]\d{6,14}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** signal-cli's group ids are base64 of 32 bytes (v2 groups) or 16 bytes (v1); the REST API's `group.` form is longer. */
const GROUP_ID = /^[A-Za-z0-9+/=_.-]{1,128}$/;

const timestamp = z
  .number()
  .int()
  .min(MIN_SIGNAL_TIMESTAMP, 'is before 2010')
  .max(MAX_SIGNAL_TIMESTAMP, 'is after 2100');
const count = z
  .number()
  .int()
  .min(0)
  .max(2 ** 31 - 1);
/** An optional free text of at most `max` characters (a name, an exception message). */
const shortText = (max: number): z.ZodType<string | null | undefined> => z.string().max(max).nullish();
const number = z.string().regex(E164, 'is not an E.164 number').nullish();
const uuid = z.string().regex(UUID, 'is not a UUID').nullish();
/** The account an event arrived on (signal-cli's `m.getSelfNumber()`; an ACI since v0.14.6's `?account=`). */
const account = z
  .string()
  .refine((value) => E164.test(value) || UUID.test(value), 'is neither an E.164 number nor a UUID')
  .nullish();

const dataMessageSchema = z.object({
  timestamp: timestamp.nullish(),
  message: z.string().nullish(),
  expiresInSeconds: count.nullish(),
  viewOnce: z.boolean().nullish(),
  groupInfo: z
    .object({
      groupId: z.string().regex(GROUP_ID, 'is not a group id'),
      groupName: shortText(1024),
      revision: count.nullish(),
      type: shortText(32),
    })
    .nullish(),
  reaction: z.unknown().optional(),
  remoteDelete: z.unknown().optional(),
  attachments: z.array(z.unknown()).max(100).nullish(),
  mentions: z.array(z.unknown()).max(1000).nullish(),
  sticker: z.unknown().optional(),
});

const envelopeSchema = z.object({
  /** Deprecated: the number if known, else the UUID (signal-cli `getLegacyIdentifier()`); only read for its form. */
  source: shortText(128),
  sourceNumber: number,
  sourceUuid: uuid,
  sourceName: shortText(1024),
  sourceDevice: z
    .number()
    .int()
    .min(0)
    .max(2 ** 31 - 1)
    .nullish(),
  timestamp,
  serverReceivedTimestamp: timestamp.nullish(),
  serverDeliveredTimestamp: timestamp.nullish(),
  dataMessage: dataMessageSchema.nullish(),
  editMessage: z.unknown().optional(),
  syncMessage: z.unknown().optional(),
  typingMessage: z.unknown().optional(),
  receiptMessage: z.unknown().optional(),
  callMessage: z.unknown().optional(),
  storyMessage: z.unknown().optional(),
});

const eventSchema = z.object({
  account,
  envelope: envelopeSchema.optional(),
  exception: z.object({ message: shortText(4096), type: shortText(1024) }).nullish(),
});

function present(value: string | null | undefined): string | null {
  return value === undefined || value === null || value.trim() === '' ? null : value.trim();
}

/**
 * The sender an envelope names, read leniently: only values of a valid form
 * are taken, whatever else in the event is wrong.
 * @param envelope - the `envelope` object of an event, not yet checked
 * @returns the number and UUID (lower case), or null when neither is there in a valid form
 */
export function identityOf(envelope: unknown): SignalIdentity | null {
  if (typeof envelope !== 'object' || envelope === null) return null;
  const fields = envelope as Record<string, unknown>;
  const text = (key: string): string => (typeof fields[key] === 'string' ? fields[key].trim() : '');
  const legacy = text('source');
  const numberValue = E164.test(text('sourceNumber')) ? text('sourceNumber') : E164.test(legacy) ? legacy : null;
  const uuidValue = UUID.test(text('sourceUuid')) ? text('sourceUuid') : UUID.test(legacy) ? legacy : null;
  if (numberValue === null && uuidValue === null) return null;
  return { number: numberValue, uuid: uuidValue?.toLowerCase() ?? null };
}

function otherKind(envelope: z.output<typeof envelopeSchema>): string {
  if (envelope.syncMessage !== undefined) return 'sync message';
  if (envelope.typingMessage !== undefined) return 'typing indicator';
  if (envelope.receiptMessage !== undefined) return 'receipt';
  if (envelope.callMessage !== undefined) return 'call';
  if (envelope.storyMessage !== undefined) return 'story';
  if (envelope.editMessage !== undefined) return 'edit of an earlier message';
  const data = envelope.dataMessage;
  if (data?.reaction !== undefined) return 'reaction';
  if (data?.remoteDelete !== undefined) return 'deletion';
  if ((data?.attachments?.length ?? 0) > 0 || data?.sticker !== undefined) return 'attachment without text';
  return 'envelope without a text message';
}

/** The event's envelope timestamp when it is a number in range, for the failed-event record. */
function usableTimestamp(envelope: unknown): number | null {
  if (typeof envelope !== 'object' || envelope === null) return null;
  const value = (envelope as Record<string, unknown>).timestamp;
  return typeof value === 'number' && Number.isSafeInteger(value) ? value : null;
}

/**
 * Parse the data of one receive event.
 * @param data - the event's JSON text, as it came off the wire
 * @returns a message, another kind of event, or why it could not be read (with the sender, when valid)
 */
export function parseReceiveEvent(data: string): ReceiveParseResult {
  let json: unknown;
  try {
    json = JSON.parse(data);
  } catch (error) {
    const reason = `not JSON (${error instanceof Error ? error.message.slice(0, 80) : 'unreadable'})`;
    return { success: false, error: reason, identity: null, timestamp: null };
  }
  if (typeof json === 'object' && json !== null && 'method' in json && 'params' in json) {
    const method = (json as { method: unknown }).method;
    if (method !== 'receive')
      return {
        success: true,
        value: { kind: 'other', what: `JSON-RPC notification ${String(method).slice(0, 64)}`, sender: null },
      };
    json = (json as { params: unknown }).params;
  }
  if (typeof json === 'object' && json !== null && 'error' in json && !('envelope' in json)) {
    const reported = json.error;
    const text = typeof reported === 'string' ? reported : JSON.stringify(reported);
    return {
      success: false,
      error: `the server reported an error: ${text.slice(0, 200)}`,
      identity: null,
      timestamp: null,
    };
  }
  const rawEnvelope = typeof json === 'object' && json !== null ? (json as { envelope?: unknown }).envelope : undefined;
  const parsed = eventSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue === undefined ? 'event' : issue.path.join('.') || 'event';
    return {
      success: false,
      error: `unexpected shape: ${where} ${issue?.message ?? 'invalid'}`,
      identity: identityOf(rawEnvelope),
      timestamp: usableTimestamp(rawEnvelope),
    };
  }
  const { envelope, exception, account } = parsed.data;
  if (envelope === undefined) {
    const reason =
      exception === undefined || exception === null
        ? 'an event without an envelope'
        : `signal-cli could not read a message: ${exception.message ?? exception.type ?? 'unknown error'}`;
    return { success: true, value: { kind: 'other', what: reason, sender: null } };
  }
  const identity = identityOf(envelope);
  const sender = identity === null ? null : (identity.number ?? identity.uuid);
  if (exception !== undefined && exception !== null) {
    return {
      success: true,
      value: {
        kind: 'other',
        what: `signal-cli could not read a message: ${exception.message ?? exception.type ?? 'unknown error'}`,
        sender,
      },
    };
  }
  const text = present(envelope.dataMessage?.message);
  if (envelope.dataMessage === undefined || envelope.dataMessage === null || text === null) {
    return { success: true, value: { kind: 'other', what: otherKind(envelope), sender } };
  }
  if (identity === null || sender === null)
    return { success: false, error: 'a message without a sender', identity: null, timestamp: envelope.timestamp };
  return {
    success: true,
    value: {
      kind: 'message',
      message: {
        sender,
        senderNumber: identity.number,
        senderUuid: identity.uuid,
        senderName: present(envelope.sourceName),
        timestamp: envelope.timestamp,
        text,
        groupId: envelope.dataMessage.groupInfo?.groupId ?? null,
        account: present(account),
        idempotencyKey: `signal:${identity.uuid ?? identity.number ?? sender}:${envelope.timestamp}`,
      },
    },
  };
}
