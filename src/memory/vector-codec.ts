/**
 * How a vector is stored in `embeddings.vector`.
 *
 * - `int8` (written since issue 15): a little-endian float32 scale, then one
 *   signed byte per dimension, `value ≈ byte × scale`, with the scale set by
 *   the largest magnitude (symmetric scalar quantisation, as in
 *   sentence-transformers' and Qdrant's int8 quantisation). 4 + dim bytes: a
 *   quarter of float32. `pnpm bench memory` measures its recall cost.
 * - `float32` (databases written before): dim little-endian float32.
 *
 * The row's `dim` column tells them apart: 4 × dim bytes is float32 and
 * dim + 4 is int8, and the two are never equal for a whole dim.
 */
export type VectorFormat = 'int8' | 'float32';

/** Bytes of the scale in front of an int8 vector. */
const SCALE_BYTES = 4;

/**
 * Encode a vector as int8 with a float32 scale (see {@link VectorFormat}).
 * @param vector - the vector (any length)
 * @returns 4 + length bytes
 */
export function encodeVector(vector: Float32Array): Buffer {
  let largest = 0;
  for (const value of vector) largest = Math.max(largest, Math.abs(value));
  const scale = largest / 127;
  const bytes = Buffer.alloc(SCALE_BYTES + vector.length);
  bytes.writeFloatLE(scale, 0);
  if (scale > 0) {
    const codes = new Int8Array(bytes.buffer, bytes.byteOffset + SCALE_BYTES, vector.length);
    for (let axis = 0; axis < vector.length; axis += 1) codes[axis] = Math.round((vector[axis] ?? 0) / scale);
  }
  return bytes;
}

/**
 * The format of a stored vector, from its size.
 * @param bytes - the BLOB's length
 * @param dim - the row's `dim`
 * @returns the format, or undefined when the size fits neither (a damaged row)
 */
export function vectorFormat(bytes: number, dim: number): VectorFormat | undefined {
  if (bytes === dim * 4) return 'float32';
  if (bytes === dim + SCALE_BYTES) return 'int8';
  return undefined;
}

/**
 * Decode a stored vector of either format (copied, so alignment never matters).
 * @param blob - the stored bytes
 * @param dim - the row's `dim`
 * @returns the vector (float32), or an all-zero one when the size fits no format (never compared: see `isZero` in the index)
 */
export function decodeVector(blob: Uint8Array, dim: number): Float32Array {
  const format = vectorFormat(blob.byteLength, dim);
  const vector = new Float32Array(dim);
  if (format === 'float32') {
    const copy = new Uint8Array(blob.byteLength);
    copy.set(blob);
    vector.set(new Float32Array(copy.buffer, 0, dim));
  } else if (format === 'int8') {
    const scale = new DataView(blob.buffer, blob.byteOffset, SCALE_BYTES).getFloat32(0, true);
    const codes = new Int8Array(blob.buffer, blob.byteOffset + SCALE_BYTES, dim);
    for (let axis = 0; axis < dim; axis += 1) vector[axis] = (codes[axis] ?? 0) * scale;
  }
  return vector;
}

/**
 * Bytes a vector of `dim` dimensions takes in a format.
 * @param format - the format
 * @param dim - dimensions
 */
export function vectorBytes(format: VectorFormat, dim: number): number {
  return format === 'float32' ? dim * 4 : dim + SCALE_BYTES;
}

/** A stored vector as read from its row: its `dim` and its bytes (either format). */
export interface EncodedVector {
  /** The row's `dim`. */
  dim: number;
  /** The BLOB. */
  bytes: Uint8Array;
}

/**
 * Cosine similarity of a query and a stored vector, read in place (no
 * copy: an int8 vector's scale cancels out, so its bytes are used as they are).
 * @param query - the query (the stored vector's length)
 * @param queryNorm - the query's Euclidean length
 * @param stored - the stored vector
 * @returns the cosine, about -1 to 1, or undefined when the lengths differ or either vector is zero
 */
export function cosineToStored(query: Float32Array, queryNorm: number, stored: EncodedVector): number | undefined {
  const { dim, bytes } = stored;
  if (query.length !== dim || queryNorm === 0) return undefined;
  const format = vectorFormat(bytes.byteLength, dim);
  let values: Int8Array | Float32Array;
  if (format === 'int8') values = new Int8Array(bytes.buffer, bytes.byteOffset + SCALE_BYTES, dim);
  else if (format === 'float32')
    values =
      bytes.byteOffset % 4 === 0
        ? new Float32Array(bytes.buffer, bytes.byteOffset, dim)
        : new Float32Array(new Uint8Array(bytes).buffer, 0, dim);
  else return undefined;
  const [dot, norm] = dotAndNorm(query, values);
  return norm === 0 ? undefined : dot / (queryNorm * Math.sqrt(norm));
}

/** Σ query·values and Σ values², four sums at a time (the rescoring's inner loop). */
function dotAndNorm(query: Float32Array, values: Int8Array | Float32Array): [number, number] {
  let dot0 = 0;
  let dot1 = 0;
  let norm0 = 0;
  let norm1 = 0;
  const length = values.length;
  let axis = 0;
  for (; axis + 1 < length; axis += 2) {
    const first = values[axis] as number;
    const second = values[axis + 1] as number;
    dot0 += (query[axis] as number) * first;
    dot1 += (query[axis + 1] as number) * second;
    norm0 += first * first;
    norm1 += second * second;
  }
  if (axis < length) {
    const last = values[axis] as number;
    dot0 += (query[axis] as number) * last;
    norm0 += last * last;
  }
  return [dot0 + dot1, norm0 + norm1];
}
