import type { Database } from '../shared/database.js';
import type { MemoryRef } from './embedding-store.js';
import { statement } from './statements.js';
import { contentWords } from './text.js';

/** The most terms a recall query sends to FTS5. */
const MAX_TERMS = 16;

/**
 * An FTS5 MATCH expression for a free-text query: its content words
 * (stopwords dropped), each quoted so that no word is read as FTS5 syntax,
 * joined by OR so that any of them may match; BM25 ranks the rows that
 * match more, and rarer, words first.
 * @param text - the owner's message
 * @returns the expression, or undefined when the text has no content words
 */
export function ftsQuery(text: string): string | undefined {
  const terms = [...new Set(contentWords(text))].slice(0, MAX_TERMS);
  if (terms.length === 0) return undefined;
  return terms.map((term) => `"${term.replace(/"/g, '""')}"`).join(' OR ');
}

/** One lexical hit. */
export interface LexicalHit {
  /** The memory. */
  ref: MemoryRef;
  /** FTS5 `bm25()` (lower is better; negative). */
  bm25: number;
}

/** Filters of {@link bm25Search}. */
export interface LexicalFilter {
  /** Leave out this session's messages (they are in the prompt already). */
  excludeSessionId?: number | undefined;
}

/**
 * BM25 search (FTS5's `bm25()`, Robertson & Zaragoza's Okapi BM25) over
 * messages, episodes and current facts, as one list ordered by score.
 * Command lines, command replies, errors and outbound briefings are left out, as are
 * superseded and forgotten facts.
 * @param database - the database
 * @param match - an FTS5 expression from {@link ftsQuery}
 * @param limit - how many hits per kind
 * @param filter - what to leave out
 * @returns hits, best first
 */
export function bm25Search(database: Database, match: string, limit: number, filter: LexicalFilter = {}): LexicalHit[] {
  const session = filter.excludeSessionId ?? -1;
  const messages = statement<[string, number, number], { id: number; score: number }>(
    database,
    `SELECT m.id, bm25(messages_fts) AS score FROM messages_fts JOIN messages m ON m.id = messages_fts.rowid
       WHERE messages_fts MATCH ? AND coalesce(m.session_id, -2) != ?
         AND coalesce(json_extract(m.meta, '$.kind'), '') NOT IN ('error', 'cancelled', 'outbound', 'command')
         AND json_extract(m.meta, '$.command') IS NULL
       ORDER BY score LIMIT ?`,
  ).all(match, session, limit);
  const episodes = statement<[string, number], { id: number; score: number }>(
    database,
    'SELECT rowid AS id, bm25(episodes_fts, 1.0, 0.6, 0.6) AS score FROM episodes_fts WHERE episodes_fts MATCH ? ORDER BY score LIMIT ?',
  ).all(match, limit);
  const facts = statement<[string, number], { id: number; score: number }>(
    database,
    `SELECT f.id, bm25(facts_fts, 1.0, 1.0) AS score FROM facts_fts JOIN facts f ON f.id = facts_fts.rowid
       WHERE facts_fts MATCH ? AND f.valid_to IS NULL ORDER BY score LIMIT ?`,
  ).all(match, limit);
  return [
    ...messages.map((row): LexicalHit => ({ ref: { type: 'message', id: row.id }, bm25: row.score })),
    ...episodes.map((row): LexicalHit => ({ ref: { type: 'episode', id: row.id }, bm25: row.score })),
    ...facts.map((row): LexicalHit => ({ ref: { type: 'fact', id: row.id }, bm25: row.score })),
  ].sort((left, right) => left.bm25 - right.bm25);
}
