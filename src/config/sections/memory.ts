import { z } from 'zod';
import { httpUrl } from './fields.js';

/** `embeddings`: which embedder turns texts into vectors, and how it is called. */
export const embeddingsSchema = z.strictObject({
  provider: z
    .enum(['auto', 'offline', 'hashing', 'http', 'openai'])
    .describe(
      'auto: the HTTP embedder when embeddings.url is set, else the offline one; offline: GloVe word vectors shipped with steward (no server); hashing: the feature-hashing embedder (no server, no meaning: shared words and word forms only); http: an OpenAI-compatible /v1/embeddings at embeddings.url; openai: OpenAI itself (models.openai.baseUrl and apiKey; obeys models.allowCloud).',
    ),
  url: httpUrl
    .nullable()
    .describe(
      'OpenAI-compatible /v1 base URL for embeddings (STEWARD_EMBEDDINGS_URL); null = the offline word-vector embedder.',
    ),
  model: z
    .string()
    .min(1)
    .nullable()
    .describe(
      'Embedding model name (STEWARD_EMBEDDINGS_MODEL); null = the server default, or text-embedding-3-small for openai.',
    ),
  apiKey: z.string().min(1).nullable().describe('Bearer key of the HTTP embeddings server, if it needs one.'),
  batchSize: z.number().int().min(1).max(2048).describe('Texts per embeddings request.'),
  maxInputTokens: z
    .number()
    .int()
    .min(16)
    .max(131_072)
    .describe(
      "The most tokens of one embeddings input (HTTP embedder): longer texts are cut first. 512 is llama.cpp's physical batch (-ub), past which it refuses an input; raise it with -ub or for a server that takes more. A text the server still refuses as too large is shortened until it is taken.",
    ),
  timeoutMs: z.number().int().positive().describe('Timeout of one embeddings request, in ms.'),
  retries: z
    .number()
    .int()
    .min(0)
    .max(10)
    .describe('Retries of a failed embeddings request (refused, timeout, 429, 5xx), with exponential backoff.'),
  offlineDimensions: z.number().int().min(16).max(4096).describe('Vector size of the hashing embedder.'),
  dimensions: z
    .number()
    .int()
    .min(16)
    .max(16384)
    .nullable()
    .describe(
      'Ask the HTTP embedder for vectors this long (the OpenAI "dimensions" parameter, for Matryoshka models such as Qwen3-Embedding and text-embedding-3; Ollama >= 0.11.11 and vLLM honour it, llama.cpp ignores it). A longer vector is cut to its first N dimensions and renormalised here. Changing it re-embeds every memory. null = the full length.',
    ),
});

/** `memory`: sessions, the turn's memory budget, hybrid recall, the HNSW index and background consolidation. */
export const memorySchema = z.strictObject({
  sessionIdleMinutes: z
    .number()
    .positive()
    .describe(
      'A conversation session ends after this many minutes without a message (the daemon then writes its episode); /end and leaving the REPL end one at once.',
    ),
  contextTokens: z
    .number()
    .int()
    .min(0)
    .describe(
      'Token budget of the memory given to each model turn: profile facts, "where we left off", today\'s habits and goals, and recalled memories (about 4 characters a token).',
    ),
  profileMinConfidence: z
    .number()
    .min(0)
    .max(1)
    .describe('Profile facts with at least this confidence (0-1) go into every turn.'),
  recall: z.strictObject({
    limit: z.number().int().min(1).max(100).describe('Recalled memories offered to a turn (and shown by "recall").'),
    candidates: z
      .number()
      .int()
      .min(1)
      .max(1000)
      .describe('Candidates taken from BM25 and from the vector index before fusion.'),
    fusion: z
      .enum(['rrf', 'convex'])
      .describe(
        'How the BM25 and vector lists are fused: rrf, weighted reciprocal rank fusion ((1 - vectorWeight)/(rrfK + BM25 rank) + vectorWeight/(rrfK + vector rank)); convex, (1 - vectorWeight) x BM25 score + vectorWeight x cosine, each min-max normalised over its list.',
      ),
    rrfK: z
      .number()
      .positive()
      .describe('k of reciprocal rank fusion (Cormack et al. 2009 use 60); a smaller k lets the top ranks count more.'),
    vectorWeight: z
      .number()
      .min(0)
      .max(1)
      .describe('Share of the vector list in the fusion, 0-1: 0 is BM25 alone, 1 the vectors alone, 0.5 both equal.'),
    recencyHalfLifeDays: z
      .number()
      .positive()
      .describe(
        'Half-life of recency, in days: a message or episode this old has lost half of recencyWeight (its factor is 1 - recencyWeight/2).',
      ),
    recencyWeight: z
      .number()
      .min(0)
      .max(1)
      .describe('Share of the score (0-1) that recency can take away from an old memory.'),
    weights: z
      .strictObject({
        fact: z.number().min(0).describe('Weight of profile facts.'),
        episode: z.number().min(0).describe('Weight of episode summaries.'),
        message: z.number().min(0).describe('Weight of single messages.'),
        inferred: z
          .number()
          .min(0)
          .max(1)
          .describe('Extra factor for facts the model inferred (explicit ones count 1).'),
      })
      .describe('Source weights multiplied into the fused score.'),
    queryTimeoutMs: z
      .number()
      .int()
      .positive()
      .describe('Time budget for embedding the query of a turn, in ms; past it recall uses BM25 alone.'),
    minSimilarity: z
      .number()
      .min(-1)
      .max(1)
      .describe(
        'Vector neighbours below this cosine similarity are dropped (BM25 matches are kept). Raise it for models whose unrelated texts score high (about 0.5 for nomic-embed-text).',
      ),
    prompt: z
      .strictObject({
        candidates: z
          .number()
          .int()
          .min(1)
          .max(200)
          .describe(
            "Recall's best N memories are weighed for a model turn's prompt; at most memory.recall.limit of those relevant enough enter it.",
          ),
        minSimilarity: z
          .number()
          .min(-1)
          .max(1)
          .describe(
            "A recalled memory enters the prompt when its cosine similarity to the message is at least this (1: off, the default; the offline embedder scores unrelated sentences 0.6-0.9; an embedding model's own level, e.g. 0.6, can go here)...",
          ),
        minWordShare: z
          .number()
          .min(0)
          .max(1)
          .describe(
            "...or when it holds at least this share (0-1) of the message's content words (weighted by rarity with the offline embedder's word vectors).",
          ),
        minWordSimilarity: z
          .number()
          .min(-1)
          .max(1)
          .describe(
            'With the offline embedder, a memory\'s word counts as a message\'s word when their word vectors\' cosine is at least this ("cat" for "pet"); other embedders match words by stem only.',
          ),
        top: z
          .strictObject({
            minSimilarity: z.number().min(-1).max(1).describe('minSimilarity for the candidate with the best cosine.'),
            minWordShare: z.number().min(0).max(1).describe('minWordShare for the candidate with the best word share.'),
          })
          .describe('The best candidate by each measure is kept on less evidence: its own thresholds.'),
      })
      .describe('When a recalled memory is relevant enough for the prompt ("recall" shows every hit).'),
  }),
  index: z.strictObject({
    dimensions: z
      .number()
      .int()
      .min(0)
      .max(16384)
      .describe(
        'The vector index searches the first N dimensions of each vector (an exact int8 first stage, then an HNSW graph), and the whole stored vector ranks what it finds. Right for Matryoshka embedding models (Qwen3-Embedding, text-embedding-3, nomic-embed-text v1.5, mxbai-embed-large); 0 = whole vectors, for models not trained that way. Changing it rebuilds the index files (no re-embedding).',
      ),
    m: z.number().int().min(4).max(64).describe('HNSW M: links per node (hnswlib).'),
    efConstruction: z.number().int().min(10).max(1000).describe('HNSW efConstruction: build-time candidate list size.'),
    ef: z
      .number()
      .int()
      .min(10)
      .max(1000)
      .describe('HNSW ef: search-time candidate list size (not saved in the index file; set after loading).'),
    saveEvery: z
      .number()
      .int()
      .min(1)
      .describe('Write the index file after this many new vectors (and always when closing).'),
  }),
  extraction: z.strictObject({
    enabled: z
      .boolean()
      .describe(
        'After each model turn, have the fast tier pull facts about the owner out of the message (prompts/extract-facts.md), off the reply path.',
      ),
    minConfidence: z.number().min(0).max(1).describe('Extracted facts below this confidence (0-1) are dropped.'),
  }),
  episodes: z.strictObject({
    summarizeWithModel: z
      .boolean()
      .describe(
        'Have the fast tier summarize each finished session (prompts/summarize-episode.md); off or with no model, a heuristic summary is stored and upgraded later.',
      ),
  }),
  backgroundLocalOnly: z
    .boolean()
    .describe(
      'Fact extraction and episode summaries use local models only; with none up, the work waits (true keeps that traffic off the cloud).',
    ),
  closeTimeoutMs: z
    .number()
    .int()
    .min(0)
    .describe(
      'How long closing steward waits for background memory work (embeddings, extraction, summaries) before leaving it for the next start, in ms.',
    ),
});
