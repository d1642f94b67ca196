import { z } from 'zod';
import { InvalidImportError } from '../shared/errors.js';
import type { Database } from '../shared/database.js';
import type { ConversationStore } from './conversations.js';

/** One message of an imported conversation. */
export interface ImportedMessage {
  /** `user`: the owner said it; `assistant`: the other side (an assistant's answer, another speaker). */
  role: 'user' | 'assistant';
  /** Who said it, as the source names them (`Caroline`, `ChatGPT`); stored as the message's sender. */
  speaker: string;
  /** What was said (not blank). */
  text: string;
  /** When it was said: a `Date`, an ISO-8601 text or epoch milliseconds. */
  at: Date | string | number;
}

/** One conversation to import: it becomes one session, ended at its last message. */
export interface ImportedConversation {
  /** The source's own id of the conversation; with the batch's source it is the idempotency key. */
  externalId: string;
  /** Its title, when the source has one (ChatGPT does). */
  title?: string | null | undefined;
  /** Who the session is with (default: the first assistant-side speaker, else the source). */
  peer?: string | undefined;
  /** Its messages; stored in time order (a stable sort, so equal times keep their order). */
  messages: readonly ImportedMessage[];
}

/** A batch of conversations from one source, written in one transaction. */
export interface ImportBatch {
  /** Where they come from, lower case: `chatgpt`, `transcript`, `locomo`; the sessions' channel. */
  source: string;
  /** The conversations. */
  conversations: readonly ImportedConversation[];
}

/** What became of one conversation of a batch. */
export interface ImportedSession {
  /** Its external id. */
  externalId: string;
  /** The session that holds it (the earlier one when it was there already). */
  sessionId: number;
  /** Whether this batch added it (false: it was imported before, and nothing was written). */
  added: boolean;
}

/** What {@link importConversations} did. */
export interface ImportResult {
  /** Conversations added. */
  added: number;
  /** Conversations skipped because they were imported before (same source and external id). */
  skipped: number;
  /** Conversations with no messages, not stored. */
  empty: number;
  /** Messages added. */
  messages: number;
  /** Each stored or found conversation, in batch order. */
  sessions: ImportedSession[];
}

const messageSchema = z.object({
  role: z.enum(['user', 'assistant']),
  speaker: z.string().trim().min(1, 'has no speaker').max(200),
  text: z.string().refine((text) => text.trim() !== '', 'is blank'),
  at: z.union([z.date(), z.string(), z.number()]).transform((value, context) => {
    const date = value instanceof Date ? value : new Date(value);
    if (Number.isNaN(date.getTime())) {
      context.addIssue({ code: 'custom', message: `is not a date (${JSON.stringify(value)})` });
      return z.NEVER;
    }
    return date;
  }),
});

const conversationSchema = z.object({
  externalId: z.string().trim().min(1, 'has no external id').max(500),
  title: z.string().nullish(),
  peer: z.string().trim().min(1).max(200).optional(),
  messages: z.array(messageSchema),
});

const sourceSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,39}$/, 'must be a lower-case name such as "chatgpt" or "transcript"');

/**
 * Check a batch before anything is written.
 * @throws InvalidImportError naming the first bad conversation and value
 */
function parseBatch(batch: ImportBatch): { source: string; conversations: z.infer<typeof conversationSchema>[] } {
  const source = sourceSchema.safeParse(batch.source);
  if (!source.success)
    throw new InvalidImportError(`import: the source ${source.error.issues[0]?.message ?? 'is invalid'}`, {
      conversation: '',
      field: 'source',
    });
  const conversations = batch.conversations.map((conversation, position) => {
    const parsed = conversationSchema.safeParse(conversation);
    if (parsed.success) return parsed.data;
    const issue = parsed.error.issues[0];
    const name =
      typeof conversation.externalId === 'string' && conversation.externalId.trim() !== ''
        ? conversation.externalId
        : `#${position + 1}`;
    const path = issue?.path.join('.') ?? '';
    const where = /^messages\.(\d+)/.exec(path);
    const what = where === null ? path : `message ${Number(where[1]) + 1}${path.slice(where[0].length)}`;
    throw new InvalidImportError(
      `import: conversation ${name}: ${what === '' ? '' : `${what} `}${issue?.message ?? 'is invalid'}; nothing was imported`,
      { conversation: name, field: path },
    );
  });
  return { source: source.data, conversations };
}

/**
 * Import past conversations (a ChatGPT export, a transcript, a benchmark's
 * dialogues) as sessions and messages with their original times, through
 * the same table and triggers as a turn's messages: FTS5 indexes them, the
 * embedding queue gets a job for each (drained in the background), and each
 * session, ended at its last message, waits for its episode like any
 * finished conversation. Imported messages carry `meta.kind = "imported"`
 * and `meta.source`; no facts are extracted from them.
 *
 * Idempotent by import key (`<source>:<externalId>`, the idempotency-key
 * pattern of the outbox): a conversation imported before is skipped, so
 * importing the same file twice adds nothing. The batch is one `BEGIN
 * IMMEDIATE` transaction: all of it is written, or none.
 *
 * @param database - the open, migrated database
 * @param conversations - the conversation log
 * @param batch - the source and its conversations
 * @returns counts, and the session of each conversation
 * @throws InvalidImportError when the batch is malformed (checked before anything is written)
 * @throws SqliteError if the database fails (the batch is rolled back)
 */
export function importConversations(
  database: Database,
  conversations: ConversationStore,
  batch: ImportBatch,
): ImportResult {
  const { source, conversations: parsed } = parseBatch(batch);
  const result: ImportResult = { added: 0, skipped: 0, empty: 0, messages: 0, sessions: [] };
  database
    .transaction(() => {
      for (const conversation of parsed) {
        const importKey = `${source}:${conversation.externalId}`;
        const existing = conversations.importedSession(importKey);
        if (existing !== undefined) {
          result.skipped += 1;
          result.sessions.push({ externalId: conversation.externalId, sessionId: existing, added: false });
          continue;
        }
        if (conversation.messages.length === 0) {
          result.empty += 1;
          continue;
        }
        const messages = conversation.messages
          .map((message, order) => ({ ...message, order }))
          .sort((left, right) => left.at.getTime() - right.at.getTime() || left.order - right.order);
        const first = messages[0] as (typeof messages)[number];
        const last = messages[messages.length - 1] as (typeof messages)[number];
        const peer = conversation.peer ?? messages.find((message) => message.role === 'assistant')?.speaker ?? source;
        const sessionId = conversations.startSession(source, peer, {
          at: first.at,
          title: conversation.title ?? null,
          importKey,
        });
        for (const message of messages)
          conversations.record(
            {
              sessionId,
              channel: source,
              sender: message.speaker,
              role: message.role,
              text: message.text,
              meta: { kind: 'imported', source },
            },
            message.at,
          );
        conversations.endSession(sessionId, last.at);
        result.added += 1;
        result.messages += messages.length;
        result.sessions.push({ externalId: conversation.externalId, sessionId, added: true });
      }
    })
    .immediate();
  return result;
}
