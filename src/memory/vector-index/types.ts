import type { Logger } from '../../shared/log.js';
import type { EmbeddingStore } from '../embedding-store.js';

/** Vector index parameters (config `memory.index`). */
export interface IndexSettings {
  /**
   * Dimensions of the heads both stages search: the first N of each vector
   * (Matryoshka embeddings keep their meaning in a prefix); the whole stored
   * vector rescores the shortlist. 0 or absent = whole vectors.
   */
  dimensions?: number | undefined;
  /** Links per node (hnswlib M). */
  m: number;
  /** Build-time candidate list size. */
  efConstruction: number;
  /** Search-time candidate list size; hnswlib does not save it, so it is set after every load. */
  ef: number;
  /** Write the file after this many new vectors (at most once a minute, and always when closing). */
  saveEvery: number;
}

/** Where an index stands. */
export type IndexState =
  /** No vector stored for this model yet. */
  | 'empty'
  /** Searchable by the exact first stage while the HNSW graph loads or is built (see {@link IndexDetails.graph}). */
  | 'loading'
  /** Loaded (or built) and caught up, the graph too. */
  | 'ready'
  /** Being rebuilt from the stored vectors; searches return undefined (recall uses BM25 alone meanwhile). */
  | 'rebuilding';

/** How the index was opened, for logs, `steward memory` and the benchmark. */
export interface IndexOpenReport {
  /** `loaded` from its file, `rebuilt` from SQLite (no embedding calls), or `empty`. */
  how: 'loaded' | 'rebuilt' | 'empty';
  /** Why it was rebuilt: `missing`, `corrupt (...)`, `stale (...)`. */
  reason?: string | undefined;
  /** Vectors added after loading because the file lacked them. */
  caughtUp: number;
  /** Time to open, in ms (a rebuild itself goes on in the background). */
  ms: number;
  /** Where that time went, in ms: reading and checking the first stage's file, reading its matrix, catching up. */
  phases?: { verify: number; load: number; catchUp: number } | undefined;
}

/** The HNSW graph of an index, as {@link VectorIndex.details} reports it. */
export interface GraphDetails {
  /** `loading` from its file, `building` from the first stage, `ready`, or `none` (exact search only). */
  state: 'loading' | 'building' | 'ready' | 'none';
  /** Vectors added to it so far, and to add (equal once ready). */
  done: number;
  /** See {@link done}. */
  total: number;
  /** Why it is being built: `missing`, `corrupt (...)`. */
  reason?: string | undefined;
  /** Time from opening the index until the graph was ready, in ms. */
  ms?: number | undefined;
}

/** Sizes and state of an index, for `steward memory` and the benchmark. */
export interface IndexDetails {
  /** Dimensions of the stored vectors, and of the heads the stages search (undefined before the first vector). */
  dims: { stored: number | undefined; heads: number | undefined };
  /** The HNSW graph. */
  graph: GraphDetails;
  /** Bytes of the index files on disk, and about how many bytes the index holds in memory. */
  bytes: { disk: number; memory: number };
}

/** One nearest neighbour. */
export interface VectorHit {
  /** The `embeddings.id` of the vector. */
  label: number;
  /** Cosine distance, 0 (same direction) to 2. */
  distance: number;
}

/**
 * What an index reads from the stored vectors: pages by id (to rebuild and
 * to catch up), whole vectors by id (to rescore), the id sequence (to tell
 * a stale file) and a model's count.
 * `EmbeddingStore` is the one implementation.
 */
export type VectorSource = Pick<EmbeddingStore, 'page' | 'sequence' | 'stats' | 'vectors'>;

/** Options of an index's `open` (see {@link OpenVectorIndex}). */
export interface VectorIndexOptions {
  /** Embedder id. */
  model: string;
  /** Folder of the index files (`STEWARD_DATA_DIR/vectors`). */
  directory: string;
  /** Stored vectors. */
  store: VectorSource;
  /** Head dimensions and HNSW settings. */
  settings: IndexSettings;
  /** Logger. */
  log: Logger;
  /** The database's id (`memory_state.database_id`): a file made for another database is never loaded. */
  databaseId: string;
}

/**
 * The vector index of one embedding model: an approximate nearest
 * neighbour search over the vectors stored in SQLite, labelled by
 * `embeddings.id`. It is a cache, never the only copy of a vector: it can
 * always be rebuilt from the `embeddings` table with no embedding call, and
 * it catches up by id before each search, so it sees what another process
 * wrote.
 *
 * `StagedIndex` (`staged.ts`: an exact int8 first stage and an HNSW graph
 * over the vectors' heads, rescored with the whole stored vectors) is the
 * implementation. The interface is what memory needs, so that another index
 * can take its place behind {@link OpenVectorIndex}.
 */
export interface VectorIndex {
  /** The embedder id whose vectors it holds. */
  readonly model: string;
  /** `empty`, `loading`, `ready` or `rebuilding`. */
  readonly state: IndexState;
  /** Rebuild progress (done and total vectors); equal when not rebuilding. */
  readonly progress: { done: number; total: number };
  /** Vectors in the index, not counting deleted ones. */
  readonly size: number;
  /** Vector dimension, once known. */
  readonly dimension: number | undefined;
  /** Every stored row id up to this one is in the index (or was deleted, or is a zero vector). */
  readonly caughtUpTo: number;
  /** The file in use, or where it will be written (for `steward memory`). */
  readonly file: string;
  /** Resolves when a rebuild, and the loading or building of a second stage, have finished (at once otherwise). */
  ready(): Promise<void>;
  /** Dimensions, the graph's state and the bytes used (cheap: nothing is read). */
  details(): IndexDetails;
  /**
   * Add a vector just stored by this process (its row id is the label).
   * @param label - the `embeddings.id`
   * @param vector - the vector
   */
  add(label: number, vector: Float32Array): void;
  /**
   * Leave a vector out of every later search (its row is gone).
   * @param label - the `embeddings.id`
   */
  remove(label: number): void;
  /**
   * Add the stored vectors the index lacks (rows above {@link caughtUpTo}).
   * @returns how many vectors were added
   */
  catchUp(): number;
  /**
   * The `k` nearest stored vectors to `query`, after catching up.
   * @param query - the query vector (same dimension)
   * @param k - how many at most
   * @returns hits by increasing cosine distance (of the whole vectors), or undefined while the index is rebuilding or the query cannot be compared
   */
  search(query: Float32Array, k: number): VectorHit[] | undefined;
  /** Write the file when enough has changed since the last write (called off the reply path). */
  maybeSave(): void;
  /** Write the file now when anything changed; a failure is logged, never thrown. */
  save(): void;
  /** Wait for a rebuild of what recall needs, stop any other background work, then save. */
  close(): Promise<void>;
}

/** An index just opened, and how it was opened. */
export interface OpenedIndex {
  /** The index (it may still be rebuilding: see {@link VectorIndex.state}). */
  index: VectorIndex;
  /** Loaded, rebuilt or empty, and how long it took. */
  report: IndexOpenReport;
}

/**
 * Opens the index of one model: load and catch up, or start a rebuild from
 * the stored vectors. `StagedIndex.open` is the default.
 * @throws Error when the index library cannot be loaded
 */
export type OpenVectorIndex = (options: VectorIndexOptions) => Promise<OpenedIndex>;
