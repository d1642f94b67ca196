import { DateTime } from 'luxon';
import {
  HIGHLIGHT,
  type HistoryMessage,
  type HistoryStore,
  type MessageHit,
  type SessionSummary,
} from '../memory/history.js';
import { formatDuration } from '../scheduler/catch-up.js';
import type { Colors } from '../shared/colors.js';
import { NotFoundError, UsageError } from '../shared/errors.js';

/**
 * Past conversations as text, for `steward history` and the REPL's
 * `/history` and `/search`: one line per session, search hits with the
 * matched words highlighted (bold on a colour terminal, `*word*` otherwise),
 * and one conversation in full.
 */

/** How the text is written. */
export interface HistoryTextOptions {
  /** Colours (the identity off a terminal). */
  colors: Colors;
  /** The owner's IANA zone: times are shown in it. */
  timeZone: string;
}

/**
 * An instant as the owner's local `YYYY-MM-DD HH:mm`.
 * @param iso - ISO-8601 instant
 * @param timeZone - IANA zone
 */
export function localTime(iso: string, timeZone: string): string {
  return DateTime.fromISO(iso, { zone: timeZone }).toFormat('yyyy-MM-dd HH:mm');
}

function oneLine(text: string, width: number): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length <= width ? line : `${line.slice(0, width - 1)}…`;
}

/**
 * A snippet with its matched words marked: bold yellow on a colour terminal, `*word*` otherwise.
 * @param snippet - FTS5's snippet with {@link HIGHLIGHT} markers
 * @param colors - colours, or the identity
 * @param plain - true to write `*word*` (no terminal)
 */
export function markHighlights(snippet: string, colors: Colors, plain: boolean): string {
  const pattern = new RegExp(`${HIGHLIGHT.open}([^${HIGHLIGHT.close}]*)${HIGHLIGHT.close}`, 'g');
  return snippet
    .replace(pattern, (_match, word: string) => (plain ? `*${word}*` : colors.bold(colors.yellow(word))))
    .replace(/\s+/g, ' ');
}

/**
 * The length of a session in words: `12 messages, 14 min`.
 * @param session - the session
 */
export function describeLength(session: SessionSummary): string {
  const span = Date.parse(session.lastActivityAt) - Date.parse(session.startedAt);
  const messages = `${session.messages} message${session.messages === 1 ? '' : 's'}`;
  return span >= 60_000 ? `${messages}, ${formatDuration(span)}` : messages;
}

/**
 * One line per session: id, local start, channel, length, and the episode's summary (else the title or the first message).
 * @param sessions - newest first
 * @param options - colours and zone
 * @param total - how many sessions there are in all (to say how to see more)
 */
export function formatSessionList(sessions: SessionSummary[], options: HistoryTextOptions, total: number): string {
  const { colors, timeZone } = options;
  if (sessions.length === 0) return 'No conversations yet.';
  const lines = sessions.map((session) => {
    const about = session.summary ?? session.title ?? session.firstMessage ?? '(no summary yet)';
    const head = `#${session.id}  ${localTime(session.startedAt, timeZone)}  ${session.channel}  ${describeLength(session)}`;
    return `${colors.bold(head)}\n    ${oneLine(about, 110)}`;
  });
  const more =
    total > sessions.length
      ? `\n${colors.dim(`${sessions.length} of ${total} conversations; "steward history --limit N" for more, "steward history show <id>" for one.`)}`
      : '';
  return lines.join('\n') + more;
}

/**
 * Search hits, each with its session and a highlighted snippet.
 * @param words - what was searched for
 * @param hits - best first
 * @param options - colours and zone
 * @param plain - true when the output is no terminal (`*word*` marks)
 */
export function formatSearchHits(
  words: string,
  hits: MessageHit[],
  options: HistoryTextOptions,
  plain: boolean,
): string {
  const { colors, timeZone } = options;
  if (hits.length === 0) return `No message matches "${words}".`;
  const lines = hits.map((hit) => {
    const where =
      hit.session === null
        ? 'outside a conversation'
        : `session #${hit.session.id} (${hit.session.channel}${hit.session.title === null ? '' : `: ${oneLine(hit.session.title, 40)}`})`;
    const who = hit.message.role === 'user' ? 'you' : hit.message.sender === 'steward' ? 'steward' : hit.message.sender;
    return `${colors.dim(`${localTime(hit.message.createdAt, timeZone)}  ${where}  ${who}:`)}\n    ${markHighlights(hit.snippet, colors, plain)}`;
  });
  return `${hits.length} message${hits.length === 1 ? '' : 's'} for "${words}":\n${lines.join('\n')}`;
}

/**
 * Who wrote a message, and with what: `you`, `steward (local-fast, qwen2.5-7b)`.
 * @param message - the message
 */
export function authorOf(message: HistoryMessage): string {
  if (message.role === 'user') return message.meta.kind === 'imported' ? message.sender : 'you';
  if (message.meta.kind === 'imported') return message.sender;
  const provider = typeof message.meta.provider === 'string' ? message.meta.provider : undefined;
  const parts = [provider, message.model ?? undefined].filter((part): part is string => part !== undefined);
  return parts.length === 0 ? 'steward' : `steward (${parts.join(', ')})`;
}

/**
 * One conversation in full.
 * @param session - its summary
 * @param messages - its messages in time order
 * @param options - colours and zone
 */
export function formatSession(
  session: SessionSummary,
  messages: HistoryMessage[],
  options: HistoryTextOptions,
): string {
  const { colors, timeZone } = options;
  const head = [
    colors.bold(
      `#${session.id}  ${session.title ?? ''}${session.title === null ? '' : '  '}${localTime(session.startedAt, timeZone)}  ${session.channel}  ${describeLength(session)}`,
    ),
  ];
  if (session.summary !== null) head.push(colors.dim(`summary: ${session.summary}`));
  const body = messages.map(
    (message) => `${colors.dim(`[${localTime(message.createdAt, timeZone)}] ${authorOf(message)}:`)}\n${message.text}`,
  );
  return [...head, '', body.join('\n\n')].join('\n');
}

/**
 * Which session the owner means: `12`, `#12`, or `last`.
 * @param history - the history
 * @param reference - as typed
 * @returns the session id
 * @throws UsageError for anything else; NotFoundError when there is no such session
 */
export function resolveSession(history: HistoryStore, reference: string): number {
  const text = reference.trim().toLowerCase();
  if (text === 'last' || text === 'latest') {
    const last = history.sessions({ limit: 1 })[0];
    if (last === undefined) throw new NotFoundError('conversation', reference, []);
    return last.id;
  }
  const match = /^#?(\d+)$/.exec(text);
  if (match === null)
    throw new UsageError(
      `"${reference}" is not a session: give its number (#12) or "last".`,
      'steward history show <session>',
    );
  const id = Number(match[1]);
  if (history.session(id) === undefined) {
    const recent = history.sessions({ limit: 5 }).map((session) => `#${session.id}`);
    throw new NotFoundError('conversation', `#${id}`, [], recent);
  }
  return id;
}
