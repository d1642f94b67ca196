import type { Database } from '../shared/database.js';
import type { MemoryRef, OwnerType } from './embedding-store.js';
import { statement } from './statements.js';

/**
 * The text steward embeds and shows for each kind of memory: a message's
 * text (an imported one as `<speaker>: <text>`, as its FTS5 index reads it
 * through the `message_texts` view); an episode's summary with its topics and follow-ups; a current
 * fact as `key: value` (a note, whose key is made up, as its value alone). Retired and superseded facts have none (they are
 * never recalled).
 */

/** A memory's text and when it happened. */
export interface MemoryText {
  /** The owner. */
  ref: MemoryRef;
  /** What is embedded and shown. */
  text: string;
  /** ISO instant: when the message was written, the episode ended, the fact became valid. */
  at: string;
  /** The session of a message or an episode; null for facts and messages outside a session. */
  sessionId: number | null;
  /** An episode summarized with no model (it holds only its session's own words). */
  heuristic: boolean;
}

interface Row {
  id: number;
  text: string;
  at: string;
  session_id: number | null;
  heuristic: number;
}

const QUERIES: Record<OwnerType, string> = {
  message: `SELECT id, CASE WHEN json_extract(meta, '$.kind') = 'imported' THEN sender || ': ' || text ELSE text END AS text,
      created_at AS at, session_id, 0 AS heuristic FROM messages WHERE id IN (SELECT value FROM json_each(?))`,
  episode: `SELECT id, summary
      || CASE WHEN topics <> '[]' THEN ' Topics: ' || (SELECT group_concat(value, ', ') FROM json_each(topics)) || '.' ELSE '' END
      || CASE WHEN followups <> '[]' THEN ' Follow-ups: ' || (SELECT group_concat(value, '; ') FROM json_each(followups)) || '.' ELSE '' END AS text,
      ended AS at, session_id, method = 'heuristic' AS heuristic FROM episodes WHERE id IN (SELECT value FROM json_each(?))`,
  fact: `SELECT id, CASE WHEN key LIKE 'note: %' THEN value ELSE key || ': ' || value END AS text, valid_from AS at, NULL AS session_id, 0 AS heuristic FROM facts WHERE valid_to IS NULL AND id IN (SELECT value FROM json_each(?))`,
};

/**
 * Load the texts of some memories. Missing ones (deleted messages, retired
 * facts) are left out of the map.
 * @param database - the database
 * @param refs - the memories
 * @returns texts keyed by `type:id`
 */
export function loadMemoryTexts(database: Database, refs: readonly MemoryRef[]): Map<string, MemoryText> {
  const found = new Map<string, MemoryText>();
  for (const type of ['message', 'episode', 'fact'] as const) {
    const ids = refs.filter((ref) => ref.type === type).map((ref) => ref.id);
    if (ids.length === 0) continue;
    for (const row of statement<[string], Row>(database, QUERIES[type]).all(JSON.stringify(ids))) {
      found.set(`${type}:${row.id}`, {
        ref: { type, id: row.id },
        text: row.text,
        at: row.at,
        sessionId: row.session_id,
        heuristic: row.heuristic === 1,
      });
    }
  }
  return found;
}

/**
 * `type:id`, the key of a memory in maps.
 * @param ref - the memory
 */
export function refKey(ref: MemoryRef): string {
  return `${ref.type}:${ref.id}`;
}
