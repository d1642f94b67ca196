import { createHash } from 'node:crypto';
import type { ImportBatch, ImportedConversation, ImportedMessage } from '../memory/importer.js';
import { DataFileError } from '../shared/errors.js';

/**
 * Plain transcripts, in Markdown or JSON (docs/data.md has examples):
 *
 * - Markdown: a `# ` heading starts a conversation (its title); a message
 *   starts with a `### <speaker> — <time>` heading (what `steward export
 *   --format markdown` writes) or with a `<speaker>: ` line (`**You:**`
 *   works too), and runs to the next one. `you`, `me`, `user`, `owner` and
 *   `human` are the owner; any other speaker is the other side.
 * - JSON: `{ "title", "messages": [...] }`, a bare array of messages, or
 *   `{ "conversations": [{ "id", "title", "messages" }] }`; a message is
 *   `{ "role": "user" | "assistant", "content" | "text", "speaker" | "name",
 *   "time" | "at" | "timestamp" | "created_at" }`.
 *
 * A conversation's external id is its `id`, or a hash of its title and
 * messages, so the same transcript imported twice adds nothing. A message
 * with no time is placed a second after the one before it, starting at the
 * file's modification time.
 */

const OWNER_NAMES = new Set(['you', 'me', 'user', 'owner', 'human', 'i']);

function roleOf(speaker: string): 'user' | 'assistant' {
  return OWNER_NAMES.has(speaker.trim().toLowerCase()) ? 'user' : 'assistant';
}

function contentId(title: string | null, messages: ReadonlyArray<{ speaker: string; text: string }>): string {
  const hash = createHash('sha256').update(title ?? '');
  for (const message of messages) hash.update(`\u0000${message.speaker}\u0000${message.text}`);
  return hash.digest('hex').slice(0, 24);
}

interface Draft {
  speaker: string;
  at: string | undefined;
  lines: string[];
  line: number;
}

const HEADING = /^###\s+(.+?)(?:\s+[—–-]\s+(\S.*?))?\s*$/;
const SPEAKER_LINE = /^\*{0,2}([\p{L}][\p{L}\p{N} ._'-]{0,40}?)\*{0,2}\s*:\*{0,2}\s+(.*)$/u;

function finish(file: string, title: string | null, drafts: Draft[], base: number): ImportedConversation | undefined {
  const messages: ImportedMessage[] = [];
  let previous = base;
  for (const draft of drafts) {
    const text = draft.lines.join('\n').trim();
    if (text === '') continue;
    let at = previous + 1000;
    if (draft.at !== undefined) {
      const parsed = Date.parse(draft.at.replace(/^(\d{4}-\d{2}-\d{2}) (\d)/, '$1T$2'));
      if (Number.isNaN(parsed)) throw new DataFileError(file, `"${draft.at}" is not a time`, `line ${draft.line}`);
      at = parsed;
    }
    previous = at;
    const speaker = draft.speaker.replace(/\s*\(.*\)\s*$/, '').trim() || 'unknown';
    messages.push({ role: roleOf(speaker), speaker: roleOf(speaker) === 'user' ? 'owner' : speaker, text, at });
  }
  if (messages.length === 0) return undefined;
  return { externalId: contentId(title, messages), title, messages };
}

/**
 * Read a Markdown transcript.
 * @param file - its path (for errors)
 * @param text - its content
 * @param base - epoch ms before the first message without a time (the file's modification time)
 * @returns the batch, source `transcript`
 * @throws DataFileError naming the line of a time that is not one, or when no message is found
 */
export function readMarkdownTranscript(file: string, text: string, base: number): ImportBatch {
  const conversations: ImportedConversation[] = [];
  let title: string | null = null;
  let drafts: Draft[] = [];
  let current: Draft | undefined;
  const flush = (): void => {
    const conversation = finish(file, title, drafts, base);
    if (conversation !== undefined) conversations.push(conversation);
    drafts = [];
    current = undefined;
  };
  const lines = text.split(/\r?\n/);
  // With "### speaker — time" headings, every other line is text; without them, "<speaker>: <text>" lines start messages.
  const headings = lines.some((line) => HEADING.test(line));
  lines.forEach((line, index) => {
    const number = index + 1;
    if (line.trim() === '---') return;
    if (/^#\s+/.test(line)) {
      flush();
      title = line.replace(/^#\s+/, '').trim();
      return;
    }
    const heading = headings ? HEADING.exec(line) : null;
    const spoken = headings ? null : SPEAKER_LINE.exec(line);
    if (heading !== null) {
      current = { speaker: heading[1] ?? '', at: heading[2], lines: [], line: number };
      drafts.push(current);
    } else if (spoken !== null) {
      current = { speaker: spoken[1] ?? '', at: undefined, lines: [spoken[2] ?? ''], line: number };
      drafts.push(current);
    } else if (current !== undefined) {
      current.lines.push(line);
    }
  });
  flush();
  if (conversations.length === 0)
    throw new DataFileError(
      file,
      'has no messages: use "### <speaker> — <time>" headings or "<speaker>: <text>" lines',
    );
  return { source: 'transcript', conversations };
}

interface JsonMessage {
  role?: unknown;
  content?: unknown;
  text?: unknown;
  speaker?: unknown;
  name?: unknown;
  time?: unknown;
  at?: unknown;
  timestamp?: unknown;
  created_at?: unknown;
}

/**
 * Read a JSON transcript.
 * @param file - its path (for errors)
 * @param value - its parsed JSON
 * @param base - epoch ms before the first message without a time
 * @returns the batch, source `transcript`
 * @throws DataFileError naming the field that cannot be read (`conversations[0].messages[3].role`)
 */
export function readJsonTranscript(file: string, value: unknown, base: number): ImportBatch {
  const list: Array<{ id?: unknown; title?: unknown; messages?: unknown }> = Array.isArray(value)
    ? [{ messages: value }]
    : typeof value === 'object' && value !== null && Array.isArray((value as { conversations?: unknown }).conversations)
      ? (value as { conversations: Array<{ id?: unknown; title?: unknown; messages?: unknown }> }).conversations
      : [value as { id?: unknown; title?: unknown; messages?: unknown }];
  const conversations: ImportedConversation[] = [];
  list.forEach((conversation, index) => {
    const where = Array.isArray((value as { conversations?: unknown }).conversations) ? `conversations[${index}]` : '';
    if (!Array.isArray(conversation.messages))
      throw new DataFileError(file, 'has no "messages" array', where === '' ? 'messages' : `${where}.messages`);
    const title = typeof conversation.title === 'string' ? conversation.title : null;
    let previous = base;
    const messages: ImportedMessage[] = (conversation.messages as JsonMessage[]).map((message, position) => {
      const field = `${where === '' ? '' : `${where}.`}messages[${position}]`;
      const text = message.content ?? message.text;
      if (typeof text !== 'string' || text.trim() === '')
        throw new DataFileError(file, 'has no text ("content" or "text")', field);
      const named = message.speaker ?? message.name;
      if (message.role !== undefined && message.role !== 'user' && message.role !== 'assistant')
        throw new DataFileError(
          file,
          `role is ${JSON.stringify(message.role)}, not "user" or "assistant"`,
          `${field}.role`,
        );
      const role = message.role ?? (typeof named === 'string' ? roleOf(named) : undefined);
      if (role !== 'user' && role !== 'assistant') throw new DataFileError(file, 'has no "role" or "speaker"', field);
      const time = message.time ?? message.at ?? message.timestamp ?? message.created_at;
      let at = previous + 1000;
      if (time !== undefined && time !== null) {
        at =
          typeof time === 'number'
            ? time < 1e11
              ? time * 1000
              : time
            : typeof time === 'string'
              ? Date.parse(time)
              : Number.NaN;
        if (Number.isNaN(at)) throw new DataFileError(file, `${JSON.stringify(time)} is not a time`, `${field}.time`);
      }
      previous = at;
      const speaker =
        typeof named === 'string' && named.trim() !== '' ? named : role === 'user' ? 'owner' : 'assistant';
      return { role, speaker, text, at };
    });
    if (messages.length === 0) return;
    const externalId =
      typeof conversation.id === 'string' || typeof conversation.id === 'number'
        ? String(conversation.id)
        : contentId(title, messages);
    conversations.push({ externalId, title, messages });
  });
  if (conversations.length === 0) throw new DataFileError(file, 'has no messages');
  return { source: 'transcript', conversations };
}
