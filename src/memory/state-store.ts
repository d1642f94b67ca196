import { randomUUID } from 'node:crypto';
import { isReadOnlyDatabase, type Database } from '../shared/database.js';
import { embedderSpecSchema, type EmbedderSpec } from './embedders/factory.js';

/** The keys of `memory_state`. */
type StateKey = 'serving' | 'active_models' | 'reembed_target' | 'reembed_total' | 'database_id' | 'vector_conversion';

/** The conversion of float32 vectors to int8 (`memory_state.vector_conversion`; see `vector-conversion.ts`). */
export type ConversionState =
  /** Every vector is int8. */
  | { state: 'done' }
  /** Under way: rows up to id `after` are visited, `done` of `total` rows. */
  | { state: 'running'; after: number; done: number; total: number };

/** A re-embedding for a new model in progress (`memory_state.reembed_*`). */
export interface ReembedState {
  /** The embedder id being filled. */
  target: string;
  /** Texts it had to embed when it started (queued then, plus vectors it already had). */
  total: number;
}

/**
 * The `memory_state` table: the memory engine's key/value state, shared by
 * every process on the database. It says which embedder serves recall,
 * which embedding models are in use (the triggers queue a job for each), a
 * re-embedding in progress, and this database's id (the index files name it).
 */
export class MemoryStateStore {
  readonly #database: Database;

  /**
   * @param database - an open, migrated database
   */
  constructor(database: Database) {
    this.#database = database;
  }

  #get(key: StateKey): string | undefined {
    return this.#database.prepare<[string], { value: string }>('SELECT value FROM memory_state WHERE key = ?').get(key)
      ?.value;
  }

  #set(key: StateKey, value: string | undefined): void {
    if (value === undefined) this.#database.prepare('DELETE FROM memory_state WHERE key = ?').run(key);
    else
      this.#database
        .prepare(
          'INSERT INTO memory_state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
        )
        .run(key, value);
  }

  /**
   * The embedder that serves recall.
   * @returns its spec; `missing` before the first one is chosen; `unreadable` when the stored value is not a spec
   */
  serving(): EmbedderSpec | 'missing' | 'unreadable' {
    const stored = this.#get('serving');
    if (stored === undefined) return 'missing';
    try {
      const parsed = embedderSpecSchema.safeParse(JSON.parse(stored));
      return parsed.success ? parsed.data : 'unreadable';
    } catch {
      return 'unreadable';
    }
  }

  /**
   * Make an embedder the one that serves recall.
   * @param spec - its spec (no secrets)
   */
  setServing(spec: EmbedderSpec): void {
    this.#set('serving', JSON.stringify(spec));
  }

  /** The embedding models in use: the triggers queue a job for each (empty before any is known: they queue `*`). */
  activeModels(): string[] {
    const stored = this.#get('active_models');
    if (stored === undefined) return [];
    try {
      const parsed: unknown = JSON.parse(stored);
      return Array.isArray(parsed) ? parsed.filter((item): item is string => typeof item === 'string') : [];
    } catch {
      return [];
    }
  }

  /**
   * Set the embedding models in use.
   * @param models - embedder ids
   */
  setActiveModels(models: readonly string[]): void {
    this.#set('active_models', JSON.stringify(models));
  }

  /** The re-embedding in progress, if any. */
  reembed(): ReembedState | undefined {
    const target = this.#get('reembed_target');
    return target === undefined ? undefined : { target, total: Number(this.#get('reembed_total') ?? 0) };
  }

  /**
   * Start (or, with undefined, end) a re-embedding.
   * @param state - the model being filled and its total, or undefined when done
   */
  setReembed(state: ReembedState | undefined): void {
    this.#set('reembed_target', state?.target);
    this.#set('reembed_total', state === undefined ? undefined : String(state.total));
  }

  /** The conversion of float32 vectors to int8, or undefined before it was looked at. */
  conversion(): ConversionState | undefined {
    const stored = this.#get('vector_conversion');
    if (stored === undefined) return undefined;
    try {
      const parsed = JSON.parse(stored) as ConversionState;
      return parsed.state === 'done' || parsed.state === 'running' ? parsed : undefined;
    } catch {
      return undefined;
    }
  }

  /**
   * Record the conversion's progress.
   * @param state - done, or where it stands
   */
  setConversion(state: ConversionState): void {
    this.#set('vector_conversion', JSON.stringify(state));
  }

  /** This database's id (made once: the migration sets it, and this makes one for a database that lost it). */
  databaseId(): string {
    let id = this.#get('database_id');
    if (id === undefined) {
      id = randomUUID();
      try {
        this.#set('database_id', id);
      } catch (error) {
        // A read-only database: this process uses a passing id (an index file it cannot match is rebuilt in memory).
        if (!isReadOnlyDatabase(error)) throw error;
      }
    }
    return id;
  }
}
