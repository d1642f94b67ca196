import type { PluginHost } from '../plugins/host.js';
import type { Database } from '../shared/database.js';
import type { Clock } from '../shared/time.js';
import {
  EXPORT_FORMAT,
  EXPORT_VERSION,
  type ExportDocument,
  type ExportedEpisode,
  type ExportedFact,
  type ExportedFactAudit,
  type ExportedMessage,
  type ExportedSession,
  type ExportedTurn,
} from './json-format.js';

/** What {@link exportEverything} reads from. */
export interface ExportSources {
  /** The open, migrated database. */
  database: Database;
  /** The loaded plugins (each exports its own records). */
  plugins: PluginHost;
  /** Clock (the `exportedAt` field). */
  clock: Clock;
  /** The owner's IANA zone (written down, for reading the local days in plugin records). */
  timeZone: string;
}

function parseJson<T>(text: string | null, fallback: T): T {
  if (text === null) return fallback;
  return JSON.parse(text) as T;
}

/**
 * This database's id (`memory_state.database_id`): names the origin of an export.
 * @param database - the migrated database
 */
export function databaseIdOf(database: Database): string {
  return (
    database.prepare<[], { value: string }>("SELECT value FROM memory_state WHERE key = 'database_id'").get()?.value ??
    'unknown'
  );
}

type Row = Record<string, unknown>;

function sessions(database: Database): ExportedSession[] {
  return database
    .prepare<[], Row>('SELECT * FROM sessions ORDER BY id')
    .all()
    .map((row) => ({
      id: row.id as number,
      channel: row.channel as string,
      peer: row.peer as string,
      startedAt: row.started_at as string,
      lastActivityAt: row.last_activity_at as string,
      endedAt: row.ended_at as string | null,
      summarizedAt: (row.summarized_at ?? null) as string | null,
      title: (row.title ?? null) as string | null,
      importKey: (row.import_key ?? null) as string | null,
    }));
}

function messages(database: Database): ExportedMessage[] {
  return database
    .prepare<[], Row>('SELECT id, session_id, channel, sender, role, text, created_at, meta FROM messages ORDER BY id')
    .all()
    .map((row) => ({
      id: row.id as number,
      sessionId: row.session_id as number | null,
      channel: row.channel as string,
      sender: row.sender as string,
      role: row.role as 'user' | 'assistant',
      text: row.text as string,
      createdAt: row.created_at as string,
      meta: parseJson<Record<string, unknown>>(row.meta as string | null, {}),
    }));
}

function episodes(database: Database): ExportedEpisode[] {
  return database
    .prepare<[], Row>('SELECT * FROM episodes ORDER BY id')
    .all()
    .map((row) => ({
      id: row.id as number,
      sessionId: row.session_id as number,
      channel: row.channel as string,
      summary: row.summary as string,
      topics: parseJson<string[]>(row.topics as string, []),
      sentiment: row.sentiment as ExportedEpisode['sentiment'],
      actions: parseJson<string[]>(row.actions as string, []),
      followups: parseJson<string[]>(row.followups as string, []),
      method: row.method as ExportedEpisode['method'],
      provider: row.provider as string | null,
      attempts: row.attempts as number,
      started: row.started as string,
      ended: row.ended as string,
      createdAt: row.created_at as string,
      updatedAt: row.updated_at as string,
    }));
}

function facts(database: Database): ExportedFact[] {
  return database
    .prepare<[], Row>('SELECT * FROM facts ORDER BY id')
    .all()
    .map((row) => ({
      id: row.id as number,
      category: row.category as ExportedFact['category'],
      key: row.key as string,
      value: row.value as string,
      confidence: row.confidence as number,
      source: row.source as ExportedFact['source'],
      messageId: row.message_id as number | null,
      validFrom: row.valid_from as string,
      validTo: row.valid_to as string | null,
      supersededBy: row.superseded_by as number | null,
      retiredAt: row.retired_at as string | null,
      createdAt: row.created_at as string,
      updatedAt: row.updated_at as string,
    }));
}

function factAudit(database: Database): ExportedFactAudit[] {
  return database
    .prepare<[], Row>('SELECT * FROM fact_audit ORDER BY id')
    .all()
    .map((row) => ({
      id: row.id as number,
      factId: row.fact_id as number,
      action: row.action as ExportedFactAudit['action'],
      detail: row.detail as string,
      messageId: row.message_id as number | null,
      at: row.at as string,
    }));
}

function turns(database: Database): ExportedTurn[] {
  return database
    .prepare<[], Row>('SELECT * FROM turns ORDER BY id')
    .all()
    .map((row) => ({
      id: row.id as number,
      purpose: row.purpose as string,
      sessionId: row.session_id as number | null,
      inboundId: row.inbound_id as number | null,
      replyId: row.reply_id as number | null,
      channel: row.channel as string | null,
      tier: row.tier as ExportedTurn['tier'],
      tierSource: row.tier_source as string,
      tierReason: row.tier_reason as string,
      tierScore: row.tier_score as number | null,
      decisionMs: row.decision_ms as number,
      outcome: row.outcome as ExportedTurn['outcome'],
      provider: row.provider as string | null,
      providerKind: row.provider_kind as string | null,
      model: row.model as string | null,
      fallbackFrom: parseJson<unknown[]>(row.fallback_from as string, []),
      notices: parseJson<unknown[]>(row.notices as string, []),
      error: row.error as string | null,
      firstTokenMs: row.first_token_ms as number | null,
      totalMs: row.total_ms as number,
      promptTokens: row.prompt_tokens as number | null,
      completionTokens: row.completion_tokens as number | null,
      modelRequests: row.model_requests as number,
      startedAt: row.started_at as string,
    }));
}

/**
 * Everything steward knows as one document (see `json-format.ts`), read in
 * one transaction so that it is consistent even while a daemon writes.
 * @param sources - database, plugins, clock, zone
 * @returns the document, `format` "steward-export", version {@link EXPORT_VERSION}
 */
export function exportEverything(sources: ExportSources): ExportDocument {
  const { database, plugins, clock, timeZone } = sources;
  const read = database.transaction((): ExportDocument => {
    const pluginData: Record<string, unknown> = {};
    for (const { plugin, context } of plugins.active) {
      if (plugin.data !== undefined) pluginData[plugin.name] = plugin.data.export(context);
    }
    return {
      format: EXPORT_FORMAT,
      version: EXPORT_VERSION,
      exportedAt: clock.now().toISOString(),
      databaseId: databaseIdOf(database),
      timeZone,
      sessions: sessions(database),
      messages: messages(database),
      episodes: episodes(database),
      facts: facts(database),
      factAudit: factAudit(database),
      turns: turns(database),
      plugins: pluginData,
    };
  });
  // Reads only: a deferred transaction is a consistent snapshot that takes no write lock (and works on a read-only database).
  return read.deferred();
}
