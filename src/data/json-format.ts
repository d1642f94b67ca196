import { z } from 'zod';

/**
 * The format of `steward export --format json`: everything steward knows,
 * as one JSON document with a version (docs/data.md describes each field).
 * Core records are the rows of their tables with camelCase names (JSON
 * columns parsed); each plugin's records are its own document under
 * `plugins.<name>` (see `Plugin.data`). Left out, because they are
 * operational state or derived: the outbox and inbox, the scheduler's run
 * log, the daemon lock, stored embeddings and the embedding queue (rebuilt
 * from the text), and the vector indexes. A backup (`steward backup`) has
 * all of it.
 */

/** The `format` field of a steward export. */
export const EXPORT_FORMAT = 'steward-export';
/** Version of the document `steward export --format json` writes; `steward import` reads it and older ones. */
export const EXPORT_VERSION = 1;

const instant = z.string().refine((text) => !Number.isNaN(Date.parse(text)), 'must be an ISO-8601 instant');
const id = z.number().int().positive();
const json = z.record(z.string(), z.unknown());

const sessionSchema = z.object({
  id,
  channel: z.string().min(1),
  peer: z.string(),
  startedAt: instant,
  lastActivityAt: instant,
  endedAt: instant.nullable(),
  summarizedAt: instant.nullable().default(null),
  title: z.string().nullable().default(null),
  importKey: z.string().nullable().default(null),
});

const messageSchema = z.object({
  id,
  sessionId: id.nullable(),
  channel: z.string().min(1),
  sender: z.string(),
  role: z.enum(['user', 'assistant']),
  text: z.string(),
  createdAt: instant,
  meta: json.default({}),
});

const episodeSchema = z.object({
  id,
  sessionId: id,
  channel: z.string(),
  summary: z.string(),
  topics: z.array(z.string()),
  sentiment: z.enum(['positive', 'neutral', 'negative', 'mixed', 'unknown']),
  actions: z.array(z.string()),
  followups: z.array(z.string()),
  method: z.enum(['model', 'heuristic']),
  provider: z.string().nullable(),
  attempts: z.number().int().min(0).default(0),
  started: instant,
  ended: instant,
  createdAt: instant,
  updatedAt: instant,
});

const factSchema = z.object({
  id,
  category: z.enum(['preference', 'habit', 'goal', 'relationship', 'schedule', 'other']),
  key: z.string().min(1),
  value: z.string(),
  confidence: z.number().min(0).max(1),
  source: z.enum(['explicit', 'inferred']),
  messageId: id.nullable(),
  validFrom: instant,
  validTo: instant.nullable(),
  supersededBy: id.nullable(),
  retiredAt: instant.nullable(),
  createdAt: instant,
  updatedAt: instant,
});

const factAuditSchema = z.object({
  id,
  factId: id,
  action: z.enum(['created', 'confirmed', 'superseded', 'rejected', 'forgotten']),
  detail: z.string(),
  messageId: id.nullable(),
  at: instant,
});

const turnSchema = z.object({
  id,
  purpose: z.string().min(1),
  sessionId: id.nullable(),
  inboundId: id.nullable(),
  replyId: id.nullable(),
  channel: z.string().nullable(),
  tier: z.enum(['fast', 'quality']),
  tierSource: z.string(),
  tierReason: z.string(),
  tierScore: z.number().nullable(),
  decisionMs: z.number(),
  outcome: z.enum(['answered', 'failed', 'cancelled']),
  provider: z.string().nullable(),
  providerKind: z.string().nullable(),
  model: z.string().nullable(),
  fallbackFrom: z.array(z.unknown()),
  notices: z.array(z.unknown()),
  error: z.string().nullable(),
  firstTokenMs: z.number().nullable(),
  totalMs: z.number(),
  promptTokens: z.number().int().nullable(),
  completionTokens: z.number().int().nullable(),
  modelRequests: z.number().int(),
  startedAt: instant,
});

/** zod schema of a steward export document (checked field by field on import). */
export const exportDocumentSchema = z.object({
  format: z.literal(EXPORT_FORMAT),
  version: z.number().int().min(1).max(EXPORT_VERSION),
  exportedAt: instant,
  databaseId: z.string().min(1),
  timeZone: z.string(),
  sessions: z.array(sessionSchema),
  messages: z.array(messageSchema),
  episodes: z.array(episodeSchema),
  facts: z.array(factSchema),
  factAudit: z.array(factAuditSchema),
  turns: z.array(turnSchema).default([]),
  plugins: z.record(z.string(), z.unknown()).default({}),
});

/** A steward export document, as written. */
export type ExportDocument = z.input<typeof exportDocumentSchema>;
/** A steward export document, as checked on import (defaults filled in). */
export type ParsedExportDocument = z.output<typeof exportDocumentSchema>;
/** One session of an export. */
export type ExportedSession = z.output<typeof sessionSchema>;
/** One message of an export. */
export type ExportedMessage = z.output<typeof messageSchema>;
/** One episode of an export. */
export type ExportedEpisode = z.output<typeof episodeSchema>;
/** One fact (current or past) of an export. */
export type ExportedFact = z.output<typeof factSchema>;
/** One entry of a fact's audit trail. */
export type ExportedFactAudit = z.output<typeof factAuditSchema>;
/** One model turn of an export. */
export type ExportedTurn = z.output<typeof turnSchema>;

/**
 * Whether a parsed JSON value looks like a steward export (its `format`).
 * @param value - any JSON value
 */
export function isExportDocument(value: unknown): boolean {
  return typeof value === 'object' && value !== null && (value as { format?: unknown }).format === EXPORT_FORMAT;
}
