import type { WordSimilarity } from './embedders/types.js';
import type { Episode, EpisodeStore } from './episodes.js';
import { factText, type FactStore } from './facts.js';
import type { RecallOptions, RecallResult } from './recall.js';
import { relevantHits, type RelevanceSettings } from './relevance.js';
import { truncate } from './text.js';

/** What one turn gets from memory (see {@link turnContext}). */
export interface MemoryContext {
  /** High-confidence profile facts, one line each (`preference · coffee order: oat flat white`). */
  profile: string[];
  /** "Where we left off": the latest other session's summary and open follow-ups, or undefined. */
  leftOff: string | undefined;
  /** Recalled memories for this message relevant enough for the prompt, best first (`memory.recall.prompt`). */
  recall: RecallResult;
}

/** What {@link turnContext} reads. */
export interface TurnContextSources {
  /** The profile. */
  facts: FactStore;
  /** Episodes. */
  episodes: EpisodeStore;
  /** Profile facts with at least this confidence (0–1) go into every turn (`memory.profileMinConfidence`). */
  profileMinConfidence: number;
  /** Hybrid recall. */
  recall: (text: string, options: RecallOptions) => Promise<RecallResult>;
  /** When a recalled memory is relevant enough for the prompt. */
  relevance: RelevanceSettings;
  /** The most recalled memories for the prompt (`memory.recall.limit`). */
  limit: number;
  /** Word vectors for the relevance gate's paraphrases, when the serving embedder has them (read after recall). */
  words: () => WordSimilarity | undefined;
}

/**
 * What a model turn gets from memory: the profile (highest confidence
 * first), where we left off (the latest other episode), and recall for the
 * message, with what the turn has already left out of recall's slots:
 * recall's best `relevance.candidates` are weighed, and the best `limit`
 * of those relevant enough are kept (see `relevance.ts`).
 * @param turn - the session and the owner's message
 * @param sources - the profile, episodes, the confidence threshold and recall
 * @returns the memory context (the agent fits it into the token budget)
 * @throws SqliteError if the database fails
 */
export async function turnContext(
  turn: { sessionId: number; text: string; signal?: AbortSignal | undefined },
  sources: TurnContextSources,
): Promise<MemoryContext> {
  const profileFacts = sources.facts.current(sources.profileMinConfidence);
  const profile = profileFacts
    .sort(
      (left, right) =>
        right.confidence - left.confidence ||
        left.category.localeCompare(right.category) ||
        left.key.localeCompare(right.key),
    )
    .map((fact) => `${fact.category} · ${factText(fact)}`);
  const last = sources.episodes.latest(1, { exceptSession: turn.sessionId })[0];
  const leftOff = last === undefined ? undefined : describeLeftOff(last);
  // What the turn has already (the profile, where we left off) is left out before the limit, so recall fills its slots with the rest.
  const exclude = new Set([
    ...profileFacts.map((fact) => `fact:${fact.id}`),
    ...(last === undefined ? [] : [`episode:${last.id}`]),
  ]);
  const recall = await sources.recall(turn.text, {
    limit: Math.max(sources.limit, sources.relevance.candidates),
    excludeSessionId: turn.sessionId,
    exclude,
    signal: turn.signal,
  });
  const hits = relevantHits(recall.hits, turn.text, sources.relevance, sources.words()).slice(0, sources.limit);
  return { profile, leftOff, recall: { ...recall, hits } };
}

/**
 * The "where we left off" line of a turn's context.
 * @param episode - the latest other episode
 * @returns one line: date, channel, summary (at most 400 characters) and the open follow-ups
 */
export function describeLeftOff(episode: Episode): string {
  const parts = [
    `Where we left off (${episode.ended.slice(0, 10)}, ${episode.channel}): ${truncate(episode.summary, 400)}`,
  ];
  if (episode.followups.length > 0)
    parts.push(
      `Open follow-ups: ${episode.followups
        .map((item) => truncate(item, 120))
        .join('; ')
        .replace(/[.!?]?$/, (end) => end || '.')}`,
    );
  return parts.join(' ');
}
