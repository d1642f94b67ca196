import { z } from 'zod';

/**
 * Parse one `receive` event from signal-cli into a result, never trusting
 * its shape. signal-cli writes `{account, envelope, exception?}` (its
 * `JsonReceiveMessageHandler`) on the JSON-RPC daemon's SSE stream and, via
 * signal-cli-rest-api, on the json-rpc mode websocket; a JSON-RPC
 * notification wrapping it in `{method: "receive", params}` is accepted too.
 * The result shape is the Vercel AI SDK's `ParseResult`.
 */

/** A text message someone sent to the assistant's number. */
export interface SignalInbound {
  /** Who sent it, as the reply goes back: the E.164 number, or the UUID when the number is hidden. */
  sender: string;
  /** The sender's E.164 number, when signal-cli knows it. */
  senderNumber: string | null;
  /** The sender's Signal UUID, when signal-cli knows it. */
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

/** `{ success: true, value }` or `{ success: false, error }` with a one-line reason. */
export type ReceiveParseResult = { success: true; value: ReceivedKind } | { success: false; error: string };

const nullableText = z.string().nullish();

const dataMessageSchema = z.object({
  message: nullableText,
  groupInfo: z.object({ groupId: z.string().min(1) }).nullish(),
  reaction: z.unknown().optional(),
  remoteDelete: z.unknown().optional(),
  attachments: z.array(z.unknown()).nullish(),
  sticker: z.unknown().optional(),
});

const envelopeSchema = z.object({
  source: nullableText,
  sourceNumber: nullableText,
  sourceUuid: nullableText,
  sourceName: nullableText,
  timestamp: z.number().int().nonnegative(),
  dataMessage: dataMessageSchema.nullish(),
  editMessage: z.unknown().optional(),
  syncMessage: z.unknown().optional(),
  typingMessage: z.unknown().optional(),
  receiptMessage: z.unknown().optional(),
  callMessage: z.unknown().optional(),
  storyMessage: z.unknown().optional(),
});

const eventSchema = z.object({
  account: nullableText,
  envelope: envelopeSchema.optional(),
  exception: z.object({ message: nullableText, type: nullableText }).nullish(),
});

const E164 = /^\+[1-9]\d{6,14}$/;

function present(value: string | null | undefined): string | null {
  return value === undefined || value === null || value.trim() === '' ? null : value.trim();
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

/**
 * Parse the data of one receive event.
 * @param data - the event's JSON text, as it came off the wire
 * @returns a message, another kind of event, or why it could not be read
 */
export function parseReceiveEvent(data: string): ReceiveParseResult {
  let json: unknown;
  try {
    json = JSON.parse(data);
  } catch (error) {
    return { success: false, error: `not JSON (${error instanceof Error ? error.message : String(error)})` };
  }
  if (typeof json === 'object' && json !== null && 'method' in json && 'params' in json) {
    const method = (json as { method: unknown }).method;
    if (method !== 'receive')
      return { success: true, value: { kind: 'other', what: `JSON-RPC notification ${String(method)}`, sender: null } };
    json = (json as { params: unknown }).params;
  }
  if (typeof json === 'object' && json !== null && 'error' in json && !('envelope' in json)) {
    const reported = json.error;
    return {
      success: false,
      error: `the server reported an error: ${typeof reported === 'string' ? reported : JSON.stringify(reported)}`,
    };
  }
  const parsed = eventSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return {
      success: false,
      error: `unexpected shape: ${issue === undefined ? 'invalid' : `${issue.path.join('.') || 'event'} ${issue.message}`}`,
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
  const senderNumber =
    present(envelope.sourceNumber) ?? (E164.test(envelope.source ?? '') ? present(envelope.source) : null);
  const senderUuid = present(envelope.sourceUuid) ?? (senderNumber === null ? present(envelope.source) : null);
  const sender = senderNumber ?? senderUuid;
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
  if (sender === null) return { success: false, error: 'a message without a sender' };
  return {
    success: true,
    value: {
      kind: 'message',
      message: {
        sender,
        senderNumber,
        senderUuid,
        senderName: present(envelope.sourceName),
        timestamp: envelope.timestamp,
        text,
        groupId: envelope.dataMessage.groupInfo?.groupId ?? null,
        account: present(account),
        idempotencyKey: `signal:${senderUuid ?? senderNumber ?? sender}:${envelope.timestamp}`,
      },
    },
  };
}
