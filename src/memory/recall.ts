import type { StewardConfig } from '../config/schema.js';
import type { Clock } from '../shared/time.js';
import type { Database } from '../shared/database.js';
import { ConversationStore } from './conversations.js';
import type { EmbeddingStore, MemoryRef } from './embedding-store.js';
import { FactStore } from './facts.js';
import { bm25Search, ftsQuery } from './fts.js';
import { loadMemoryTexts, refKey, type MemoryText } from './sources.js';
import type { VectorIndex } from './vector-index/index.js';

/** Recall settings (config `memory.recall`). */
export type RecallSettings = StewardConfig['memory']['recall'];

/** One recalled memory, with why it was recalled. */
export interface RecallHit {
  /** The memory. */
  ref: MemoryRef;
  /** Its text (a message, an episode summary, `key: value`). */
  text: string;
  /** ISO instant it happened. */
  at: string;
  /** 1-based rank in the BM25 list, or null when BM25 did not find it. */
  bm25Rank: number | null;
  /** 1-based rank among the vector neighbours, or null. */
  vectorRank: number | null;
  /** Cosine similarity to the query (1 − distance), when found by vector. */
  similarity: number | null;
  /** Reciprocal rank fusion score: Σ 1/(k + rank) over the lists that found it. */
  fused: number;
  /** Source weight applied (kind, and for facts explicit/inferred and confidence). */
  weight: number;
  /** Recency factor applied, 0–1. */
  recency: number;
  /** Final score = fused × weight × recency. */
  score: number;
  /** The reasons in one line, for `recall` and logs. */
  why: string;
}

/** How a recall went. */
export interface RecallResult {
  /** Hits, best first. */
  hits: RecallHit[];
  /** Whether the vector side took part, and if not why: `used`, or a reason such as `index rebuilding (40%)`. */
  vector: string;
  /** Wall time, in ms. */
  elapsedMs: number;
}

/** What {@link HybridRecall} needs. */
export interface HybridRecallSources {
  /** The database. */
  database: Database;
  /** Stored vectors (labels → owners). */
  store: EmbeddingStore;
  /** The index that serves recall, or why there is none. */
  index: () => Promise<VectorIndex | string>;
  /** Embeds the query with the serving model, within the time budget; a string says why it could not. */
  embedQuery: (text: string, signal?: AbortSignal) => Promise<Float32Array | string>;
  /** Settings. */
  settings: RecallSettings;
  /** Clock, for recency. */
  clock: Clock;
}

/** Options of one search. */
export interface RecallOptions {
  /** How many hits (default `memory.recall.limit`). */
  limit?: number | undefined;
  /** Leave this session's messages out (they are in the prompt already). */
  excludeSessionId?: number | undefined;
  /** Leave these memories out (`type:id`; the turn has them already: profile facts, "where we left off"), before the limit is applied. */
  exclude?: ReadonlySet<string> | undefined;
  /** Cancels the query embedding. */
  signal?: AbortSignal | undefined;
}

const DAY_MS = 86_400_000;

/**
 * Hybrid recall: BM25 from FTS5 and cosine neighbours from HNSW, fused by
 * reciprocal rank fusion (Cormack, Clarke & Büttcher 2009, k = 60), then
 * weighted by source (facts over episodes over messages; explicit facts
 * over inferred ones) and by recency (an exponential half-life), as
 * OpenClaw's hybrid memory search blends text and vector scores. Every hit
 * carries its ranks and scores.
 */
export class HybridRecall {
  readonly #sources: HybridRecallSources;
  readonly #facts: FactStore;
  readonly #conversations: ConversationStore;

  /**
   * @param sources - database, vectors, the serving index and query embedder, settings
   */
  constructor(sources: HybridRecallSources) {
    this.#sources = sources;
    this.#facts = new FactStore(sources.database, sources.clock);
    this.#conversations = new ConversationStore(sources.database, sources.clock);
  }

  /**
   * Recall memories for a text.
   * @param text - the query (usually the owner's message)
   * @param options - limit, session to leave out, cancellation
   * @returns hits with reasons, and whether vectors were used
   * @throws SqliteError if the database fails
   */
  async search(text: string, options: RecallOptions = {}): Promise<RecallResult> {
    const started = performance.now();
    const { settings, database } = this.#sources;
    const limit = options.limit ?? settings.limit;
    const candidates = Math.max(settings.candidates, limit);

    const match = ftsQuery(text);
    const lexical =
      match === undefined
        ? []
        : bm25Search(database, match, candidates, { excludeSessionId: options.excludeSessionId });

    const excluded = options.exclude ?? new Set<string>();
    /** Whether a memory may be recalled: it exists (a forgotten or superseded fact does not), is not excluded, and is not in this conversation. */
    const eligible = (refs: readonly MemoryRef[]): Map<string, MemoryText> => {
      const texts = loadMemoryTexts(
        database,
        refs.filter((ref) => !excluded.has(refKey(ref))),
      );
      if (options.excludeSessionId !== undefined) {
        const sessions = this.#conversations.sessionsOf(
          refs.filter((ref) => ref.type === 'message').map((ref) => ref.id),
        );
        for (const [id, session] of sessions) if (session === options.excludeSessionId) texts.delete(`message:${id}`);
      }
      return texts;
    };

    const vectorRanks = new Map<string, { rank: number; similarity: number }>();
    const texts = new Map<string, MemoryText>();
    let vector = 'used';
    const index = await this.#sources.index();
    if (typeof index === 'string') {
      vector = index;
    } else {
      const query = await this.#sources.embedQuery(text, options.signal);
      if (typeof query === 'string') {
        vector = query;
      } else {
        const neighbours = index.search(query, candidates * 2);
        if (neighbours === undefined) {
          vector =
            index.state === 'rebuilding'
              ? `index rebuilding (${Math.floor((100 * index.progress.done) / Math.max(1, index.progress.total))}%)`
              : 'the query has no words to compare';
        } else {
          const owners = this.#sources.store.owners(neighbours.map((hit) => hit.label));
          for (const hit of neighbours) if (!owners.has(hit.label)) index.remove(hit.label); // its row was deleted (perhaps by another process)
          const close = neighbours.filter((hit) => owners.has(hit.label) && 1 - hit.distance >= settings.minSimilarity);
          for (const [key, memory] of eligible(close.map((hit) => owners.get(hit.label) as MemoryRef)))
            texts.set(key, memory);
          // Ranks count only memories that can be recalled, so a dropped neighbour does not push the others down.
          let rank = 0;
          for (const hit of close) {
            const key = refKey(owners.get(hit.label) as MemoryRef);
            if (vectorRanks.has(key) || !texts.has(key)) continue;
            rank += 1;
            vectorRanks.set(key, { rank, similarity: 1 - hit.distance });
            if (rank >= candidates) break;
          }
        }
      }
    }

    for (const [key, memory] of eligible(lexical.map((hit) => hit.ref).filter((ref) => !texts.has(refKey(ref)))))
      texts.set(key, memory);
    const bm25Ranks = new Map<string, number>();
    let lexicalRank = 0;
    for (const hit of lexical) {
      const key = refKey(hit.ref);
      if (bm25Ranks.has(key) || !texts.has(key)) continue;
      lexicalRank += 1;
      bm25Ranks.set(key, lexicalRank);
    }
    const keys = new Set([...bm25Ranks.keys(), ...vectorRanks.keys()]);
    const refs = [...keys].map((key): MemoryRef => (texts.get(key) as MemoryText).ref);
    const details = this.#facts.provenance(refs.filter((ref) => ref.type === 'fact').map((ref) => ref.id));
    const now = this.#sources.clock.now().getTime();
    const hits: RecallHit[] = [];
    for (const ref of refs) {
      const key = refKey(ref);
      const memory = texts.get(key) as MemoryText;
      const bm25Rank = bm25Ranks.get(key) ?? null;
      const vectorHit = vectorRanks.get(key);
      const fused =
        (bm25Rank === null ? 0 : 1 / (settings.rrfK + bm25Rank)) +
        (vectorHit === undefined ? 0 : 1 / (settings.rrfK + vectorHit.rank));
      let weight = settings.weights[ref.type];
      let recency = 1;
      if (ref.type === 'fact') {
        const fact = details.get(ref.id);
        if (fact !== undefined)
          weight *= (fact.source === 'inferred' ? settings.weights.inferred : 1) * (0.5 + 0.5 * fact.confidence);
      } else {
        const ageDays = Math.max(0, (now - Date.parse(memory.at)) / DAY_MS);
        recency = 1 - settings.recencyWeight + settings.recencyWeight * 0.5 ** (ageDays / settings.recencyHalfLifeDays);
      }
      const score = fused * weight * recency;
      const reasons = [
        bm25Rank === null ? 'BM25 —' : `BM25 #${bm25Rank}`,
        vectorHit === undefined ? 'vector —' : `vector #${vectorHit.rank} (cos ${vectorHit.similarity.toFixed(2)})`,
        `RRF ${fused.toFixed(4)} × ${ref.type} ${weight.toFixed(2)}${ref.type === 'fact' ? '' : ` × recency ${recency.toFixed(2)}`} = ${score.toFixed(4)}`,
      ];
      hits.push({
        ref,
        text: memory.text,
        at: memory.at,
        bm25Rank,
        vectorRank: vectorHit?.rank ?? null,
        similarity: vectorHit?.similarity ?? null,
        fused,
        weight,
        recency,
        score,
        why: reasons.join(' · '),
      });
    }
    hits.sort((left, right) => right.score - left.score || left.ref.id - right.ref.id);
    return { hits: hits.slice(0, limit), vector, elapsedMs: performance.now() - started };
  }
}
