import { z } from 'zod';
import { httpUrl, signalAddress } from './fields.js';

/** `signal`: the signal-cli endpoint, the owner's numbers, who may talk to steward, and the receive stream. */
export const signalSchema = z.strictObject({
  url: httpUrl
    .nullable()
    .describe('Base URL of the signal-cli HTTP daemon or of signal-cli-rest-api; null = Signal off.'),
  api: z
    .enum(['jsonrpc', 'rest'])
    .describe('jsonrpc = signal-cli daemon --http; rest = bbernhard/signal-cli-rest-api.'),
  account: signalAddress.nullable().describe("The assistant's own Signal number."),
  to: z.array(signalAddress).describe("The owner's numbers: briefings go there and only they may talk to steward."),
  timeoutMs: z.number().int().positive().describe('Timeout of one Signal HTTP request, in ms.'),
  allowFrom: z
    .array(signalAddress)
    .describe(
      'More senders (E.164 numbers or Signal UUIDs) who may talk to steward, besides signal.to. Anyone else is ignored and logged.',
    ),
  allowGroups: z
    .array(z.string().min(1))
    .describe(
      'Signal group ids (as signal-cli reports them in groupInfo.groupId) whose messages from allowed senders are answered, in the group. Other group messages are ignored.',
    ),
  receive: z.strictObject({
    enabled: z
      .boolean()
      .describe('Receive messages in the daemon (the JSON-RPC SSE stream or the REST API websocket) and answer them.'),
    backoffMs: z
      .array(z.number().int().positive())
      .min(1)
      .describe(
        'Wait before each reconnect after the receive stream fails, in ms; the last one repeats. Reset once a connection opens.',
      ),
    connectTimeoutMs: z
      .number()
      .int()
      .positive()
      .describe(
        "How long to wait for the receive stream's response headers (or the websocket handshake), in ms. Keep it above signal-cli's 15 s keep-alive: before v0.14.4 signal-cli sends no headers until its first event or keep-alive.",
      ),
    idleTimeoutMs: z
      .number()
      .int()
      .positive()
      .describe(
        'A receive stream with no data, keep-alive or pong for this long is taken as dead and reconnected, in ms (signal-cli sends a keep-alive every 15 s).',
      ),
  }),
});
