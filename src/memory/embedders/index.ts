/**
 * Embedders: the {@link Embedder} interface, its implementations, and the
 * one factory that turns the configuration into an embedder
 * ({@link embedderSpec}, {@link embedderFromSpec}, {@link createEmbedder}).
 */
export { HashingEmbedder } from './hashing.js';
export { GloveEmbedder, type GloveEmbedderOptions } from './glove/glove.js';
export { HttpEmbedder, type HttpEmbedderOptions } from './http.js';
export type { Embedder, WordSimilarity } from './types.js';
export {
  cloudRefusal,
  createEmbedder,
  embedderFromSpec,
  embedderSpec,
  embedderSpecSchema,
  offlineUnavailable,
  OPENAI_EMBEDDING_MODEL,
  type EmbedderSpec,
} from './factory.js';
