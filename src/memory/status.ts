import type { Database } from '../shared/database.js';
import type { ConversationStore } from './conversations.js';
import type { EmbedderLifecycle } from './embedder-lifecycle.js';
import type { Embedder } from './embedders/index.js';
import type { EmbeddingStore } from './embedding-store.js';
import type { EpisodeStore } from './episodes.js';
import type { ExtractionQueue } from './extraction-queue.js';
import type { FactStore } from './facts.js';
import type { VectorFormat } from './vector-codec.js';
import type { VectorConversion } from './vector-conversion.js';
import type { IndexDetails, IndexOpenReport } from './vector-index/index.js';

/** What `/status`, `steward doctor` and `steward memory` show. */
export interface MemoryStatus {
  /** The configured embedder's id and kind. */
  embedder: { id: string; kind: Embedder['kind'] };
  /** The embedder whose index serves recall (differs from `embedder` while re-embedding). */
  serving: string;
  /** Texts waiting to be embedded, and how many of them failed too often. */
  queue: { pending: number; stuck: number };
  /** Re-embedding for a new model: done and total texts, when in progress. */
  reembed: { done: number; total: number } | undefined;
  /** The serving index, once opened this process: its state (`loading` while the HNSW graph loads), sizes and bytes. */
  index:
    | { state: string; vectors: number; file: string; opened: IndexOpenReport | undefined; details: IndexDetails }
    | undefined;
  /** Stored vectors per model. */
  vectors: Array<{ model: string; count: number }>;
  /** The serving model's newest stored vector: dimensions and format (undefined before the first). */
  shape: { dim: number; format: VectorFormat | undefined } | undefined;
  /** The conversion of an older database's float32 vectors to int8: done and total rows, while it runs. */
  conversion: { done: number; total: number } | undefined;
  /** The database file, in bytes, and how many of them are free pages (after deletions or the int8 conversion; `VACUUM` gives them back). */
  database: { bytes: number; freeBytes: number };
  /** Row counts. */
  counts: {
    messages: number;
    episodes: { model: number; heuristic: number };
    facts: number;
    pendingExtraction: number;
    unsummarizedSessions: number;
  };
}

/** What {@link memoryStatus} reads. */
export interface MemoryStatusSources {
  /** The database (its size). */
  database: Database;
  /** The float32 → int8 conversion. */
  conversion: VectorConversion;
  /** The embedders, their indexes and the embedding queue. */
  embeddings: EmbedderLifecycle;
  /** Stored vectors. */
  vectors: EmbeddingStore;
  /** Messages. */
  conversations: ConversationStore;
  /** Episodes and sessions waiting for one. */
  episodes: EpisodeStore;
  /** The profile. */
  facts: FactStore;
  /** Messages waiting for fact extraction. */
  extraction: ExtractionQueue;
}

/**
 * The memory engine's state, read from the database and this process's
 * open index. Cheap: counts from indexes, and no index is opened.
 * @param sources - the embedders and the stores
 * @returns the status
 */
export function memoryStatus(sources: MemoryStatusSources): MemoryStatus {
  const { embeddings, vectors, conversations, episodes, facts, extraction, database, conversion } = sources;
  const pragma = (name: string): number => (database.pragma(name, { simple: true }) as number | undefined) ?? 0;
  const pageSize = pragma('page_size');
  const serving = embeddings.serving();
  const opened = embeddings.opened(serving.id);
  return {
    embedder: { id: embeddings.embedder.id, kind: embeddings.embedder.kind },
    serving: serving.id,
    queue: embeddings.queueCounts(),
    reembed: embeddings.reembedProgress(),
    index:
      opened === undefined
        ? undefined
        : {
            state: opened.index.state,
            vectors: opened.index.size,
            file: opened.index.file,
            opened: opened.report,
            details: opened.index.details(),
          },
    vectors: vectors.models(),
    shape: vectors.shape(serving.id),
    conversion: conversion.progress(),
    database: { bytes: pragma('page_count') * pageSize, freeBytes: pragma('freelist_count') * pageSize },
    counts: {
      messages: conversations.count(),
      episodes: episodes.counts(),
      facts: facts.count(),
      pendingExtraction: extraction.pending(),
      unsummarizedSessions: episodes.unsummarizedCount(),
    },
  };
}
