import type { FoundModel, FoundServer } from './servers.js';

/**
 * The tiers and the embedder `steward init` proposes from what it found:
 * the fast tier is the smallest chat model, the quality tier the largest
 * (when there are two of different sizes), the embedder the first
 * embedding model; models already loaded come first at equal size, so
 * nothing has to be swapped into memory.
 */

/** A model on a server, as a tier or the embedder uses it. */
export interface ModelChoice {
  /** Base URL ending in `/v1`. */
  baseUrl: string;
  /** The model name to send, or null for the server's own (mlx_lm.server). */
  model: string | null;
}

/** What {@link proposeChoices} proposes; undefined where nothing fits. */
export interface Proposal {
  /** The fast tier. */
  fast?: ModelChoice;
  /** The quality tier (undefined when only one chat model was found: the quality chain falls back to it). */
  quality?: ModelChoice;
  /** The embedder. */
  embeddings?: ModelChoice;
}

interface Candidate {
  server: FoundServer;
  model: FoundModel;
}

function choiceOf(candidate: Candidate): ModelChoice {
  return { baseUrl: candidate.server.baseUrl, model: candidate.server.omitModel ? null : candidate.model.id };
}

/**
 * Propose a fast tier, a quality tier and an embedder.
 * @param servers - the servers found, in the order they were probed
 * @returns the proposal
 */
export function proposeChoices(servers: readonly FoundServer[]): Proposal {
  const all: Candidate[] = servers.flatMap((server) => server.models.map((model) => ({ server, model })));
  // A server that asks for no model name (mlx_lm.server) offers one chat model: the one it serves.
  const chat = all
    .filter((candidate) => candidate.model.kind !== 'embedding')
    .filter(
      (candidate, index, list) =>
        !candidate.server.omitModel || list.findIndex((other) => other.server === candidate.server) === index,
    )
    // Known chat models before unknown ones, loaded before not loaded; stable otherwise.
    .map((candidate, index) => ({ candidate, index }))
    .sort(
      (left, right) =>
        Number(left.candidate.model.kind !== 'chat') - Number(right.candidate.model.kind !== 'chat') ||
        Number(left.candidate.model.loaded === false) - Number(right.candidate.model.loaded === false) ||
        left.index - right.index,
    )
    .map(({ candidate }) => candidate);
  const proposal: Proposal = {};
  const known = chat.filter((candidate) => candidate.model.kind === 'chat');
  const pool = known.length > 0 ? known : chat;
  if (pool.length > 0) {
    const bySize = [...pool].sort((left, right) => left.model.size - right.model.size);
    const smallest = bySize[0] as Candidate;
    const largest = bySize[bySize.length - 1] as Candidate;
    proposal.fast = choiceOf(smallest);
    if (largest !== smallest && largest.model.size > smallest.model.size) proposal.quality = choiceOf(largest);
  }
  const embedding = all
    .filter((candidate) => candidate.model.kind === 'embedding')
    .sort((left, right) => Number(left.model.loaded === false) - Number(right.model.loaded === false))[0];
  if (embedding !== undefined) proposal.embeddings = choiceOf(embedding);
  return proposal;
}
