/**
 * The vector index: the {@link VectorIndex} interface memory uses, the
 * staged implementation ({@link StagedIndex}: an exact int8 first stage and
 * an HNSW graph over the vectors' heads, rescored with the whole stored
 * vectors) and its files on disk.
 */
export type {
  GraphDetails,
  IndexDetails,
  IndexOpenReport,
  IndexSettings,
  IndexState,
  OpenedIndex,
  OpenVectorIndex,
  VectorHit,
  VectorIndex,
  VectorIndexOptions,
  VectorSource,
} from './types.js';
export { StagedIndex } from './staged.js';
export { indexFileStem } from './file.js';
