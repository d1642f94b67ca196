import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { describeError } from '../../shared/errors.js';
import type { Logger } from '../../shared/log.js';
import { readGraphFile, type GraphEntry, type GraphPart } from './file.js';
import type { FlatStage } from './flat.js';
import { GraphStage } from './graph.js';
import type { GraphDetails, IndexSettings } from './types.js';

/** Event-loop time one slice of a graph build or catch-up may take before it yields, in ms. */
const SLICE_MS = 15;
/**
 * The graph starts after the first search (so that the first recall has the
 * machine to itself), or this long after it was asked for, in ms.
 */
const START_DELAY_MS = 1000;

/** Options of {@link GraphService}. */
export interface GraphServiceOptions {
  /** Embedder id (for logs). */
  model: string;
  /** Folder of the index files. */
  directory: string;
  /** HNSW settings. */
  settings: IndexSettings;
  /** Logger. */
  log: Logger;
  /** The first stage the graph is built from and caught up with. */
  flat: () => FlatStage;
  /** Called once the graph is in service (`built`: write it), or has failed and the first stage serves alone. */
  onSettled: (built: boolean) => void;
}

/**
 * The life of a staged index's HNSW graph ({@link GraphStage}): loaded from
 * its file, checked and caught up with the first stage, or built from the
 * first stage a slice at a time, in the background; in service once ready.
 * Until then searches go to the first stage.
 */
export class GraphService {
  readonly #options: GraphServiceOptions;
  readonly #startedAt = performance.now();
  #graph: GraphStage | undefined;
  #details: GraphDetails = { state: 'none', done: 0, total: 0 };
  /** The graph's last file: the one being loaded, or the last one written (a snapshot the next load reconciles). */
  #file: GraphEntry | null = null;
  /** The graph changed since {@link #file} was written. */
  #unsaved = false;
  #pending: { start: () => void; timer: NodeJS.Timeout } | undefined;
  #running: Promise<void> | undefined;
  #stopping = false;

  /**
   * @param options - model, folder, settings, logger, the first stage and the settled hook
   */
  constructor(options: GraphServiceOptions) {
    this.#options = options;
  }

  /** Whether the graph serves searches. */
  get inService(): boolean {
    return this.#details.state === 'ready' && this.#graph !== undefined;
  }

  /** Whether it is loading, building, or waiting to. */
  get busy(): boolean {
    return this.#pending !== undefined || this.#running !== undefined;
  }

  /**
   * Load the graph from its file, or build it from the first stage, after
   * the first search or {@link START_DELAY_MS} from now (a second call while
   * one is under way does nothing).
   * @param entry - the saved graph, or null to build one
   * @param reason - why it is built, when it is (`missing`, `new`, ...)
   */
  schedule(entry: GraphEntry | null, reason: string): void {
    if (this.busy) return;
    // The saved graph stays the index's graph until a new one replaces it: a save before the load
    // starts (a short process that adds or removes a few vectors and closes) must still name it.
    this.#file = entry;
    this.#details =
      entry === null
        ? { state: 'building', done: 0, total: this.#options.flat().size, reason }
        : { state: 'loading', done: 0, total: entry.count };
    const timer = setTimeout(() => this.start(), START_DELAY_MS);
    timer.unref();
    this.#pending = { start: () => this.#run(entry, reason), timer };
  }

  /** Start now what {@link schedule} put off, if anything. */
  start(): void {
    const pending = this.#pending;
    if (pending === undefined) return;
    this.#pending = undefined;
    clearTimeout(pending.timer);
    if (!this.#stopping) pending.start();
  }

  /** Start it and wait until it is in service (or has failed). */
  async ready(): Promise<void> {
    this.start();
    await this.#running;
  }

  /** Stop a build or catch-up in progress (a load under way finishes), and start nothing more. */
  async stop(): Promise<void> {
    this.#stopping = true;
    this.start();
    await this.#running;
  }

  #run(entry: GraphEntry | null, reasonToBuild: string): void {
    const { directory, settings, log, model } = this.#options;
    this.#running = (async () => {
      let reason = reasonToBuild;
      if (entry !== null) {
        this.#file = entry;
        const file = await readGraphFile(directory, entry);
        if (typeof file === 'string') reason = file;
        else {
          try {
            this.#graph = await GraphStage.load(file.path, this.#options.flat().dims, entry.count, settings);
            await this.#catchUp(false);
            return;
          } catch (error) {
            reason = `corrupt (${describeError(error)})`;
          }
        }
      }
      this.#file = null;
      this.#details = { state: 'building', done: 0, total: this.#options.flat().size, reason };
      if (this.#stopping) return;
      this.#graph = await GraphStage.create(this.#options.flat().dims, this.#options.flat().size, settings);
      await this.#catchUp(true);
    })()
      .catch((error: unknown) => {
        this.#graph = undefined;
        this.#file = null;
        this.#details = { state: 'none', done: 0, total: 0, reason: describeError(error) };
        log.warn({ err: error, model }, 'no HNSW graph: recall scans the first stage (slower, the same hits)');
        this.#options.onSettled(false);
      })
      .finally(() => (this.#running = undefined));
  }

  /**
   * Make the graph hold what the first stage holds, a slice at a time:
   * remove the labels it no longer has, add the rows the graph lacks (rows
   * added meanwhile are picked up, removed ones skipped); then put it in service.
   * @param built - the graph is new (written once done), not loaded
   */
  async #catchUp(built: boolean): Promise<void> {
    const flat = this.#options.flat();
    const graph = this.#graph as GraphStage;
    const details = this.#details;
    let slice = performance.now();
    const pause = async (): Promise<boolean> => {
      if (performance.now() - slice <= SLICE_MS) return false;
      await yieldToEventLoop();
      slice = performance.now();
      return this.#stopping;
    };
    for (const label of [...graph.labels()]) {
      if (!flat.has(label) && graph.remove(label)) this.#unsaved = true;
      if (await pause()) return;
    }
    for (let row = 0; row < flat.rows; row += 1) {
      const id = flat.idAt(row);
      if (id === 0) continue;
      if (!graph.has(id)) {
        graph.add(id, flat.headAt(row));
        this.#unsaved = true;
      }
      details.done += 1;
      if (await pause()) return;
    }
    const ms = performance.now() - this.#startedAt;
    this.#details = { state: 'ready', done: graph.size, total: graph.size, ms, reason: details.reason };
    this.#options.log.info(
      { model: this.#options.model, how: built ? 'built' : 'loaded', vectors: graph.size, ms: Math.round(ms) },
      'HNSW graph ready',
    );
    this.#options.onSettled(built);
  }

  /**
   * The labels of the `k` nearest heads, when the graph is in service.
   * @param head - the query's head
   * @param k - how many at most
   * @returns labels, nearest first, or undefined when the graph is not in service (search the first stage)
   */
  search(head: Float32Array, k: number): number[] | undefined {
    if (this.inService) return (this.#graph as GraphStage).search(head, k);
    if (this.#pending !== undefined) setImmediate(() => this.start()); // after this first search
    return undefined;
  }

  /**
   * Catch the graph up with the first stage in the background, a slice at
   * a time, after many rows came at once (another process's import): a
   * search meanwhile scans the first stage (the same hits, slower) instead
   * of waiting for thousands of graph inserts on a reply's path.
   * @param added - how many rows the first stage took that the graph lacks
   */
  resync(added: number): void {
    const graph = this.#graph;
    if (!this.inService || this.busy || graph === undefined) return;
    this.#details = {
      state: 'building',
      done: 0,
      total: this.#options.flat().size,
      reason: `catching up with ${added} vectors added at once`,
    };
    this.#running = this.#catchUp(false)
      .catch((error: unknown) => {
        this.#graph = undefined;
        this.#details = { state: 'none', done: 0, total: 0, reason: describeError(error) };
        this.#options.log.warn(
          { err: error, model: this.#options.model },
          'no HNSW graph: recall scans the first stage',
        );
        this.#options.onSettled(false);
      })
      .finally(() => (this.#running = undefined));
  }

  /**
   * Add a head, when the graph is in service (a graph loading or being built picks it up from the first stage).
   * @param label - the `embeddings.id`
   * @param head - the head, as the first stage holds it
   */
  add(label: number, head: Float32Array): void {
    if (!this.inService) return;
    this.#graph?.add(label, head);
    this.#unsaved = true;
  }

  /**
   * Mark a label deleted.
   * @param label - the `embeddings.id`
   */
  remove(label: number): void {
    if (this.#graph?.remove(label) === true) this.#unsaved = true;
  }

  /** Its state, progress and time to ready. */
  details(): GraphDetails {
    return { ...this.#details };
  }

  /** About how many bytes it holds in memory. */
  get bytes(): number {
    return this.#details.state === 'none' ? 0 : (this.#graph?.bytes ?? 0);
  }

  /**
   * The graph's part of a save: written when in service and changed, its
   * file kept when still loading or unchanged, none while it is built.
   * @returns the part, and whether it writes a new file
   */
  part(): { part: GraphPart | null; writes: boolean } {
    const graph = this.#graph;
    // Loading, or catching up with rows added at once: the saved file still holds a subset of the
    // first stage, which the next load catches up. Built from nothing: there is no file yet (null).
    if (!this.inService || graph === undefined) return { part: this.#file, writes: false };
    if (!this.#unsaved && this.#file !== null) return { part: this.#file, writes: false };
    const { m, efConstruction } = this.#options.settings;
    return { part: { write: (path) => graph.write(path), count: graph.size, m, efConstruction }, writes: true };
  }

  /**
   * Record the file a save wrote.
   * @param entry - the graph's entry in the metadata written
   */
  saved(entry: GraphEntry | null): void {
    this.#file = entry;
    this.#unsaved = false;
  }
}
