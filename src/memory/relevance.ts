import type { WordSimilarity } from './embedders/types.js';
import type { RecallHit } from './recall.js';
import { contentWords, stem } from './text.js';

/**
 * The most distinct words compared by word vectors: of the message (those
 * not held as they are) and of a memory. 64 × 256 comparisons of 100
 * dimensions are about a millisecond a memory.
 */
const SOFT_MATCH_WORDS = { asked: 64, held: 256 } as const;

/** When a recalled memory is relevant enough for a model turn's prompt (config `memory.recall.prompt`). */
export interface RelevanceSettings {
  /** Recall's best this many hits are weighed; at most `memory.recall.limit` of those that pass enter the prompt. */
  candidates: number;
  /** Cosine similarity to the message at or above which a memory is relevant (1: only by its words). */
  minSimilarity: number;
  /** Share of the message's content words, 0–1, that a memory must hold to be relevant by its words. */
  minWordShare: number;
  /** Word-vector cosine, -1–1, at or above which a memory's word counts as a message's word ("cat" for "pet"). */
  minWordSimilarity: number;
  /** The same two thresholds for the best candidate by each measure, which is kept on less evidence. */
  top: { minSimilarity: number; minWordShare: number };
}

/**
 * The share of a message's content words (stopwords dropped) that a text
 * holds: a word is held when the text has a word of the same stem, or,
 * with word vectors, a word whose vector's cosine to it is at least
 * `minWordSimilarity` ("cat" holds "pet"), each message word weighted as
 * the word vectors weigh it (SIF: "like" counts less than "rent"). This
 * is the soft cosine measure's idea (Sidorov et al. 2014, "Soft
 * Similarity and Soft Cosine Measure") in the greedy form of BERTScore's
 * recall (Zhang et al. 2020: each word of the reference matched to its
 * most similar word of the candidate, idf-weighted), thresholded per word:
 * word vectors tell "pet" from "dentist" where a mean of them does not.
 * @param message - the owner's message
 * @param text - a memory's text
 * @param words - word vectors (the offline embedder's); without them, words match by stem only, all weighing 1
 * @param minWordSimilarity - the word cosine that counts as a match (-1–1)
 * @returns 0–1 (0 when the message has no content words)
 */
export function wordShare(message: string, text: string, words?: WordSimilarity, minWordSimilarity = 1): number {
  const asked = new Map(contentWords(message).map((word) => [stem(word), word]));
  if (asked.size === 0) return 0;
  const heldWords = [...new Set(contentWords(text))];
  const held = new Set(heldWords.map(stem));
  // Paraphrases are looked for among the first words only, so a long message or memory costs a bounded time.
  const comparable = heldWords.slice(0, SOFT_MATCH_WORDS.held);
  let shared = 0;
  let total = 0;
  let softly = 0;
  for (const [stemmed, word] of asked) {
    const weight = words?.weight(word) ?? 1;
    total += weight;
    if (held.has(stemmed)) shared += weight;
    else if (words !== undefined && softly++ < SOFT_MATCH_WORDS.asked) {
      if (comparable.some((other) => (words.similarity(word, other) ?? -1) >= minWordSimilarity)) shared += weight;
    }
  }
  return total > 0 ? shared / total : 0;
}

/**
 * The recalled memories relevant enough for the prompt: recall always
 * returns its best few, related or not (reciprocal rank fusion scores
 * ranks, not relevance), so a turn keeps only those that hold enough of
 * the message's words, paraphrases included (≥ `minWordShare`, see
 * {@link wordShare}), or are close in meaning as a whole (cosine ≥
 * `minSimilarity`). The candidate with the best share (and the one with
 * the best cosine; the first in recall's order on a tie) needs less
 * (`top`): it is the likeliest to be what the
 * message is about, when anything is. A question with one relevant memory
 * then does not carry five unrelated ones. Thresholds chosen with `pnpm
 * bench context` (see bench/README.md).
 * @param hits - recall's hits, best first
 * @param message - the owner's message
 * @param settings - the thresholds
 * @param words - word vectors for paraphrases (the offline embedder's); without them, words match by stem
 * @returns the hits that pass, in order
 */
export function relevantHits(
  hits: readonly RecallHit[],
  message: string,
  settings: RelevanceSettings,
  words?: WordSimilarity,
): RecallHit[] {
  const shares = hits.map((hit) => wordShare(message, hit.text, words, settings.minWordSimilarity));
  // One best candidate by each measure, the first in recall's order when several tie: a tie of many
  // (six memories that each name the same person) is no sign that any of them is the one asked about.
  const bestShare = shares.indexOf(Math.max(0, ...shares));
  const similarities = hits.map((hit) => hit.similarity ?? -1);
  const bestSimilarity = similarities.indexOf(Math.max(-1, ...similarities));
  return hits.filter((hit, index) => {
    const share = shares[index] ?? 0;
    const minShare = index === bestShare ? settings.top.minWordShare : settings.minWordShare;
    const minSimilarity = index === bestSimilarity ? settings.top.minSimilarity : settings.minSimilarity;
    return (hit.similarity !== null && hit.similarity >= minSimilarity) || share >= minShare;
  });
}
