import { z } from 'zod';

/**
 * The word-vector file steward ships (`glove-6b-100d-50k.bin`): the most
 * frequent words of a word-vector set, each as int8 values with one float32
 * scale (symmetric per-word quantisation: value ≈ scale × int8), and the
 * statistics the embedder needs. Little-endian:
 *
 * | bytes | what |
 * |---|---|
 * | 8 | magic `STWVEC1\n` |
 * | 4 | u32: length H of the header |
 * | H | the header, JSON ({@link WordVectorsHeader}) |
 * | `wordsBytes` | the words, UTF-8, one per line, most frequent first; then zero padding to a multiple of 4 |
 * | 4 × N | u32: each word's frequency rank in the source (0 = most frequent) |
 * | 4 × N | float32: each word's scale |
 * | N × D | int8: the vectors, word after word |
 */

/** The magic number that starts the file. */
export const WORD_VECTORS_MAGIC = 'STWVEC1\n';

/** The header of a word-vector file. */
export const wordVectorsHeaderSchema = z.object({
  /** Format version. */
  format: z.literal(1),
  /** Where the vectors come from: the npm package, its version and its published integrity. */
  source: z.object({ package: z.string(), version: z.string(), integrity: z.string() }),
  /** What the vectors are, for people. */
  description: z.string(),
  /** Words kept. */
  words: z.number().int().positive(),
  /** Words in the source (for the frequency estimate from ranks). */
  sourceWords: z.number().int().positive(),
  /** Dimensions of each vector. */
  dimensions: z.number().int().positive(),
  /** Length of the words block, in bytes (before padding). */
  wordsBytes: z.number().int().positive(),
  /**
   * The common direction of sentence vectors, as unit vector of `dimensions`
   * floats: the first principal component of the frequency-weighted word
   * vectors (SIF's "common discourse vector", Arora, Liang & Ma 2017),
   * removed from every embedding.
   */
  commonComponent: z.array(z.number()),
});

/** The header of a word-vector file (see {@link wordVectorsHeaderSchema}). */
export type WordVectorsHeader = z.infer<typeof wordVectorsHeaderSchema>;

/** A word-vector file, read. */
export interface WordVectors {
  /** Its header. */
  header: WordVectorsHeader;
  /** Row of each word. */
  rows: Map<string, number>;
  /** Frequency rank of each row in the source (0 = most frequent). */
  ranks: Uint32Array;
  /** Scale of each row. */
  scales: Float32Array;
  /** The int8 vectors, row after row. */
  values: Int8Array;
}

/**
 * Write a word-vector file.
 * @param header - the header (`wordsBytes` is filled in)
 * @param words - the words, most frequent first
 * @param ranks - each word's rank in the source
 * @param vectors - each word's float vector
 * @returns the file's bytes
 */
export function encodeWordVectors(
  header: Omit<WordVectorsHeader, 'wordsBytes' | 'words'>,
  words: readonly string[],
  ranks: readonly number[],
  vectors: readonly Float32Array[],
): Buffer {
  const dimensions = header.dimensions;
  const wordsBlock = Buffer.from(words.join('\n'), 'utf8');
  const full: WordVectorsHeader = { ...header, words: words.length, wordsBytes: wordsBlock.length };
  const json = Buffer.from(JSON.stringify(full), 'utf8');
  const prefix = 8 + 4 + json.length + wordsBlock.length;
  const padding = (4 - (prefix % 4)) % 4;
  const buffer = Buffer.alloc(prefix + padding + 8 * words.length + dimensions * words.length);
  let offset = buffer.write(WORD_VECTORS_MAGIC, 0, 'latin1');
  offset = buffer.writeUInt32LE(json.length, offset);
  offset += json.copy(buffer, offset);
  offset += wordsBlock.copy(buffer, offset) + padding;
  for (const rank of ranks) offset = buffer.writeUInt32LE(rank, offset);
  const scales = vectors.map((vector) => Math.max(...vector.map(Math.abs)) / 127 || 1);
  for (const scale of scales) offset = buffer.writeFloatLE(scale, offset);
  vectors.forEach((vector, row) => {
    const scale = scales[row] as number;
    for (const value of vector)
      offset = buffer.writeInt8(Math.max(-127, Math.min(127, Math.round(value / scale))), offset);
  });
  return buffer;
}

/**
 * Read a word-vector file.
 * @param buffer - the file's bytes
 * @returns the words, ranks, scales and int8 vectors (views on a copy aligned for typed arrays)
 * @throws Error when the bytes are not a word-vector file of format 1 (wrong magic, header or length)
 */
export function decodeWordVectors(buffer: Buffer): WordVectors {
  if (buffer.toString('latin1', 0, 8) !== WORD_VECTORS_MAGIC) throw new Error('not a steward word-vector file');
  const headerLength = buffer.readUInt32LE(8);
  const header = wordVectorsHeaderSchema.parse(JSON.parse(buffer.toString('utf8', 12, 12 + headerLength)));
  const { words: count, dimensions, wordsBytes } = header;
  let offset = 12 + headerLength;
  const words = buffer.toString('utf8', offset, offset + wordsBytes).split('\n');
  offset += wordsBytes;
  offset += (4 - (offset % 4)) % 4;
  if (words.length !== count || buffer.length !== offset + 8 * count + dimensions * count)
    throw new Error('word-vector file is truncated or its header is wrong');
  // One aligned copy of the numeric blocks (a Buffer from readFile may start at any byte of its pool).
  const numeric = new Uint8Array(buffer.length - offset);
  numeric.set(buffer.subarray(offset));
  const ranks = new Uint32Array(numeric.buffer, 0, count);
  const scales = new Float32Array(numeric.buffer, 4 * count, count);
  const values = new Int8Array(numeric.buffer, 8 * count, count * dimensions);
  const rows = new Map<string, number>();
  words.forEach((word, row) => rows.set(word, row));
  return { header, rows, ranks, scales, values };
}
