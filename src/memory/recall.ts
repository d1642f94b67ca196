import type { StewardConfig } from '../config/schema.js';
import type { Clock } from '../shared/time.js';
import type { Database } from '../shared/database.js';
import type { EmbeddingStore, MemoryRef } from './embedding-store.js';
import { FactStore } from './facts.js';
import { bm25Search, ftsQuery } from './fts.js';
import { explain, fuse, type Candidate, type FusionSettings } from './fusion.js';
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
  /** The fused score of the two lists (see `memory.recall.fusion`), before weights. */
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
  /** Which lists to search (default both); one alone is ranked as that list ranks, with no weights or recency. */
  legs?: { bm25: boolean; vector: boolean } | undefined;
  /** Cancels the query embedding. */
  signal?: AbortSignal | undefined;
}

/** What the two legs found for a query, before fusion (see {@link HybridRecall.candidates}). */
export interface RecallCandidates {
  /** Every recallable memory found by either leg. */
  candidates: Candidate[];
  /** Whether the vector side took part, and if not why. */
  vector: string;
}

/**
 * The fusion settings of the configuration.
 * @param settings - `memory.recall`
 * @returns the settings {@link fuse} takes
 */
export function fusionSettings(settings: RecallSettings): FusionSettings {
  return {
    method: settings.fusion,
    rrfK: settings.rrfK,
    vectorWeight: settings.vectorWeight,
    weights: settings.weights,
    recencyWeight: settings.recencyWeight,
    recencyHalfLifeDays: settings.recencyHalfLifeDays,
  };
}

/**
 * Hybrid recall: BM25 from FTS5 and cosine neighbours from the vector
 * index, fused by the method and weights of `memory.recall` (weighted
 * reciprocal rank fusion by default, chosen on the LoCoMo benchmark: see
 * `fusion.ts` and bench/README.md), then weighted by source (facts over
 * episodes over messages; explicit facts over inferred ones) and by
 * recency (an exponential half-life), as OpenClaw's hybrid memory search
 * blends text and vector scores. Every hit carries its ranks and scores.
 */
export class HybridRecall {
  readonly #sources: HybridRecallSources;
  readonly #facts: FactStore;

  /**
   * @param sources - database, vectors, the serving index and query embedder, settings
   */
  constructor(sources: HybridRecallSources) {
    this.#sources = sources;
    this.#facts = new FactStore(sources.database, sources.clock);
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
    const { settings, clock } = this.#sources;
    const limit = options.limit ?? settings.limit;
    const { candidates, vector } = await this.candidates(text, options);
    // One leg alone ranks as that leg does (to measure it, or to see what it finds).
    const plain = options.legs !== undefined && options.legs.bm25 !== options.legs.vector;
    const fusion = { ...fusionSettings(settings), plain };
    const hits = fuse(candidates, fusion, clock.now().getTime())
      .slice(0, limit)
      .map((scored): RecallHit => ({
        ref: scored.memory.ref,
        text: scored.memory.text,
        at: scored.memory.at,
        bm25Rank: scored.bm25?.rank ?? null,
        vectorRank: scored.vector?.rank ?? null,
        similarity: scored.vector?.similarity ?? null,
        fused: scored.fused,
        weight: scored.weight,
        recency: scored.recency,
        score: scored.score,
        why: explain(scored, fusion.method),
      }));
    return { hits, vector, elapsedMs: performance.now() - started };
  }

  /**
   * What each leg finds for a text, before fusion: up to
   * `max(memory.recall.candidates, limit)` memories from BM25 and as many
   * vector neighbours with cosine ≥ `memory.recall.minSimilarity`, each
   * ranked among the memories that may be recalled (not excluded, not in
   * the session left out, not a retired fact).
   * @param text - the query
   * @param options - limit, what to leave out, the legs, cancellation
   * @returns the candidates, and whether the vector side took part
   * @throws SqliteError if the database fails
   */
  async candidates(text: string, options: RecallOptions = {}): Promise<RecallCandidates> {
    const { settings, database } = this.#sources;
    const pool = Math.max(settings.candidates, options.limit ?? settings.limit);
    const legs = options.legs ?? { bm25: true, vector: true };
    const excluded = options.exclude ?? new Set<string>();
    /** The memories that may be recalled: they exist (a forgotten or superseded fact does not), are not excluded, and are not in this conversation. */
    const eligible = (refs: readonly MemoryRef[]): Map<string, MemoryText> => {
      const texts = loadMemoryTexts(
        database,
        refs.filter((ref) => !excluded.has(refKey(ref))),
      );
      if (options.excludeSessionId !== undefined)
        for (const [key, memory] of texts)
          if (memory.ref.type === 'message' && memory.sessionId === options.excludeSessionId) texts.delete(key);
      return texts;
    };

    const found = new Map<string, Candidate>();
    const entry = (memory: MemoryText): Candidate => {
      const key = refKey(memory.ref);
      let candidate = found.get(key);
      if (candidate === undefined) {
        candidate = { memory, bm25: null, vector: null };
        found.set(key, candidate);
      }
      return candidate;
    };

    const vector = legs.vector ? await this.#vectorLeg(text, pool, eligible, entry, options.signal) : 'turned off';

    const match = legs.bm25 ? ftsQuery(text) : undefined;
    if (match !== undefined) {
      const lexical = bm25Search(database, match, pool, { excludeSessionId: options.excludeSessionId });
      const texts = eligible(lexical.map((hit) => hit.ref).filter((ref) => !found.has(refKey(ref))));
      let rank = 0;
      for (const hit of lexical) {
        const key = refKey(hit.ref);
        const memory = found.get(key)?.memory ?? texts.get(key);
        if (memory === undefined) continue;
        const candidate = entry(memory);
        if (candidate.bm25 !== null) continue;
        rank += 1;
        candidate.bm25 = { rank, score: hit.bm25 };
      }
    }

    const candidates = [...found.values()];
    const facts = this.#facts.provenance(
      candidates
        .filter((candidate) => candidate.memory.ref.type === 'fact')
        .map((candidate) => candidate.memory.ref.id),
    );
    for (const candidate of candidates)
      if (candidate.memory.ref.type === 'fact') candidate.fact = facts.get(candidate.memory.ref.id);
    return { candidates, vector };
  }

  /** The vector leg: neighbours of the query above the minimum similarity, ranked among recallable memories. */
  async #vectorLeg(
    text: string,
    pool: number,
    eligible: (refs: readonly MemoryRef[]) => Map<string, MemoryText>,
    entry: (memory: MemoryText) => Candidate,
    signal: AbortSignal | undefined,
  ): Promise<string> {
    const index = await this.#sources.index();
    if (typeof index === 'string') return index;
    const query = await this.#sources.embedQuery(text, signal);
    if (typeof query === 'string') return query;
    // The server's model changed under the same embedder id (no embeddings.model set): say so, never a silent BM25.
    if (index.dimension !== undefined && index.size > 0 && query.length !== index.dimension)
      return `the embedder now returns ${query.length}-dimension vectors and the stored ones have ${index.dimension}: the server's model changed; set embeddings.model (STEWARD_EMBEDDINGS_MODEL) to its name to re-embed`;
    const neighbours = index.search(query, pool * 2);
    if (neighbours === undefined)
      return index.state === 'rebuilding'
        ? `index rebuilding (${Math.floor((100 * index.progress.done) / Math.max(1, index.progress.total))}%)`
        : 'the query has no words to compare';
    const owners = this.#sources.store.owners(neighbours.map((hit) => hit.label));
    for (const hit of neighbours) if (!owners.has(hit.label)) index.remove(hit.label); // its row was deleted (perhaps by another process)
    const minimum = this.#sources.settings.minSimilarity;
    const close = neighbours.filter((hit) => owners.has(hit.label) && 1 - hit.distance >= minimum);
    const texts = eligible(close.map((hit) => owners.get(hit.label) as MemoryRef));
    // Ranks count only memories that can be recalled, so a dropped neighbour does not push the others down.
    let rank = 0;
    for (const hit of close) {
      const memory = texts.get(refKey(owners.get(hit.label) as MemoryRef));
      if (memory === undefined) continue;
      const candidate = entry(memory);
      if (candidate.vector !== null) continue;
      rank += 1;
      candidate.vector = { rank, similarity: 1 - hit.distance };
      if (rank >= pool) break;
    }
    return 'used';
  }
}
