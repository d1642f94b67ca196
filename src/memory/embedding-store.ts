import type { Clock } from '../shared/time.js';
import { toTimestamp, type Database } from '../shared/database.js';
import { decodeVector, encodeVector, vectorFormat, type EncodedVector, type VectorFormat } from './vector-codec.js';

/** What a stored vector belongs to. */
export type OwnerType = 'message' | 'episode' | 'fact';

/** An owner of an embedding: a message, an episode or a fact, by row id. */
export interface MemoryRef {
  /** `message`, `episode` or `fact`. */
  type: OwnerType;
  /** Row id in its table. */
  id: number;
}

/** One stored vector with its row id (the HNSW label). */
export interface StoredVector {
  /** `embeddings.id`: the label in the vector index. */
  id: number;
  /** The vector (`dim` float32). */
  vector: Float32Array;
}

/** A stored row's raw vector, as the SELECTs below read it. */
interface VectorRow {
  id: number;
  dim: number;
  vector: Buffer;
}

/**
 * The `embeddings` table: the one durable copy of every vector, keyed by
 * owner and embedder id, with the sha256 of the text it was made from so
 * that no (model, text) pair is embedded twice. Vectors are written as int8
 * with a scale and read in either format (see `vector-codec.ts`).
 */
export class EmbeddingStore {
  readonly #database: Database;
  readonly #clock: Clock;

  /**
   * @param database - an open, migrated database
   * @param clock - for `created_at`
   */
  constructor(database: Database, clock: Clock) {
    this.#database = database;
    this.#clock = clock;
  }

  /**
   * The vector already stored for this text under this model, by any owner.
   * @param model - embedder id
   * @param textHash - sha256 of the text
   * @returns the vector, or undefined when this text was never embedded with this model
   */
  findByHash(model: string, textHash: string): Float32Array | undefined {
    const row = this.#database
      .prepare<[string, string], { dim: number; vector: Buffer }>(
        'SELECT dim, vector FROM embeddings WHERE model = ? AND text_hash = ? LIMIT 1',
      )
      .get(model, textHash);
    return row === undefined ? undefined : decodeVector(row.vector, row.dim);
  }

  /**
   * The text hash stored for an owner under a model, if any.
   * @param owner - the owner
   * @param model - embedder id
   * @returns the sha256 (hex) of the text its vector was made from, or undefined
   */
  hashOf(owner: MemoryRef, model: string): string | undefined {
    return this.#database
      .prepare<[string, number, string], { text_hash: string }>(
        'SELECT text_hash FROM embeddings WHERE owner_type = ? AND owner_id = ? AND model = ?',
      )
      .get(owner.type, owner.id, model)?.text_hash;
  }

  /**
   * Store an owner's vector under a model, replacing the one it had (its
   * text changed). Run inside the caller's transaction.
   * @param owner - the owner
   * @param model - embedder id
   * @param textHash - sha256 of the embedded text
   * @param vector - the vector
   * @returns the new row id, and the id of the row it replaced (to mark deleted in the index)
   */
  put(
    owner: MemoryRef,
    model: string,
    textHash: string,
    vector: Float32Array,
  ): { id: number; replaced: number | undefined } {
    const old = this.#database
      .prepare<[string, number, string], { id: number }>(
        'SELECT id FROM embeddings WHERE owner_type = ? AND owner_id = ? AND model = ?',
      )
      .get(owner.type, owner.id, model);
    if (old !== undefined) this.#database.prepare('DELETE FROM embeddings WHERE id = ?').run(old.id);
    const result = this.#database
      .prepare(
        'INSERT INTO embeddings (owner_type, owner_id, model, dim, text_hash, vector, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
      )
      .run(owner.type, owner.id, model, vector.length, textHash, encodeVector(vector), toTimestamp(this.#clock.now()));
    return { id: Number(result.lastInsertRowid), replaced: old?.id };
  }

  /**
   * Delete every vector of an owner (all models).
   * @param owner - the owner
   * @returns the deleted row ids with their models (to mark deleted in the indexes)
   */
  remove(owner: MemoryRef): Array<{ id: number; model: string }> {
    const rows = this.#database
      .prepare<[string, number], { id: number; model: string }>(
        'SELECT id, model FROM embeddings WHERE owner_type = ? AND owner_id = ?',
      )
      .all(owner.type, owner.id);
    this.#database.prepare('DELETE FROM embeddings WHERE owner_type = ? AND owner_id = ?').run(owner.type, owner.id);
    return rows;
  }

  /**
   * Stored vectors of a model with ids above `afterId`, in id order, one
   * page at a time (a rebuild of 100k rows never holds them all, and no
   * statement stays open between pages, so the caller may wait in between).
   * @param model - embedder id
   * @param afterId - only ids above this
   * @param limit - rows per page
   * @returns up to `limit` vectors
   */
  page(model: string, afterId: number, limit: number): StoredVector[] {
    return this.#database
      .prepare<[string, number, number], VectorRow>(
        'SELECT id, dim, vector FROM embeddings WHERE model = ? AND id > ? ORDER BY id LIMIT ?',
      )
      .all(model, afterId, limit)
      .map((row) => ({ id: row.id, vector: decodeVector(row.vector, row.dim) }));
  }

  /**
   * Some stored vectors by row id, whole and as stored (to rescore an
   * index's shortlist exactly: see `cosineToStored`). Ids whose rows are
   * gone are missing from the map.
   * @param ids - embedding row ids
   * @returns the stored vector of each id that still exists
   */
  vectors(ids: readonly number[]): Map<number, EncodedVector> {
    const found = new Map<number, EncodedVector>();
    if (ids.length === 0) return found;
    const rows = this.#database
      .prepare<[string], VectorRow>(
        'SELECT id, dim, vector FROM embeddings WHERE id IN (SELECT value FROM json_each(?))',
      )
      .all(JSON.stringify(ids));
    for (const row of rows) found.set(row.id, { dim: row.dim, bytes: row.vector });
    return found;
  }

  /**
   * The size and format of a model's newest stored vector (for `steward memory`).
   * @param model - embedder id
   * @returns dimensions and format, or undefined when the model has no vector
   */
  shape(model: string): { dim: number; format: VectorFormat | undefined } | undefined {
    const row = this.#database
      .prepare<[string], { dim: number; bytes: number }>(
        'SELECT dim, length(vector) AS bytes FROM embeddings INDEXED BY embeddings_model WHERE model = ? ORDER BY id DESC LIMIT 1',
      )
      .get(model);
    return row === undefined ? undefined : { dim: row.dim, format: vectorFormat(row.bytes, row.dim) };
  }

  /**
   * Rewrite the float32 vectors among the rows above `afterId` as int8 (a
   * batch of the background conversion of a database written before int8;
   * run it in the caller's transaction). Only the sizes of the rows are read
   * until a float32 one is found, so rows already converted cost no vector read.
   * @param afterId - only ids above this
   * @param limit - rows to visit
   * @returns rows visited, rows converted, and the last id visited (undefined when none was left)
   */
  convertBatch(afterId: number, limit: number): { visited: number; converted: number; lastId: number | undefined } {
    const rows = this.#database
      .prepare<[number, number], { id: number; dim: number; bytes: number }>(
        'SELECT id, dim, length(vector) AS bytes FROM embeddings WHERE id > ? ORDER BY id LIMIT ?',
      )
      .all(afterId, limit);
    const read = this.#database.prepare<[number], { vector: Buffer }>('SELECT vector FROM embeddings WHERE id = ?');
    const write = this.#database.prepare<[Buffer, number]>('UPDATE embeddings SET vector = ? WHERE id = ?');
    let converted = 0;
    for (const row of rows) {
      if (vectorFormat(row.bytes, row.dim) !== 'float32') continue;
      const stored = read.get(row.id);
      if (stored === undefined) continue;
      write.run(encodeVector(decodeVector(stored.vector, row.dim)), row.id);
      converted += 1;
    }
    return { visited: rows.length, converted, lastId: rows.at(-1)?.id };
  }

  /**
   * The highest embeddings id ever given (SQLite's AUTOINCREMENT sequence),
   * across models: deleting the newest row does not lower it.
   * @returns the id, 0 when none was ever stored
   */
  sequence(): number {
    return (
      this.#database.prepare<[], { seq: number }>("SELECT seq FROM sqlite_sequence WHERE name = 'embeddings'").get()
        ?.seq ?? 0
    );
  }

  /**
   * How many vectors a model has, and its highest id. Answered from the
   * (model, id) index alone: no vector is read, so this stays cheap at 100k rows.
   * @param model - embedder id
   * @returns the count and the highest id (0 when there is none)
   */
  stats(model: string): { count: number; maxId: number } {
    const row = this.#database
      .prepare<[string], { count: number; maxId: number | null }>(
        'SELECT count(*) AS count, max(id) AS maxId FROM embeddings INDEXED BY embeddings_model WHERE model = ?',
      )
      .get(model);
    return { count: row?.count ?? 0, maxId: row?.maxId ?? 0 };
  }

  /**
   * The owners of some embedding rows (labels from the index). Labels whose
   * rows are gone (deleted by another process) are missing from the map.
   * @param ids - embedding row ids
   * @returns the owner of each id that still exists
   */
  owners(ids: readonly number[]): Map<number, MemoryRef> {
    const found = new Map<number, MemoryRef>();
    if (ids.length === 0) return found;
    const rows = this.#database
      .prepare<[string], { id: number; owner_type: OwnerType; owner_id: number }>(
        'SELECT id, owner_type, owner_id FROM embeddings WHERE id IN (SELECT value FROM json_each(?))',
      )
      .all(JSON.stringify(ids));
    for (const row of rows) found.set(row.id, { type: row.owner_type, id: row.owner_id });
    return found;
  }

  /**
   * Every model that has stored vectors, with counts.
   * @returns one entry per model, by name
   */
  models(): Array<{ model: string; count: number }> {
    return this.#database
      .prepare<[], { model: string; count: number }>(
        'SELECT model, count(*) AS count FROM embeddings GROUP BY model ORDER BY model',
      )
      .all();
  }
}
