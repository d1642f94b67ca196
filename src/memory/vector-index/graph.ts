import type { HierarchicalNSW } from 'hnswlib-node';
import type { IndexSettings } from './types.js';

async function loadHnswlib(): Promise<typeof import('hnswlib-node')> {
  const module = (await import('hnswlib-node')) as typeof import('hnswlib-node') & {
    default?: typeof import('hnswlib-node');
  };
  return module.default ?? module;
}

/**
 * The second stage of the vector index: an HNSW graph (hnswlib-node,
 * cosine space; Malkov & Yashunin 2016) over the same heads as the first
 * stage, labelled by `embeddings.id`. Searching it costs about a
 * millisecond at 100k vectors where the flat scan costs tens. It grows by
 * doubling; removed labels are mark-deleted and their slots reused.
 */
export class GraphStage {
  /** Dimensions of each head. */
  readonly dims: number;
  readonly #hnsw: HierarchicalNSW;
  readonly #labels: Set<number>;
  #deleted: number;

  private constructor(dims: number, hnsw: HierarchicalNSW, labels: Set<number>, deleted: number) {
    this.dims = dims;
    this.#hnsw = hnsw;
    this.#labels = labels;
    this.#deleted = deleted;
  }

  /**
   * An empty graph.
   * @param dims - dimensions of each head
   * @param capacity - vectors to make room for at first
   * @param settings - M, efConstruction and ef
   * @throws Error when hnswlib-node cannot be loaded
   */
  static async create(dims: number, capacity: number, settings: IndexSettings): Promise<GraphStage> {
    const lib = await loadHnswlib();
    const hnsw = new lib.HierarchicalNSW('cosine', dims);
    hnsw.initIndex({
      maxElements: Math.max(1024, capacity),
      m: settings.m,
      efConstruction: settings.efConstruction,
      randomSeed: 100,
      allowReplaceDeleted: true,
    });
    hnsw.setEf(settings.ef);
    return new GraphStage(dims, hnsw, new Set(), 0);
  }

  /**
   * Read a graph file. hnswlib reads it on a thread of libuv's pool, so the
   * event loop (and recall by the first stage) goes on meanwhile.
   * @param path - the file (checked by the caller)
   * @param dims - dimensions of each head
   * @param count - vectors it holds, not counting deleted ones (from the metadata)
   * @param settings - ef is set after loading (hnswlib does not save it)
   * @throws Error when hnswlib-node cannot be loaded or cannot read the file
   */
  static async load(path: string, dims: number, count: number, settings: IndexSettings): Promise<GraphStage> {
    const lib = await loadHnswlib();
    const hnsw = new lib.HierarchicalNSW('cosine', dims);
    await hnsw.readIndex(path, true);
    hnsw.setEf(settings.ef);
    const labels = new Set(hnsw.getIdsList());
    return new GraphStage(dims, hnsw, labels, Math.max(0, hnsw.getCurrentCount() - count));
  }

  /** Vectors in the graph, not counting deleted ones. */
  get size(): number {
    return this.#hnsw.getCurrentCount() - this.#deleted;
  }

  /** About how many bytes the graph holds in memory: each head as float32, and its links. */
  get bytes(): number {
    return this.#hnsw.getMaxElements() * (this.dims * 4 + 2 * 4 * 16 + 16);
  }

  /** The labels in the graph. */
  labels(): IterableIterator<number> {
    return this.#labels.values();
  }

  /**
   * Whether a label is in the graph.
   * @param label - the `embeddings.id`
   */
  has(label: number): boolean {
    return this.#labels.has(label);
  }

  /**
   * Add a head.
   * @param label - the `embeddings.id`
   * @param head - {@link dims} long
   */
  add(label: number, head: Float32Array): void {
    if (this.#labels.has(label)) return;
    const hnsw = this.#hnsw;
    if (this.#deleted === 0 && hnsw.getCurrentCount() >= hnsw.getMaxElements())
      hnsw.resizeIndex(hnsw.getMaxElements() * 2);
    const reuse = this.#deleted > 0;
    hnsw.addPoint(Array.from(head), label, reuse);
    if (reuse) this.#deleted -= 1;
    this.#labels.add(label);
  }

  /**
   * Mark a label deleted; its slot is reused by the next add.
   * @param label - the `embeddings.id`
   * @returns whether it was in
   */
  remove(label: number): boolean {
    if (!this.#labels.delete(label)) return false;
    try {
      this.#hnsw.markDelete(label);
      this.#deleted += 1;
    } catch {
      // Already marked deleted in the file this graph was read from.
    }
    return true;
  }

  /**
   * The labels of the `k` nearest heads.
   * @param head - the query's head ({@link dims} long)
   * @param k - how many at most
   * @returns labels, nearest first
   */
  search(head: Float32Array, k: number): number[] {
    const size = this.size;
    if (size === 0) return [];
    return this.#hnsw.searchKnn(Array.from(head), Math.min(k, size)).neighbors;
  }

  /**
   * Write the graph to a file.
   * @param path - where
   * @throws Error when the write fails
   */
  write(path: string): void {
    this.#hnsw.writeIndexSync(path);
  }
}
