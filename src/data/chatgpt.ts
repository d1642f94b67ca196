import type { ImportBatch, ImportedConversation, ImportedMessage } from '../memory/importer.js';
import { DataFileError } from '../shared/errors.js';

/**
 * A ChatGPT data export's `conversations.json` (Settings → Data controls →
 * Export data; the format as described in mitkury/chatgpt-export-parser,
 * docs/chatgpt-data-export-format.md): an array of conversations, each
 * `{ id | conversation_id, title, create_time (Unix seconds), mapping,
 * current_node }`. `mapping` is a tree of nodes `{ message, parent,
 * children }`: edits and regenerations are branches, and `current_node` is
 * the leaf of the branch the owner last saw. That branch is read, from the
 * root down. A message is `{ author: { role }, create_time, content: {
 * content_type, parts } }`: the text parts of `user` and `assistant`
 * messages are kept; system prompts, tool calls and results, and messages
 * hidden from the conversation are left out.
 */

interface ChatGptNode {
  message?: {
    author?: { role?: string; name?: string | null };
    create_time?: number | null;
    content?: { content_type?: string; parts?: unknown[]; text?: string };
    metadata?: { is_visually_hidden_from_conversation?: boolean };
    recipient?: string;
  } | null;
  parent?: string | null;
  children?: string[];
}

interface ChatGptConversation {
  id?: string;
  conversation_id?: string;
  title?: string | null;
  create_time?: number | null;
  current_node?: string | null;
  mapping?: Record<string, ChatGptNode>;
}

/**
 * Whether a parsed JSON value looks like `conversations.json` (an array of objects with a `mapping`).
 * @param value - any JSON value
 */
export function isChatGptExport(value: unknown): boolean {
  return (
    Array.isArray(value) &&
    value.length > 0 &&
    value.every((item) => typeof item === 'object' && item !== null && 'mapping' in item)
  );
}

function textOf(node: ChatGptNode): string {
  const content = node.message?.content;
  if (content === undefined) return '';
  if (typeof content.text === 'string') return content.text;
  if (content.content_type !== 'text' && content.content_type !== 'multimodal_text') return '';
  return (content.parts ?? [])
    .filter((part): part is string => typeof part === 'string')
    .join('\n')
    .trim();
}

/** The branch ending at `current_node` (or the newest leaf), root first. */
function branch(conversation: ChatGptConversation): ChatGptNode[] {
  const mapping = conversation.mapping ?? {};
  let leaf = conversation.current_node ?? undefined;
  if (leaf === undefined || mapping[leaf] === undefined) {
    leaf = Object.keys(mapping).find((key) => (mapping[key]?.children ?? []).length === 0);
  }
  const nodes: ChatGptNode[] = [];
  const seen = new Set<string>();
  while (leaf !== undefined && !seen.has(leaf)) {
    seen.add(leaf);
    const node = mapping[leaf];
    if (node === undefined) break;
    nodes.push(node);
    leaf = node.parent ?? undefined;
  }
  return nodes.reverse();
}

/**
 * Read a parsed `conversations.json` into a batch for the memory import API.
 * @param file - the file's path (for errors)
 * @param value - its parsed JSON
 * @returns the batch: source `chatgpt`, each conversation by its id, messages with their times
 * @throws DataFileError naming the conversation (by position) and field that cannot be read
 */
export function readChatGptExport(file: string, value: unknown): ImportBatch {
  if (!isChatGptExport(value))
    throw new DataFileError(file, 'is not a ChatGPT conversations.json (an array of conversations with a "mapping")');
  const conversations: ImportedConversation[] = (value as ChatGptConversation[]).map((conversation, index) => {
    const where = `conversation ${index + 1}`;
    const externalId = conversation.conversation_id ?? conversation.id;
    if (typeof externalId !== 'string' || externalId === '')
      throw new DataFileError(file, 'has no "id" or "conversation_id"', where);
    if (typeof conversation.mapping !== 'object' || conversation.mapping === null)
      throw new DataFileError(file, '"mapping" is not an object', `${where} (${externalId})`);
    const start = typeof conversation.create_time === 'number' ? conversation.create_time : undefined;
    let last = start ?? 0;
    const messages: ImportedMessage[] = [];
    for (const node of branch(conversation)) {
      const role = node.message?.author?.role;
      if (role !== 'user' && role !== 'assistant') continue;
      if (node.message?.metadata?.is_visually_hidden_from_conversation === true) continue;
      if (role === 'assistant' && node.message?.recipient !== undefined && node.message.recipient !== 'all') continue;
      const text = textOf(node);
      if (text === '') continue;
      const time = node.message?.create_time;
      if (time !== undefined && time !== null && (typeof time !== 'number' || !Number.isFinite(time)))
        throw new DataFileError(
          file,
          `a message's create_time is ${JSON.stringify(time)}, not Unix seconds`,
          `${where} (${externalId})`,
        );
      if (typeof time === 'number') last = time;
      messages.push({
        role,
        speaker: role === 'user' ? 'owner' : 'ChatGPT',
        text,
        at: Math.round(last * 1000),
      });
    }
    return { externalId, title: conversation.title ?? null, peer: 'ChatGPT', messages };
  });
  return { source: 'chatgpt', conversations };
}
