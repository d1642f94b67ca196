import { CATEGORIES, type Question } from './locomo.js';

/**
 * Scores of a ranked list against LoCoMo's evidence turns: recall@k (the
 * share of a question's evidence turns among the first k memories
 * recalled, averaged over questions, as the LoCoMo paper scores its
 * retrievers) and MRR@10 (1 / the rank of the first evidence turn, 0 when
 * none is in the first 10). Only messages can be evidence; an episode or a
 * fact in the list takes a place and holds none.
 */

/** The scores of one question. */
export interface QuestionScore {
  /** Category 1–5. */
  category: number;
  /** Recall@5, 0–1. */
  r5: number;
  /** Recall@10, 0–1. */
  r10: number;
  /** Reciprocal rank of the first evidence turn within the first 10, 0–1. */
  mrr: number;
}

/**
 * Score one question.
 * @param question - the question and its evidence
 * @param ranked - the turn id of each recalled memory in order (null for an episode or a fact)
 * @returns its scores
 */
export function scoreQuestion(question: Question, ranked: ReadonlyArray<string | null>): QuestionScore {
  const evidence = new Set(question.evidence);
  const found = (k: number): number =>
    new Set(ranked.slice(0, k).filter((id): id is string => id !== null && evidence.has(id))).size / evidence.size;
  const first = ranked.slice(0, 10).findIndex((id) => id !== null && evidence.has(id));
  return { category: question.category, r5: found(5), r10: found(10), mrr: first < 0 ? 0 : 1 / (first + 1) };
}

/** Averages over a set of questions. */
export interface Summary {
  /** Questions. */
  n: number;
  /** Mean recall@5. */
  r5: number;
  /** Mean recall@10. */
  r10: number;
  /** Mean reciprocal rank (@10). */
  mrr: number;
}

/**
 * Average scores.
 * @param scores - the questions' scores
 * @returns the means (0 for no questions)
 */
export function summarize(scores: readonly QuestionScore[]): Summary {
  const n = scores.length;
  const mean = (pick: (score: QuestionScore) => number): number =>
    n === 0 ? 0 : scores.reduce((total, score) => total + pick(score), 0) / n;
  return { n, r5: mean((score) => score.r5), r10: mean((score) => score.r10), mrr: mean((score) => score.mrr) };
}

/**
 * Averages overall and per category.
 * @param scores - the questions' scores
 * @returns `all` and one entry per category present, by number
 */
export function byCategory(scores: readonly QuestionScore[]): Map<string, Summary> {
  const result = new Map<string, Summary>([['all', summarize(scores)]]);
  for (const category of Object.keys(CATEGORIES).map(Number))
    result.set(String(category), summarize(scores.filter((score) => score.category === category)));
  return result;
}
