/**
 * The first stage of the vector index: the head (first `dims` dimensions)
 * of every vector, normalised and quantised to int8 with a per-row scale,
 * in one flat matrix that is scanned exactly. It loads from one file in
 * milliseconds, so recall has vectors from its first query while the HNSW
 * graph loads or is built; the whole stored vector then rescores what it
 * finds. The head of a Matryoshka embedding is itself an embedding
 * (Kusupati et al. 2022, "Matryoshka Representation Learning", whose
 * adaptive retrieval shortlists on a short prefix and reranks with the
 * whole vector).
 */

/** The file's first bytes: format name and version. */
const MAGIC = 'STWFLAT1';
/** Magic, dims and rows, in bytes. */
const HEADER_BYTES = 16;

/** One shortlisted row. */
export interface FlatHit {
  /** The `embeddings.id`. */
  id: number;
  /** Cosine similarity of the heads, about -1 to 1. */
  score: number;
}

/**
 * The head of a vector: its first `dims` dimensions, normalised.
 * @param vector - the whole vector
 * @param dims - how many dimensions to keep (at most the vector's length)
 * @returns the head, or undefined when it is all zero (nothing to compare)
 */
export function headOf(vector: Float32Array, dims: number): Float32Array | undefined {
  const head = vector.slice(0, Math.min(dims, vector.length));
  let norm = 0;
  for (const value of head) norm += value * value;
  if (norm === 0) return undefined;
  norm = Math.sqrt(norm);
  for (let axis = 0; axis < head.length; axis += 1) head[axis] = (head[axis] ?? 0) / norm;
  return head;
}

/**
 * The int8 head matrix of one model's vectors (see the file comment), with
 * ids as row labels. Rows are appended; a removed row keeps its place with
 * id 0 until the matrix is written, which leaves it out.
 */
export class FlatStage {
  /** Dimensions of each head. */
  readonly dims: number;
  #rows = 0;
  #alive = 0;
  #ids: Float64Array;
  #scales: Float32Array;
  #codes: Int8Array;
  /** Row of each id, made on first need (a search needs none, so a freshly read matrix answers at once). */
  #rowOf: Map<number, number> | undefined = new Map();

  /**
   * @param dims - dimensions of each head
   * @param capacity - rows to make room for at first (it grows by doubling)
   */
  constructor(dims: number, capacity = 1024) {
    this.dims = dims;
    this.#ids = new Float64Array(capacity);
    this.#scales = new Float32Array(capacity);
    this.#codes = new Int8Array(capacity * dims);
  }

  /** Rows in the matrix, not counting removed ones. */
  get size(): number {
    return this.#alive;
  }

  /** Rows used, removed ones included: rows are numbered 0 to this - 1. */
  get rows(): number {
    return this.#rows;
  }

  /** Bytes held in memory. */
  get bytes(): number {
    return this.#ids.byteLength + this.#scales.byteLength + this.#codes.byteLength;
  }

  /**
   * Whether an id is in the matrix.
   * @param id - the `embeddings.id`
   */
  has(id: number): boolean {
    return this.#rowIndex().has(id);
  }

  /** The row of each id (made from the ids the first time). */
  #rowIndex(): Map<number, number> {
    if (this.#rowOf === undefined) {
      this.#rowOf = new Map();
      for (let row = 0; row < this.#rows; row += 1) {
        const id = this.#ids[row] as number;
        if (id !== 0) this.#rowOf.set(id, row);
      }
    }
    return this.#rowOf;
  }

  /**
   * The id in a row.
   * @param row - 0 to {@link rows} - 1
   * @returns the id, or 0 when the row was removed
   */
  idAt(row: number): number {
    return this.#ids[row] ?? 0;
  }

  /**
   * A row's head, back from int8 (for the HNSW graph).
   * @param row - 0 to {@link rows} - 1
   */
  headAt(row: number): Float32Array {
    const head = new Float32Array(this.dims);
    const scale = this.#scales[row] ?? 0;
    const offset = row * this.dims;
    for (let axis = 0; axis < this.dims; axis += 1) head[axis] = (this.#codes[offset + axis] ?? 0) * scale;
    return head;
  }

  /**
   * Add a vector's head.
   * @param id - the `embeddings.id`
   * @param head - its head, from {@link headOf} ({@link dims} long)
   * @returns false when the id is already in
   */
  add(id: number, head: Float32Array): boolean {
    const rowOf = this.#rowIndex();
    if (rowOf.has(id)) return false;
    if (this.#rows === this.#ids.length) this.#grow();
    const row = this.#rows;
    let largest = 0;
    for (const value of head) largest = Math.max(largest, Math.abs(value));
    const scale = largest / 127 || 1;
    const offset = row * this.dims;
    for (let axis = 0; axis < this.dims; axis += 1) this.#codes[offset + axis] = Math.round((head[axis] ?? 0) / scale);
    this.#scales[row] = scale;
    this.#ids[row] = id;
    rowOf.set(id, row);
    this.#rows += 1;
    this.#alive += 1;
    return true;
  }

  /**
   * Leave an id out of every later search.
   * @param id - the `embeddings.id`
   * @returns whether it was in
   */
  remove(id: number): boolean {
    const rowOf = this.#rowIndex();
    const row = rowOf.get(id);
    if (row === undefined) return false;
    this.#ids[row] = 0;
    rowOf.delete(id);
    this.#alive -= 1;
    return true;
  }

  /** Make room: double the capacity (a matrix just read has none to spare: it lives in the file's bytes). */
  #grow(): void {
    const capacity = Math.max(1024, this.#ids.length * 2);
    const ids = new Float64Array(capacity);
    ids.set(this.#ids);
    const scales = new Float32Array(capacity);
    scales.set(this.#scales);
    const codes = new Int8Array(capacity * this.dims);
    codes.set(this.#codes);
    this.#ids = ids;
    this.#scales = scales;
    this.#codes = codes;
  }

  /**
   * The `k` rows whose heads are nearest to a query head, by an exact scan.
   * @param head - the query's head, from {@link headOf}
   * @param k - how many at most
   * @returns hits by decreasing score
   */
  search(head: Float32Array, k: number): FlatHit[] {
    const dims = this.dims;
    const codes = this.#codes;
    const ids = this.#ids;
    // A min-heap of the best k so far: its root is the weakest kept.
    const heapIds: number[] = [];
    const heapScores: number[] = [];
    for (let row = 0, offset = 0; row < this.#rows; row += 1, offset += dims) {
      const id = ids[row] ?? 0;
      if (id === 0) continue;
      let sum0 = 0;
      let sum1 = 0;
      let axis = 0;
      for (; axis + 1 < dims; axis += 2) {
        sum0 += (head[axis] as number) * (codes[offset + axis] as number);
        sum1 += (head[axis + 1] as number) * (codes[offset + axis + 1] as number);
      }
      if (axis < dims) sum0 += (head[axis] as number) * (codes[offset + axis] as number);
      const score = (sum0 + sum1) * (this.#scales[row] as number);
      if (heapIds.length < k) {
        heapIds.push(id);
        heapScores.push(score);
        siftUp(heapIds, heapScores, heapIds.length - 1);
      } else if (k > 0 && score > (heapScores[0] as number)) {
        heapIds[0] = id;
        heapScores[0] = score;
        siftDown(heapIds, heapScores, 0);
      }
    }
    return heapIds
      .map((id, index) => ({ id, score: heapScores[index] as number }))
      .sort((left, right) => right.score - left.score || left.id - right.id);
  }

  /**
   * The matrix as the bytes of its file, removed rows left out: `STWFLAT1`,
   * dims and rows (uint32 LE), then the ids (float64), the scales (float32)
   * and the int8 heads, row after row.
   */
  toBuffer(): Buffer {
    const count = this.size;
    const bytes = Buffer.alloc(HEADER_BYTES + count * (8 + 4 + this.dims));
    bytes.write(MAGIC, 0, 'latin1');
    bytes.writeUInt32LE(this.dims, 8);
    bytes.writeUInt32LE(count, 12);
    const ids = new Float64Array(bytes.buffer, bytes.byteOffset + HEADER_BYTES, count);
    const scales = new Float32Array(bytes.buffer, bytes.byteOffset + HEADER_BYTES + count * 8, count);
    const codes = new Int8Array(bytes.buffer, bytes.byteOffset + HEADER_BYTES + count * 12, count * this.dims);
    let kept = 0;
    for (let row = 0; row < this.#rows; row += 1) {
      const id = this.#ids[row] ?? 0;
      if (id === 0) continue;
      ids[kept] = id;
      scales[kept] = this.#scales[row] ?? 0;
      codes.set(this.#codes.subarray(row * this.dims, (row + 1) * this.dims), kept * this.dims);
      kept += 1;
    }
    return bytes;
  }

  /**
   * Read a matrix written by {@link toBuffer}.
   * @param bytes - the file's bytes
   * @returns the matrix, or why it cannot be read: `corrupt (...)`
   */
  static fromBuffer(bytes: Buffer): FlatStage | string {
    if (bytes.byteLength < HEADER_BYTES || bytes.toString('latin1', 0, 8) !== MAGIC)
      return 'corrupt (not a first-stage file)';
    const dims = bytes.readUInt32LE(8);
    const count = bytes.readUInt32LE(12);
    if (dims === 0 || bytes.byteLength !== HEADER_BYTES + count * (12 + dims))
      return 'corrupt (first-stage file of the wrong size)';
    // The matrix lives in the file's bytes (no copy), when they are aligned for float64; else in a copy.
    const aligned = (bytes.byteOffset + HEADER_BYTES) % 8 === 0 ? bytes : new Uint8Array(bytes);
    const buffer = aligned.buffer;
    const start = aligned.byteOffset + HEADER_BYTES;
    const flat = new FlatStage(dims, 0);
    flat.#ids = new Float64Array(buffer, start, count);
    flat.#scales = new Float32Array(buffer, start + count * 8, count);
    flat.#codes = new Int8Array(buffer, start + count * 12, count * dims);
    flat.#rows = count;
    flat.#alive = count;
    flat.#rowOf = undefined;
    return flat;
  }
}

function siftUp(ids: number[], scores: number[], start: number): void {
  let child = start;
  while (child > 0) {
    const parent = (child - 1) >> 1;
    if ((scores[parent] as number) <= (scores[child] as number)) return;
    swap(ids, scores, parent, child);
    child = parent;
  }
}

function siftDown(ids: number[], scores: number[], start: number): void {
  let parent = start;
  for (;;) {
    const left = 2 * parent + 1;
    const right = left + 1;
    let smallest = parent;
    if (left < scores.length && (scores[left] as number) < (scores[smallest] as number)) smallest = left;
    if (right < scores.length && (scores[right] as number) < (scores[smallest] as number)) smallest = right;
    if (smallest === parent) return;
    swap(ids, scores, parent, smallest);
    parent = smallest;
  }
}

function swap(ids: number[], scores: number[], left: number, right: number): void {
  [ids[left], ids[right]] = [ids[right] as number, ids[left] as number];
  [scores[left], scores[right]] = [scores[right] as number, scores[left] as number];
}
