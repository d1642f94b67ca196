import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { cosineToStored } from '../vector-codec.js';
import { checkIndexFile, hasIndexFile, indexFileBytes, indexFilePath, writeIndexFiles } from './file.js';
import { FlatStage, headOf } from './flat.js';
import { GraphService } from './graph-service.js';
import type {
  IndexDetails,
  IndexOpenReport,
  IndexState,
  OpenedIndex,
  VectorHit,
  VectorIndex,
  VectorIndexOptions,
} from './types.js';

/** Rows read from SQLite between yields to the event loop while rebuilding the first stage. */
const REBUILD_PAGE = 500;
/** Rows read per page when catching up. */
const CATCH_UP_PAGE = 5000;
/** Least time between two automatic writes of the files, in ms. */
const MIN_SAVE_INTERVAL_MS = 60_000;
/**
 * Rows a catch-up adds to the HNSW graph on the caller's path (about 2.5 ms
 * each at 100k vectors); past that, the graph catches up in the background
 * while searches scan the first stage.
 */
const GRAPH_INLINE_ADDS = 64;
/** Candidates shortlisted by a stage and rescored with the whole vectors, at least. */
const SHORTLIST = 100;

function norm(vector: Float32Array): number {
  let sum = 0;
  for (const value of vector) sum += value * value;
  return Math.sqrt(sum);
}

/**
 * The vector index of one embedding model, in two stages over the heads
 * of the vectors (their first `memory.index.dimensions` dimensions), with
 * exact rescoring by the whole stored vectors:
 *
 * 1. the first stage ({@link FlatStage}): an int8 matrix of every head,
 *    scanned exactly; it loads from its file in milliseconds, so recall has
 *    vectors from its first query;
 * 2. the HNSW graph over the same heads ({@link GraphService}), loaded off
 *    the event loop (or built, a slice at a time, from the first stage)
 *    after the first search; once ready it replaces the scan.
 *
 * Either stage shortlists at least {@link SHORTLIST} ids, and the whole
 * vectors, read from SQLite by row id, rank them by cosine (the adaptive
 * retrieval of Matryoshka Representation Learning, Kusupati et al. 2022).
 *
 * It is a cache of the stored vectors, never the only copy: a missing,
 * corrupt or stale first stage is rebuilt from SQLite in the background
 * (recall uses BM25 alone meanwhile), a missing graph is built from the
 * first stage, and before each search the index catches up by id, so it
 * sees what another process wrote. All-zero vectors are stored but never indexed.
 */
export class StagedIndex implements VectorIndex {
  /** @inheritdoc */
  readonly model: string;
  readonly #options: VectorIndexOptions;
  readonly #graph: GraphService;
  #flat: FlatStage | undefined;
  #dim: number | undefined;
  /** Every row id up to this one is in the first stage (or was deleted, or is a zero vector). */
  #caughtUpTo = 0;
  #state: IndexState = 'empty';
  #rebuild: Promise<void> | undefined;
  #rebuildProgress = { done: 0, total: 0 };
  #unsaved = 0;
  #lastSaveAt = 0;

  private constructor(options: VectorIndexOptions) {
    this.model = options.model;
    this.#options = options;
    this.#graph = new GraphService({
      model: options.model,
      directory: options.directory,
      settings: options.settings,
      log: options.log,
      flat: () => this.#flat as FlatStage,
      onSettled: (built) => {
        if (this.#state === 'loading') this.#state = 'ready';
        if (built) this.save();
      },
    });
  }

  /**
   * Open the index of a model: load the first stage and catch up, then load
   * or build the graph in the background; or start a rebuild from the stored
   * vectors (an {@link OpenVectorIndex}).
   * @param options - model, folder, the stored vectors, settings, logger, database id
   * @returns the index and how its first stage was opened
   */
  static async open(options: VectorIndexOptions): Promise<OpenedIndex> {
    const started = performance.now();
    const index = new StagedIndex(options);
    const { directory, databaseId, store, settings, log, model } = options;
    const checked = await checkIndexFile({
      directory,
      model,
      databaseId,
      dims: settings.dimensions ?? 0,
      sequence: () => store.sequence(),
    });
    let reason = checked.ok ? '' : checked.reason;
    if (checked.ok) {
      const verified = performance.now();
      const flat = FlatStage.fromBuffer(checked.flat);
      if (typeof flat === 'string') reason = flat;
      else {
        const read = performance.now();
        index.#flat = flat;
        index.#dim = checked.meta.dim;
        index.#caughtUpTo = checked.meta.caughtUpTo;
        index.#state = 'loading';
        const caughtUp = index.#addMissing();
        index.#lastSaveAt = Date.now();
        index.#graph.schedule(checked.meta.graph, 'missing');
        const phases = { verify: verified - started, load: read - verified, catchUp: performance.now() - read };
        return { index, report: { how: 'loaded', caughtUp, ms: performance.now() - started, phases } };
      }
    }
    const stats = store.stats(model);
    if (stats.count === 0) return { index, report: { how: 'empty', caughtUp: 0, ms: performance.now() - started } };
    log.warn({ model, reason, vectors: stats.count }, 'vector index rebuilt from the stored vectors (no re-embedding)');
    index.#startRebuild(stats.count, reason);
    const report: IndexOpenReport = { how: 'rebuilt', reason, caughtUp: 0, ms: performance.now() - started };
    return { index, report };
  }

  #headDims(dim: number): number {
    const wanted = this.#options.settings.dimensions ?? 0;
    return wanted === 0 ? dim : Math.min(wanted, dim);
  }

  #startRebuild(total: number, reason: string): void {
    this.#state = 'rebuilding';
    this.#rebuildProgress = { done: 0, total };
    this.#flat = undefined;
    this.#caughtUpTo = 0;
    this.#rebuild = (async () => {
      for (;;) {
        // One page, read whole: no statement stays open while turns use the database in between.
        const page = this.#options.store.page(this.model, this.#caughtUpTo, REBUILD_PAGE);
        if (page.length === 0) break;
        for (const row of page) {
          this.#insert(row.id, row.vector, total);
          this.#caughtUpTo = row.id;
        }
        this.#rebuildProgress.done += page.length;
        await yieldToEventLoop();
      }
      this.#state = this.#flat === undefined ? 'empty' : 'loading';
      this.#addMissing();
      this.save();
      this.#options.log.info({ model: this.model, vectors: this.size }, 'vector index rebuilt');
      if (this.#flat !== undefined) this.#graph.schedule(null, reason);
    })().finally(() => {
      this.#rebuild = undefined;
    });
    this.#rebuild.catch((error: unknown) =>
      this.#options.log.error({ err: error, model: this.model }, 'vector index rebuild failed'),
    );
  }

  /** @inheritdoc */
  get state(): IndexState {
    return this.#state;
  }

  /** @inheritdoc */
  get progress(): { done: number; total: number } {
    return this.#state === 'rebuilding' ? { ...this.#rebuildProgress } : { done: this.size, total: this.size };
  }

  /** @inheritdoc */
  async ready(): Promise<void> {
    await this.#rebuild;
    await this.#graph.ready();
  }

  /** @inheritdoc */
  get size(): number {
    return this.#flat?.size ?? 0;
  }

  /** @inheritdoc */
  get dimension(): number | undefined {
    return this.#dim;
  }

  /** @inheritdoc */
  get caughtUpTo(): number {
    return this.#caughtUpTo;
  }

  /** @inheritdoc */
  details(): IndexDetails {
    return {
      dims: { stored: this.#dim, heads: this.#flat?.dims },
      graph: this.#graph.details(),
      bytes: {
        disk: indexFileBytes(this.#options.directory, this.model),
        memory: (this.#flat?.bytes ?? 0) + this.#graph.bytes,
      },
    };
  }

  /**
   * Add a vector to the first stage, and to the graph once it is in service
   * (unless `toGraph` is false: a catch-up of many rows leaves them to
   * {@link GraphService.resync}); false when it is left out.
   */
  #insert(label: number, vector: Float32Array, capacityHint = 0, toGraph = true): boolean {
    if (this.#flat === undefined) {
      if (vector.every((value) => value === 0)) return false;
      this.#dim = vector.length;
      this.#flat = new FlatStage(this.#headDims(vector.length), Math.max(capacityHint, 1024));
      if (this.#state === 'empty') {
        this.#state = 'loading';
        this.#graph.schedule(null, 'new');
      }
    }
    if (vector.length !== this.#dim) {
      this.#options.log.warn(
        { model: this.model, label, dim: vector.length, expected: this.#dim },
        'vector of the wrong size left out of the index',
      );
      return false;
    }
    const flat = this.#flat;
    const head = headOf(vector, flat.dims);
    if (head === undefined || !flat.add(label, head)) return false;
    this.#unsaved += 1;
    if (toGraph) this.#graph.add(label, flat.headAt(flat.rows - 1));
    return true;
  }

  /**
   * Add a vector just stored by this process (its row id is the label).
   * Ignored while the first stage is rebuilt: the rebuild or the next catch-up adds it.
   * @param label - the `embeddings.id`
   * @param vector - the vector
   */
  add(label: number, vector: Float32Array): void {
    if (this.#state === 'rebuilding') return;
    this.#insert(label, vector);
  }

  /**
   * Leave a vector out of every later search (its row is gone).
   * @param label - the `embeddings.id`
   */
  remove(label: number): void {
    if (this.#flat?.remove(label) === true) this.#unsaved += 1;
    this.#graph.remove(label);
  }

  /**
   * Add the stored vectors this index lacks: rows with ids above
   * `caughtUpTo` (ids only grow, so this also picks up another process's
   * writes). Cheap when there is nothing new: one indexed query. It never
   * writes the files (that would put a large write on a reply's path).
   * @returns how many vectors were added
   */
  catchUp(): number {
    return this.#addMissing();
  }

  #addMissing(): number {
    if (this.#state === 'rebuilding') return 0;
    let added = 0;
    for (;;) {
      const page = this.#options.store.page(this.model, this.#caughtUpTo, CATCH_UP_PAGE);
      if (page.length === 0) break;
      for (const row of page) {
        // The first few go into the graph at once; past that, the graph catches up in the background.
        if (this.#flat?.has(row.id) !== true && this.#insert(row.id, row.vector, 0, added < GRAPH_INLINE_ADDS))
          added += 1;
        this.#caughtUpTo = row.id;
      }
    }
    if (added > GRAPH_INLINE_ADDS) this.#graph.resync(added);
    return added;
  }

  /**
   * The `k` nearest stored vectors to `query`, after catching up: the
   * graph (or, until it is ready, the first stage) shortlists at least
   * {@link SHORTLIST} by their heads, and the whole stored vectors rank them.
   * @param query - the query vector (the stored vectors' dimension)
   * @param k - how many at most
   * @returns hits by increasing cosine distance, or undefined while the first stage is rebuilt or the query cannot be compared
   */
  search(query: Float32Array, k: number): VectorHit[] | undefined {
    if (this.#state === 'rebuilding') return undefined;
    this.#addMissing();
    const flat = this.#flat;
    if (flat === undefined || flat.size === 0) return [];
    if (query.length !== this.#dim) return undefined;
    const head = headOf(query, flat.dims);
    if (head === undefined) return undefined;
    const wanted = Math.max(k, SHORTLIST);
    const shortlist = this.#graph.search(head, wanted) ?? flat.search(head, wanted).map((hit) => hit.id);
    return this.#rescore(query, shortlist, k);
  }

  /** Rank a shortlist by the cosine of the whole stored vectors; ids whose rows are gone are removed. */
  #rescore(query: Float32Array, ids: number[], k: number): VectorHit[] {
    const vectors = this.#options.store.vectors(ids);
    const queryNorm = norm(query);
    const hits: VectorHit[] = [];
    for (const id of ids) {
      const stored = vectors.get(id);
      if (stored === undefined) {
        this.remove(id); // deleted, perhaps by another process
        continue;
      }
      const cosine = cosineToStored(query, queryNorm, stored);
      if (cosine !== undefined) hits.push({ label: id, distance: 1 - cosine });
    }
    return hits.sort((left, right) => left.distance - right.distance || left.label - right.label).slice(0, k);
  }

  /**
   * Write the files when enough has changed: at least `saveEvery` vectors,
   * and a minute since the last write (or as many new vectors as the index
   * held), so a long re-embedding does not rewrite large files every few
   * hundred vectors. Called after each embedding drain, off the reply path.
   */
  maybeSave(): void {
    if (this.#unsaved < this.#options.settings.saveEvery) return;
    if (
      Date.now() - this.#lastSaveAt < MIN_SAVE_INTERVAL_MS &&
      this.#unsaved < Math.max(this.#options.settings.saveEvery, this.size / 2)
    )
      return;
    this.save();
  }

  /**
   * Write the first stage, and the graph when it is in service and changed
   * (one still loading keeps its file; one being built is written when
   * done), after catching up, so the files cover every stored row up to
   * `caughtUpTo`. No-op when nothing changed, or while the first stage is
   * rebuilt. A failure is logged: the next start catches up or rebuilds.
   */
  save(): void {
    const flat = this.#flat;
    if (this.#state === 'rebuilding' || flat === undefined || this.#dim === undefined) return;
    this.#addMissing();
    const { directory, databaseId } = this.#options;
    const graph = this.#graph.part();
    if (this.#unsaved === 0 && !graph.writes && hasIndexFile(directory, this.model)) return;
    try {
      const meta = writeIndexFiles(
        directory,
        {
          model: this.model,
          databaseId,
          dim: this.#dim,
          dims: flat.dims,
          caughtUpTo: this.#caughtUpTo,
          count: flat.size,
        },
        { flat: flat.toBuffer(), graph: graph.part },
      );
      if (graph.writes) this.#graph.saved(meta.graph);
      this.#unsaved = 0;
      this.#lastSaveAt = Date.now();
    } catch (error) {
      this.#options.log.warn(
        { err: error, model: this.model },
        'could not write the vector index; it is caught up or rebuilt at the next start',
      );
    }
  }

  /** @inheritdoc */
  get file(): string {
    return indexFilePath(this.#options.directory, this.model);
  }

  /** Wait for a rebuild of the first stage, stop a graph build (the next start goes on with it), then save. */
  async close(): Promise<void> {
    await this.#rebuild?.catch(() => undefined);
    await this.#graph.stop();
    this.save();
  }
}
