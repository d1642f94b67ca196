/**
 * Memory: the SQLite database (the only source of truth), its migrations,
 * the conversation log, and the memory engine ({@link Memory}: episodes,
 * the profile, embeddings and hybrid recall). This is the folder's public
 * door; the files behind it are laid out in docs/memory.md.
 */
export { openDatabase, toTimestamp, DATABASE_FILE, type Database } from '../shared/database.js';
export { applyMigrations, readCoreMigrations, type Migration } from './migrations.js';
export { ConversationStore, type StoredMessage, type NewMessage, type MessageRole } from './conversations.js';
export { HistoryStore, HIGHLIGHT, type HistoryMessage, type MessageHit, type SessionSummary } from './history.js';
export {
  Memory,
  describeLeftOff,
  type ImportBatch,
  type ImportedConversation,
  type ImportedMessage,
  type ImportedSession,
  type ImportResult,
  type MemoryContext,
  type MemoryOptions,
  type MemoryStatus,
} from './memory.js';
export type { DrainResult } from './embed-queue.js';
export { createEmbedder, embedderSpec, type Embedder, type EmbedderSpec } from './embedders/index.js';
export type { Episode, EpisodeSummary } from './episodes.js';
export { FACT_CATEGORIES, factText, type Fact, type FactCategory, type ReconcileOutcome } from './facts.js';
export type { RecallHit, RecallOptions, RecallResult } from './recall.js';
export type { MemoryRef } from './embedding-store.js';
export type { IndexOpenReport, OpenVectorIndex, VectorIndex } from './vector-index/index.js';
export { vectorBytes, type VectorFormat } from './vector-codec.js';
