import type { Database } from '../shared/database.js';
import type { DataProgress } from '../plugins/api.js';
import type { ExportedFact, ExportedMessage, ParsedExportDocument } from './json-format.js';

/**
 * Write the core records of a steward export (sessions, messages,
 * episodes, facts with their history, model turns) into a database. Runs
 * inside the caller's transaction.
 *
 * Two ways, chosen by the caller:
 *
 * - into an empty database (a new data directory), everything is written
 *   as it was, ids included, and the database takes the export's database
 *   id: it becomes the same database, and an export of it is the same
 *   document;
 * - into a database with records of its own, each session is keyed
 *   (`sessions.import_key`: its own import key, or
 *   `steward:<database id>:session:<id>`), new rows get new ids and every
 *   reference is mapped; a session already here gets only the messages it
 *   lacks (same time, role and text), a fact already here (same key, value
 *   and start) is not added again, and a current fact that meets a
 *   different current value of its key is ordered by time: the later one
 *   supersedes the earlier, as a contradicting fact does.
 *
 * Either way, importing the same document twice adds nothing.
 */

/** Counts of core records added, by kind. */
export interface CoreImportCounts {
  /** Sessions. */
  sessions: number;
  /** Messages. */
  messages: number;
  /** Episodes. */
  episodes: number;
  /** Facts (every value a key had). */
  facts: number;
  /** Fact audit entries. */
  factAudit: number;
  /** Model turns. */
  turns: number;
}

/**
 * Whether the core tables hold nothing the owner made (sessions, messages, facts, episodes).
 * @param database - the migrated database
 */
export function coreIsEmpty(database: Database): boolean {
  const row = database
    .prepare<[], { n: number }>(
      'SELECT (SELECT count(*) FROM sessions) + (SELECT count(*) FROM messages) + (SELECT count(*) FROM facts) + (SELECT count(*) FROM episodes) AS n',
    )
    .get();
  return (row?.n ?? 0) === 0;
}

function mapped(map: Map<number, number>, id: number | null): number | null {
  return id === null ? null : (map.get(id) ?? null);
}

/** What {@link importCoreRecords} is told. */
export interface CoreImportOptions {
  /** Write rows with their own ids and take the document's database id (the database is empty). */
  asSameDatabase: boolean;
  /** The document was exported from this database: a session with its id is that session. */
  ownDatabase?: boolean | undefined;
  /** Progress over the messages. */
  onProgress?: DataProgress | undefined;
}

/**
 * Write the core records of a parsed export (see the file comment).
 * @param database - the migrated database, inside the caller's transaction
 * @param document - the checked document
 * @param options - whether to write it as the same database, progress
 * @returns what was added
 * @throws SqliteError when a row cannot be written (the caller's transaction rolls back)
 */
export function importCoreRecords(
  database: Database,
  document: ParsedExportDocument,
  options: CoreImportOptions,
): CoreImportCounts {
  const counts: CoreImportCounts = { sessions: 0, messages: 0, episodes: 0, facts: 0, factAudit: 0, turns: 0 };
  const same = options.asSameDatabase;
  if (same) database.prepare("UPDATE memory_state SET value = ? WHERE key = 'database_id'").run(document.databaseId);
  const origin = `steward:${document.databaseId}`;
  const sessionIds = new Map<number, number>();
  const newSessions = new Set<number>();
  const messageIds = new Map<number, number>();
  const factIds = new Map<number, number>();
  const explicitId = (id: number): number | null => (same ? id : null);

  const findSession = database.prepare<[string], { id: number }>('SELECT id FROM sessions WHERE import_key = ?');
  const insertSession = database.prepare(
    `INSERT INTO sessions (id, channel, peer, started_at, last_activity_at, ended_at, summarized_at, title, import_key)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const sessionById = database.prepare<[number], { id: number }>('SELECT id FROM sessions WHERE id = ?');
  for (const session of document.sessions) {
    if (options.ownDatabase === true && !same && sessionById.get(session.id) !== undefined) {
      sessionIds.set(session.id, session.id);
      continue;
    }
    const key = same ? session.importKey : (session.importKey ?? `${origin}:session:${session.id}`);
    const existing = key === null || same ? undefined : findSession.get(key)?.id;
    if (existing !== undefined) {
      sessionIds.set(session.id, existing);
      continue;
    }
    const result = insertSession.run(
      explicitId(session.id),
      session.channel,
      session.peer,
      session.startedAt,
      session.lastActivityAt,
      session.endedAt,
      session.summarizedAt,
      session.title,
      key,
    );
    const id = Number(result.lastInsertRowid);
    sessionIds.set(session.id, id);
    newSessions.add(session.id);
    counts.sessions += 1;
  }

  const findMessage = database.prepare<[number | null, string, string, string], { id: number }>(
    'SELECT id FROM messages WHERE session_id IS ? AND created_at = ? AND role = ? AND text = ? LIMIT 1',
  );
  const insertMessage = database.prepare(
    'INSERT INTO messages (id, session_id, channel, sender, role, text, created_at, meta) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
  );
  let done = 0;
  const writeMessage = (message: ExportedMessage): void => {
    const sessionId = mapped(sessionIds, message.sessionId);
    const fresh = message.sessionId !== null && newSessions.has(message.sessionId);
    const existing =
      same || fresh ? undefined : findMessage.get(sessionId, message.createdAt, message.role, message.text);
    if (existing !== undefined) {
      messageIds.set(message.id, existing.id);
      return;
    }
    const result = insertMessage.run(
      explicitId(message.id),
      sessionId,
      message.channel,
      message.sender,
      message.role,
      message.text,
      message.createdAt,
      JSON.stringify(message.meta),
    );
    messageIds.set(message.id, Number(result.lastInsertRowid));
    counts.messages += 1;
  };
  for (const message of document.messages) {
    writeMessage(message);
    done += 1;
    if (done % 2000 === 0) options.onProgress?.(done, document.messages.length);
  }
  options.onProgress?.(document.messages.length, document.messages.length);

  importFacts(database, document.facts, { same, messageIds, factIds, counts });

  const findAudit = database.prepare<[number, string, string, string], { id: number }>(
    'SELECT id FROM fact_audit WHERE fact_id = ? AND action = ? AND at = ? AND detail = ?',
  );
  const insertAudit = database.prepare(
    'INSERT INTO fact_audit (id, fact_id, action, detail, message_id, at) VALUES (?, ?, ?, ?, ?, ?)',
  );
  for (const entry of document.factAudit) {
    const factId = factIds.get(entry.factId);
    if (factId === undefined) continue;
    if (!same && findAudit.get(factId, entry.action, entry.at, entry.detail) !== undefined) continue;
    insertAudit.run(
      explicitId(entry.id),
      factId,
      entry.action,
      entry.detail,
      mapped(messageIds, entry.messageId),
      entry.at,
    );
    counts.factAudit += 1;
  }

  const hasEpisode = database.prepare<[number], { id: number }>('SELECT id FROM episodes WHERE session_id = ?');
  const insertEpisode = database.prepare(
    `INSERT INTO episodes (id, session_id, channel, summary, topics, sentiment, actions, followups, method, provider, attempts, started, ended, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  for (const episode of document.episodes) {
    const sessionId = sessionIds.get(episode.sessionId);
    if (sessionId === undefined || hasEpisode.get(sessionId) !== undefined) continue;
    insertEpisode.run(
      explicitId(episode.id),
      sessionId,
      episode.channel,
      episode.summary,
      JSON.stringify(episode.topics),
      episode.sentiment,
      JSON.stringify(episode.actions),
      JSON.stringify(episode.followups),
      episode.method,
      episode.provider,
      episode.attempts,
      episode.started,
      episode.ended,
      episode.createdAt,
      episode.updatedAt,
    );
    counts.episodes += 1;
  }

  const insertTurn = database.prepare(
    `INSERT INTO turns (id, purpose, session_id, inbound_id, reply_id, channel, tier, tier_source, tier_reason, tier_score, decision_ms,
       outcome, provider, provider_kind, model, fallback_from, notices, error, first_token_ms, total_ms, prompt_tokens,
       completion_tokens, model_requests, started_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const findTurn = database.prepare<[string, string], { id: number }>(
    'SELECT id FROM turns WHERE started_at = ? AND purpose = ? LIMIT 1',
  );
  for (const turn of document.turns) {
    // A turn belongs to a session written now, or (briefings) to no session and is not here yet.
    const fresh =
      turn.sessionId === null
        ? findTurn.get(turn.startedAt, turn.purpose) === undefined
        : newSessions.has(turn.sessionId);
    if (!same && !fresh) continue;
    insertTurn.run(
      explicitId(turn.id),
      turn.purpose,
      mapped(sessionIds, turn.sessionId),
      mapped(messageIds, turn.inboundId),
      mapped(messageIds, turn.replyId),
      turn.channel,
      turn.tier,
      turn.tierSource,
      turn.tierReason,
      turn.tierScore,
      turn.decisionMs,
      turn.outcome,
      turn.provider,
      turn.providerKind,
      turn.model,
      JSON.stringify(turn.fallbackFrom),
      JSON.stringify(turn.notices),
      turn.error,
      turn.firstTokenMs,
      turn.totalMs,
      turn.promptTokens,
      turn.completionTokens,
      turn.modelRequests,
      turn.startedAt,
    );
    counts.turns += 1;
  }
  return counts;
}

/**
 * Write the facts (every value every key had): the superseding links after
 * all rows are in; a current fact meeting another current value of its key
 * is ordered by time (see the file comment).
 */
function importFacts(
  database: Database,
  facts: readonly ExportedFact[],
  state: { same: boolean; messageIds: Map<number, number>; factIds: Map<number, number>; counts: CoreImportCounts },
): void {
  const { same, messageIds, factIds, counts } = state;
  const findFact = database.prepare<[string, string, string], { id: number }>(
    'SELECT id FROM facts WHERE key = ? AND value = ? AND valid_from = ?',
  );
  const currentOf = database.prepare<[string], { id: number; valid_from: string }>(
    'SELECT id, valid_from FROM facts WHERE key = ? AND valid_to IS NULL',
  );
  const insertFact = database.prepare(
    `INSERT INTO facts (id, category, key, value, confidence, source, message_id, valid_from, valid_to, superseded_by, retired_at, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?)`,
  );
  const supersede = database.prepare('UPDATE facts SET valid_to = ?, superseded_by = ? WHERE id = ?');
  const link = database.prepare('UPDATE facts SET superseded_by = ? WHERE id = ?');
  const added: ExportedFact[] = [];
  for (const fact of facts) {
    const existing = same ? undefined : findFact.get(fact.key, fact.value, fact.validFrom)?.id;
    if (existing !== undefined) {
      factIds.set(fact.id, existing);
      continue;
    }
    let validTo = fact.validTo;
    let replaces: number | undefined;
    let supersededBy: number | undefined;
    const current = fact.validTo === null && !same ? currentOf.get(fact.key) : undefined;
    if (current !== undefined) {
      if (fact.validFrom <= current.valid_from) {
        validTo = current.valid_from;
        supersededBy = current.id;
      } else {
        supersede.run(fact.validFrom, null, current.id);
        replaces = current.id;
      }
    }
    const result = insertFact.run(
      same ? fact.id : null,
      fact.category,
      fact.key,
      fact.value,
      fact.confidence,
      fact.source,
      mapped(messageIds, fact.messageId),
      fact.validFrom,
      validTo,
      fact.retiredAt,
      fact.createdAt,
      fact.updatedAt,
    );
    const id = Number(result.lastInsertRowid);
    factIds.set(fact.id, id);
    if (supersededBy !== undefined) link.run(supersededBy, id);
    if (replaces !== undefined) link.run(id, replaces);
    added.push(fact);
    counts.facts += 1;
  }
  for (const fact of added) {
    const target = mapped(factIds, fact.supersededBy);
    if (target !== null) link.run(target, factIds.get(fact.id));
  }
}
