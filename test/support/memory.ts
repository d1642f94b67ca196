import type { Database } from '../../src/shared/database.js';
import { echoReply, lastText, systemText, type ChatRequest, type ScriptedReply } from './openai-server.js';

/** Is this request the fact extractor's (prompts/extract-facts.md)? */
export function isExtraction(request: ChatRequest): boolean {
  return systemText(request).includes('list facts about the owner');
}

/** Is this request the episode summarizer's (prompts/summarize-episode.md)? */
export function isSummary(request: ChatRequest): boolean {
  return systemText(request).includes('Summarize the conversation below as one episode');
}

/** Is this an owner's chat turn (the agent's system prompt)? */
export function isChatTurn(request: ChatRequest): boolean {
  return systemText(request).startsWith('You are steward, a private personal assistant');
}

/** A fact the scripted extractor finds in a message. */
export interface ScriptedFact {
  category: string;
  key: string;
  value: string;
  confidence: number;
}

/** Options of {@link memoryModel}. */
export interface MemoryModelOptions {
  /** Model name in echo replies. */
  model: string;
  /** Facts found in an owner's message (default: none). */
  facts?: (message: string) => ScriptedFact[];
  /** The summary of a transcript (default: a fixed summary that quotes the first owner line). */
  summary?: (transcript: string) => Record<string, unknown>;
  /** Chat turns (default: echo). */
  chat?: (request: ChatRequest) => ScriptedReply;
}

/**
 * A scripted local model that plays the three roles steward gives it:
 * the chat agent (echo by default), the fact extractor and the episode
 * summarizer, each answering with JSON as the prompts ask.
 * @param options - what each role answers
 */
export function memoryModel(options: MemoryModelOptions): (request: ChatRequest) => ScriptedReply {
  const chat = options.chat ?? echoReply(options.model);
  return (request) => {
    if (isExtraction(request)) return { content: JSON.stringify({ facts: options.facts?.(lastText(request)) ?? [] }) };
    if (isSummary(request)) {
      const transcript = lastText(request);
      const first = /owner \([^)]*\): (.*)/.exec(transcript)?.[1] ?? '';
      const summary = options.summary?.(transcript) ?? {
        summary: `The owner talked about: ${first}`,
        topics: ['testing'],
        sentiment: 'positive',
        actions: [],
        followups: ['check the marathon plan'],
      };
      return { content: '```json\n' + JSON.stringify(summary) + '\n```' };
    }
    return chat(request);
  };
}

/** The full text (system prompt and every message) of a request. */
export function promptText(request: ChatRequest): string {
  return request.messages
    .map((message) =>
      typeof message.content === 'string'
        ? message.content
        : (message.content ?? []).map((part) => part.text ?? '').join(''),
    )
    .join('\n');
}

/**
 * Store `count` old messages straight into the database ("old note N about
 * gardening topic N % 50", outside any session, dated 2026-11-01), in one
 * transaction: a large memory to embed, index or convert, without a turn each.
 * @param database - the steward's database
 * @param count - how many messages
 */
export function insertOldNotes(database: Database, count: number): void {
  const insert = database.prepare(
    "INSERT INTO messages (session_id, channel, sender, role, text, created_at, meta) VALUES (NULL, 'repl', 'owner', 'user', ?, '2026-11-01T00:00:00.000Z', '{}')",
  );
  database.transaction(() => {
    for (let index = 0; index < count; index += 1) insert.run(`old note ${index} about gardening topic ${index % 50}`);
  })();
}
