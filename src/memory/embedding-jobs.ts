import type { Database } from '../shared/database.js';
import type { MemoryRef, OwnerType } from './embedding-store.js';

/** The model of a job queued before any embedder was known; the first process to see it takes it. */
export const ANY_MODEL = '*';

/** One queued job: a memory to embed with a model (or with {@link ANY_MODEL}). */
export interface EmbeddingJob {
  /** The memory. */
  ref: MemoryRef;
  /** The model it was queued for. */
  model: string;
}

/**
 * What is embedded, per kind of memory: the owner's messages that are not
 * command lines, the model's answers, imported messages, every episode, and
 * current facts. The same rules as the `*_embed` triggers of `003_memory.sql`
 * and `005_memory_import.sql`, with `?`
 * for the model whose vectors are looked for.
 */
const MISSING: Record<OwnerType, string> = {
  message: `FROM messages m WHERE ((m.role = 'user' AND json_extract(m.meta, '$.command') IS NULL) OR json_extract(m.meta, '$.kind') IN ('agent', 'imported'))
      AND NOT EXISTS (SELECT 1 FROM embeddings e WHERE e.owner_type = 'message' AND e.owner_id = m.id AND e.model = ?)`,
  episode: `FROM episodes m WHERE NOT EXISTS (SELECT 1 FROM embeddings e WHERE e.owner_type = 'episode' AND e.owner_id = m.id AND e.model = ?)`,
  fact: `FROM facts m WHERE m.valid_to IS NULL
      AND NOT EXISTS (SELECT 1 FROM embeddings e WHERE e.owner_type = 'fact' AND e.owner_id = m.id AND e.model = ?)`,
};

const OWNER_TYPES = ['message', 'episode', 'fact'] as const;

/**
 * The `embedding_jobs` table: the durable embedding queue, one row per
 * (memory, model in use). The triggers of `003_memory.sql` fill it in the
 * same transaction as each text; {@link EmbeddingQueue} drains it.
 */
export class EmbeddingJobStore {
  readonly #database: Database;

  /**
   * @param database - an open, migrated database
   */
  constructor(database: Database) {
    this.#database = database;
  }

  /**
   * Jobs a model may take (its own and {@link ANY_MODEL}'s).
   * @param model - embedder id
   * @param minimumAttempts - count only jobs that failed at least this often (0: all)
   * @returns how many
   */
  count(model: string, minimumAttempts = 0): number {
    return (
      this.#database
        .prepare<[string, string, number], { count: number }>(
          'SELECT count(*) AS count FROM embedding_jobs WHERE model IN (?, ?) AND attempts >= ?',
        )
        .get(model, ANY_MODEL, minimumAttempts)?.count ?? 0
    );
  }

  /**
   * A model's own jobs that failed at least `attempts` times (not counting {@link ANY_MODEL}'s).
   * @param model - embedder id
   * @param attempts - failed attempts
   * @returns how many
   */
  failed(model: string, attempts: number): number {
    return (
      this.#database
        .prepare<[string, number], { count: number }>(
          'SELECT count(*) AS count FROM embedding_jobs WHERE model = ? AND attempts >= ?',
        )
        .get(model, attempts)?.count ?? 0
    );
  }

  /**
   * The next jobs of a model, fewest attempts first, then oldest.
   * @param model - embedder id
   * @param maxAttempts - leave out jobs that failed this often
   * @param limit - how many at most
   * @returns the jobs
   */
  take(model: string, maxAttempts: number, limit: number): EmbeddingJob[] {
    return this.#database
      .prepare<[string, string, number, number], { owner_type: OwnerType; owner_id: number; model: string }>(
        'SELECT owner_type, owner_id, model FROM embedding_jobs WHERE model IN (?, ?) AND attempts < ? ORDER BY attempts, enqueued_at, owner_id LIMIT ?',
      )
      .all(model, ANY_MODEL, maxAttempts, limit)
      .map((row) => ({ ref: { type: row.owner_type, id: row.owner_id }, model: row.model }));
  }

  /**
   * Count a failed attempt at some memories' jobs of a model, in one transaction.
   * @param refs - the memories
   * @param model - embedder id (its jobs and {@link ANY_MODEL}'s)
   */
  bump(refs: readonly MemoryRef[], model: string): void {
    const bump = this.#database.prepare(
      'UPDATE embedding_jobs SET attempts = attempts + 1 WHERE owner_type = ? AND owner_id = ? AND model IN (?, ?)',
    );
    this.#database.transaction(() => refs.forEach((ref) => bump.run(ref.type, ref.id, model, ANY_MODEL))).immediate();
  }

  /**
   * Give every failed job of a model a fresh start.
   * @param model - embedder id
   * @returns how many jobs were reset
   */
  resetFailures(model: string): number {
    return this.#database
      .prepare('UPDATE embedding_jobs SET attempts = 0 WHERE attempts > 0 AND model IN (?, ?)')
      .run(model, ANY_MODEL).changes;
  }

  /**
   * Remove finished jobs of a model. A job queued for {@link ANY_MODEL} is
   * this model's now, and is queued again for each of `others` (the other
   * models in use still need theirs). Run inside the caller's transaction,
   * with the vectors it stores.
   * @param refs - the memories whose jobs are done
   * @param model - embedder id
   * @param others - the other models in use
   */
  finish(refs: readonly MemoryRef[], model: string, others: readonly string[]): void {
    const deleteJob = this.#database.prepare(
      'DELETE FROM embedding_jobs WHERE owner_type = ? AND owner_id = ? AND model IN (?, ?)',
    );
    const handOn = this.#database.prepare(
      'INSERT OR IGNORE INTO embedding_jobs (owner_type, owner_id, model) SELECT owner_type, owner_id, ? FROM embedding_jobs WHERE owner_type = ? AND owner_id = ? AND model = ?',
    );
    for (const ref of refs) {
      for (const other of others) handOn.run(other, ref.type, ref.id, ANY_MODEL);
      deleteJob.run(ref.type, ref.id, model, ANY_MODEL);
    }
  }

  /**
   * Queue every memory that has no vector for a model (a re-embedding).
   * @param model - embedder id
   * @returns how many jobs were queued
   */
  enqueueMissing(model: string): number {
    let queued = 0;
    for (const type of OWNER_TYPES)
      queued += this.#database
        .prepare(
          `INSERT OR IGNORE INTO embedding_jobs (owner_type, owner_id, model) SELECT '${type}', m.id, ? ${MISSING[type]}`,
        )
        .run(model, model).changes;
    return queued;
  }

  /**
   * Memories that have no vector for a model yet (what a re-embedding still has to do).
   * @param model - embedder id
   * @returns how many
   */
  missing(model: string): number {
    let count = 0;
    for (const type of OWNER_TYPES)
      count +=
        this.#database.prepare<[string], { n: number }>(`SELECT count(*) AS n ${MISSING[type]}`).get(model)?.n ?? 0;
    return count;
  }

  /**
   * Drop every job of a memory (all models): it is gone or forgotten.
   * @param ref - the memory
   */
  removeOwner(ref: MemoryRef): void {
    this.#database.prepare('DELETE FROM embedding_jobs WHERE owner_type = ? AND owner_id = ?').run(ref.type, ref.id);
  }

  /**
   * Drop every job of a model that is no longer in use.
   * @param model - embedder id
   */
  removeModel(model: string): void {
    this.#database.prepare('DELETE FROM embedding_jobs WHERE model = ?').run(model);
  }
}
