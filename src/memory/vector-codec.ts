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
