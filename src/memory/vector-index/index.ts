/**
 * The vector index: the {@link VectorIndex} interface memory uses, the
 * hnswlib implementation ({@link HnswIndex}) and its files on disk.
 */
export type {
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
export { HnswIndex } from './hnsw.js';
export { indexFileStem } from './file.js';
