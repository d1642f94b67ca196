import type { MemoryText } from './sources.js';

/**
 * Fusion of recall's two ranked lists (BM25 from FTS5, cosine neighbours
 * from the vector index) into one, then the source and recency weights. A
 * pure function of the candidates, so the benchmark (`pnpm bench recall`)
 * scores every setting it tries with the code recall runs.
 */

/** One memory found by at least one leg, with what each leg said about it. */
export interface Candidate {
  /** The memory (its text, time, session, whether it is a heuristic episode). */
  memory: MemoryText;
  /** Its place in the BM25 list (1-based, among recallable memories) and FTS5's `bm25()` (negative; lower is better). */
  bm25: { rank: number; score: number } | null;
  /** Its place among the vector neighbours (1-based) and its cosine similarity to the query. */
  vector: { rank: number; similarity: number } | null;
  /** For a fact: who said it and how sure steward is (0-1). */
  fact?: { source: 'explicit' | 'inferred'; confidence: number } | undefined;
}

/** How the two lists are fused. */
export type FusionMethod = 'rrf' | 'convex';

/** What {@link fuse} needs (from config `memory.recall`, or a benchmark's trial). */
export interface FusionSettings {
  /**
   * `rrf`: weighted reciprocal rank fusion, (1 − v)/(k + BM25 rank) + v/(k + vector rank)
   * (Cormack, Clarke & Büttcher 2009, with a weight per list);
   * `convex`: (1 − v) × BM25 score + v × cosine, each min-max normalised over its list
   * (the score-normalised convex combination of Bruch, Gai & Ingber 2023).
   */
  method: FusionMethod;
  /** k of reciprocal rank fusion (Cormack et al. use 60); smaller lets the top ranks count more. */
  rrfK: number;
  /** Share of the vector list, 0–1: 0 is BM25 alone, 1 the vectors alone, 0.5 both equal. */
  vectorWeight: number;
  /** Source weights multiplied into the fused score; `inferred` is the extra factor of an inferred fact. */
  weights: { fact: number; episode: number; message: number; inferred: number };
  /** Share of the score (0–1) recency may take from an old message or episode. */
  recencyWeight: number;
  /** Half-life of recency, in days. */
  recencyHalfLifeDays: number;
  /** Keep heuristic episodes even beside their own session's messages (only to measure what the rule buys). */
  keepHeuristicEpisodes?: boolean | undefined;
  /**
   * Rank as the legs rank, with no source weight, recency or heuristic-episode
   * rule: with one leg, that leg's own order (BM25 alone, the vectors alone).
   */
  plain?: boolean | undefined;
}

/** A candidate with its scores, as recall returns it. */
export interface ScoredCandidate extends Candidate {
  /** The fused score of the two lists (before weights). */
  fused: number;
  /** Source weight applied (kind; for facts explicit/inferred and confidence). */
  weight: number;
  /** Recency factor applied, 0–1. */
  recency: number;
  /** Final score = fused × weight × recency. */
  score: number;
}

const DAY_MS = 86_400_000;

/** Min-max normalisation of one list's scores to 0–1 (all equal: 1). */
function normaliser(values: readonly number[]): (value: number) => number {
  if (values.length === 0) return () => 0;
  const low = Math.min(...values);
  const high = Math.max(...values);
  return high === low ? () => 1 : (value) => (value - low) / (high - low);
}

/**
 * Fuse the candidates and weight them: the fused score of the two lists
 * (see {@link FusionSettings.method}), × the source weight (facts, episodes,
 * messages; a fact also × (0.5 + 0.5 × confidence), and × `inferred` when
 * inferred), × recency for messages and episodes:
 * 1 − w + w × 0.5^(age / half-life).
 *
 * A heuristic episode (written with no model) holds nothing but its own
 * session's words, the first and last things said and the most frequent
 * ones: it is left out when a message of its session is a candidate, so it
 * never takes the place of the messages it quotes.
 *
 * @param candidates - what the legs found
 * @param settings - fusion method, weights and recency
 * @param now - the current instant, in ms since the epoch (recency)
 * @returns the scored candidates, best first (ties: the older memory id first)
 */
export function fuse(candidates: readonly Candidate[], settings: FusionSettings, now: number): ScoredCandidate[] {
  const share = Math.min(1, Math.max(0, settings.vectorWeight));
  const lexical = normaliser(
    candidates.flatMap((candidate) => (candidate.bm25 === null ? [] : [-candidate.bm25.score])),
  );
  const cosine = normaliser(
    candidates.flatMap((candidate) => (candidate.vector === null ? [] : [candidate.vector.similarity])),
  );
  const messageSessions = new Set(
    candidates.flatMap((candidate) =>
      candidate.memory.ref.type === 'message' && candidate.memory.sessionId !== null
        ? [candidate.memory.sessionId]
        : [],
    ),
  );
  const scored: ScoredCandidate[] = [];
  for (const candidate of candidates) {
    const { memory, bm25, vector } = candidate;
    if (
      settings.keepHeuristicEpisodes !== true &&
      settings.plain !== true &&
      memory.heuristic &&
      memory.sessionId !== null &&
      messageSessions.has(memory.sessionId)
    )
      continue;
    const fused =
      settings.method === 'rrf'
        ? (bm25 === null ? 0 : (1 - share) / (settings.rrfK + bm25.rank)) +
          (vector === null ? 0 : share / (settings.rrfK + vector.rank))
        : (bm25 === null ? 0 : (1 - share) * lexical(-bm25.score)) +
          (vector === null ? 0 : share * cosine(vector.similarity));
    const type = memory.ref.type;
    let weight = 1;
    let recency = 1;
    if (settings.plain !== true) {
      weight = settings.weights[type];
      const fact = candidate.fact;
      if (type !== 'fact') {
        const ageDays = Math.max(0, (now - Date.parse(memory.at)) / DAY_MS);
        recency = 1 - settings.recencyWeight + settings.recencyWeight * 0.5 ** (ageDays / settings.recencyHalfLifeDays);
      } else if (fact !== undefined) {
        weight *= (fact.source === 'inferred' ? settings.weights.inferred : 1) * (0.5 + 0.5 * fact.confidence);
      }
    }
    scored.push({
      memory,
      bm25,
      vector,
      fact: candidate.fact,
      fused,
      weight,
      recency,
      score: fused * weight * recency,
    });
  }
  return scored.sort((left, right) => right.score - left.score || left.memory.ref.id - right.memory.ref.id);
}

/**
 * Why a memory was recalled, in one line: each leg's rank, the fused
 * score and the weights (`BM25 #2 · vector #1 (cos 0.54) · RRF 0.0161 × message 1.00 × recency 0.98 = 0.0158`).
 * @param scored - a scored candidate from {@link fuse}
 * @param method - the fusion method that scored it
 * @returns the line
 */
export function explain(scored: ScoredCandidate, method: FusionMethod): string {
  const { bm25, vector, fused, weight, recency, score } = scored;
  const type = scored.memory.ref.type;
  return [
    bm25 === null ? 'BM25 —' : `BM25 #${bm25.rank}`,
    vector === null ? 'vector —' : `vector #${vector.rank} (cos ${vector.similarity.toFixed(2)})`,
    `${method === 'rrf' ? 'RRF' : 'mix'} ${fused.toFixed(4)} × ${type} ${weight.toFixed(2)}${type === 'fact' ? '' : ` × recency ${recency.toFixed(2)}`} = ${score.toFixed(4)}`,
  ].join(' · ');
}
