import type { HistoryMessage, SessionSummary } from '../memory/history.js';

/**
 * Conversations as Markdown (`steward export --format markdown`): one `# `
 * section per conversation with its channel, times and summary, then one
 * `### <who> — <time>` heading per message; a reply's heading names the
 * provider, model and tier that wrote it. The transcript importer reads
 * this layout back (`transcript.ts`).
 */

function speaker(message: HistoryMessage): string {
  if (message.meta.kind === 'imported') return message.sender;
  if (message.role === 'user') return 'you';
  const details = [
    typeof message.meta.provider === 'string' ? message.meta.provider : undefined,
    message.model ?? undefined,
    typeof message.meta.tier === 'string' ? `${message.meta.tier} tier` : undefined,
  ].filter((part): part is string => part !== undefined);
  return details.length === 0 ? 'steward' : `steward (${details.join(', ')})`;
}

/**
 * One conversation as Markdown.
 * @param session - its summary
 * @param messages - its messages, in time order
 * @returns the section, ending in a newline
 */
export function conversationMarkdown(session: SessionSummary, messages: readonly HistoryMessage[]): string {
  const title = session.title ?? `Conversation #${session.id}`;
  const lines = [`# ${title.replace(/\s+/g, ' ')}`, ''];
  lines.push(`- session: #${session.id}`, `- channel: ${session.channel}`, `- started: ${session.startedAt}`);
  if (session.endedAt !== null) lines.push(`- ended: ${session.endedAt}`);
  if (session.summary !== null) lines.push(`- summary: ${session.summary.replace(/\s+/g, ' ')}`);
  for (const message of messages) lines.push('', `### ${speaker(message)} — ${message.createdAt}`, '', message.text);
  return `${lines.join('\n')}\n`;
}

/**
 * Many conversations as one Markdown document, separated by rules.
 * @param conversations - each session with its messages, in the order to write them
 */
export function conversationsMarkdown(
  conversations: ReadonlyArray<{ session: SessionSummary; messages: readonly HistoryMessage[] }>,
): string {
  return conversations.map(({ session, messages }) => conversationMarkdown(session, messages)).join('\n---\n\n');
}
