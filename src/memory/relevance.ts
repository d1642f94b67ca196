import type { RecallHit } from './recall.js';
import { contentWords, stem } from './text.js';

/** When a recalled memory is relevant enough for a model turn's prompt (config `memory.recall.prompt`). */
export interface RelevanceSettings {
  /** Cosine similarity to the message at or above which a memory is relevant. */
  minSimilarity: number;
  /** Share of the message's content words (stemmed), 0–1, that a memory must hold to be relevant by its words. */
  minWordShare: number;
  /** The same two thresholds for recall's best hit, which is kept on less evidence. */
  top: { minSimilarity: number; minWordShare: number };
}

/**
 * The share of a message's content words (stopwords dropped, stemmed) that a text holds.
 * @param message - the owner's message
 * @param text - a memory's text
 * @returns 0–1 (0 when the message has no content words)
 */
export function wordShare(message: string, text: string): number {
  const asked = new Set(contentWords(message).map(stem));
  if (asked.size === 0) return 0;
  const held = new Set(contentWords(text).map(stem));
  let shared = 0;
  for (const word of asked) if (held.has(word)) shared += 1;
  return shared / asked.size;
}

/**
 * The recalled memories relevant enough for the prompt: recall always
 * returns its best few, related or not (reciprocal rank fusion scores
 * ranks, not relevance), so a turn keeps only those close in meaning
 * (cosine ≥ `minSimilarity`) or sharing enough of the message's words
 * (≥ `minWordShare`); recall's best hit needs less (`top`), since it
 * is the likeliest to be what the message is about. A question with one
 * relevant memory then does not carry five unrelated ones. Thresholds
 * chosen with `pnpm bench context` (see bench/README.md).
 * @param hits - recall's hits, best first
 * @param message - the owner's message
 * @param settings - the thresholds
 * @returns the hits that pass, in order
 */
export function relevantHits(hits: readonly RecallHit[], message: string, settings: RelevanceSettings): RecallHit[] {
  return hits.filter((hit, index) => {
    const { minSimilarity, minWordShare } = index === 0 ? settings.top : settings;
    return (hit.similarity !== null && hit.similarity >= minSimilarity) || wordShare(message, hit.text) >= minWordShare;
  });
}
