import type {
  IndexDetails,
  IndexState,
  OpenedIndex,
  VectorHit,
  VectorIndex,
  VectorIndexOptions,
} from '../../src/memory/vector-index/index.js';

/**
 * A second {@link VectorIndex}: exact (brute-force) cosine search over
 * every stored vector, held in memory, never written to disk. It shows
 * that the interface is all memory needs from an index, and it is the
 * ground truth an approximate index is measured against.
 */
export class ExactIndex implements VectorIndex {
  readonly model: string;
  readonly state: IndexState = 'ready';
  readonly file = '(in memory)';
  readonly #options: VectorIndexOptions;
  readonly #vectors = new Map<number, Float32Array>();
  #caughtUpTo = 0;
  /** Calls of {@link save} and {@link close}, for tests. */
  saves = 0;

  private constructor(options: VectorIndexOptions) {
    this.model = options.model;
    this.#options = options;
  }

  /**
   * Open: read every stored vector of the model (an `OpenVectorIndex`).
   * @param options - the model and the stored vectors (the folder and settings are not used)
   */
  static open(options: VectorIndexOptions): Promise<OpenedIndex> {
    const index = new ExactIndex(options);
    const caughtUp = index.catchUp();
    return Promise.resolve({ index, report: { how: caughtUp === 0 ? 'empty' : 'loaded', caughtUp, ms: 0 } });
  }

  get progress(): { done: number; total: number } {
    return { done: this.size, total: this.size };
  }

  get size(): number {
    return this.#vectors.size;
  }

  /** The stored vectors' length, as the staged index reports it (its first vector's). */
  get dimension(): number | undefined {
    return this.#vectors.values().next().value?.length;
  }

  get caughtUpTo(): number {
    return this.#caughtUpTo;
  }

  ready(): Promise<void> {
    return Promise.resolve();
  }

  details(): IndexDetails {
    const first = this.#vectors.values().next().value;
    return {
      dims: { stored: first?.length, heads: first?.length },
      graph: { state: 'none', done: 0, total: 0 },
      bytes: { disk: 0, memory: [...this.#vectors.values()].reduce((sum, vector) => sum + vector.byteLength, 0) },
    };
  }

  add(label: number, vector: Float32Array): void {
    this.#vectors.set(label, vector);
  }

  remove(label: number): void {
    this.#vectors.delete(label);
  }

  catchUp(): number {
    let added = 0;
    for (;;) {
      const page = this.#options.store.page(this.model, this.#caughtUpTo, 1000);
      if (page.length === 0) return added;
      for (const row of page) {
        if (!this.#vectors.has(row.id)) added += 1;
        this.#vectors.set(row.id, row.vector);
        this.#caughtUpTo = row.id;
      }
    }
  }

  search(query: Float32Array, k: number): VectorHit[] | undefined {
    this.catchUp();
    const norm = (vector: Float32Array): number => Math.sqrt(vector.reduce((sum, value) => sum + value * value, 0));
    const queryNorm = norm(query);
    if (queryNorm === 0) return undefined;
    const hits: VectorHit[] = [];
    for (const [label, vector] of this.#vectors) {
      const length = norm(vector);
      if (length === 0 || vector.length !== query.length) continue;
      let dot = 0;
      for (let index = 0; index < vector.length; index += 1) dot += (vector[index] ?? 0) * (query[index] ?? 0);
      hits.push({ label, distance: 1 - dot / (length * queryNorm) });
    }
    return hits.sort((left, right) => left.distance - right.distance || left.label - right.label).slice(0, k);
  }

  maybeSave(): void {}

  save(): void {
    this.saves += 1;
  }

  close(): Promise<void> {
    this.save();
    return Promise.resolve();
  }
}
