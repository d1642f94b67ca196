import { execFileSync, spawn } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load.js';
import { fromRoot } from '../../src/shared/paths.js';

/** What one cold-start child process reports. */
export interface ColdStart {
  /** Launch (the parent's spawn) → the first recall answered, in ms. */
  sinceLaunchMs: number;
  /** Launch → `Steward.open` done, in ms. */
  openedMs: number;
  /** The first recall, in ms (opening the index's first stage, embedding the query, the search). */
  recallMs: number;
  /** How the first stage was opened, and its phases. */
  how: string | undefined;
  /** The first stage's open, in ms. */
  indexMs: number;
  /** Whether vectors took part in the first recall (`used`) and how many hits had a vector rank. */
  vector: string;
  vectorHits: number;
  /** Resident memory at the first recall, in bytes. */
  rssFirst: number;
  /** CPU time of the whole process (all threads) until the first recall, in ms: what a busy machine does not inflate. */
  cpuFirstMs: number;
  /** Launch → the HNSW graph ready, in ms, and how it got there. */
  graphReadyMs: number;
  graphState: string;
  /** Resident memory once the graph is ready, in bytes. */
  rssReady: number;
  /** A recall once the graph is ready, in ms. */
  warmRecallMs: number;
}

/**
 * Empty the page cache before a cold launch: all of it where the kernel
 * lets us (`/proc/sys/vm/drop_caches`, root), else the data files alone
 * (`dd iflag=nocache`, which asks the kernel to drop a file's cached pages).
 * @param dataDir - the data folder whose files must come from disk
 * @returns what was done, for the table
 */
export function dropPageCache(dataDir: string): string {
  try {
    execFileSync('sync');
    writeFileSync('/proc/sys/vm/drop_caches', '1');
    return 'page cache dropped (/proc/sys/vm/drop_caches)';
  } catch (error) {
    const why = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    try {
      const files = [
        join(dataDir, 'steward.db'),
        ...readdirSync(join(dataDir, 'vectors')).map((name) => join(dataDir, 'vectors', name)),
      ];
      for (const file of files) execFileSync('dd', [`if=${file}`, 'iflag=nocache', 'count=0', 'status=none']);
      return `drop_caches refused (${why}): the data files evicted with dd iflag=nocache; node and its modules may still be cached`;
    } catch (ddError) {
      return `page cache NOT dropped: drop_caches ${why}, dd ${(ddError as Error).message.split('\n')[0]}`;
    }
  }
}

/** The child process of the cold-start measurement: a new process opens steward and answers one recall. */
export async function coldChild(): Promise<void> {
  const launchedAt = Number(process.env.BENCH_LAUNCHED_AT);
  const since = (): number => performance.timeOrigin + performance.now() - launchedAt;
  const { Steward } = await import('../../src/app/steward.js');
  const config = loadConfig({ readLocalFile: false });
  const steward = await Steward.open({ config });
  const openedMs = since();
  const result = await steward.memory.recall(process.env.BENCH_QUERY ?? 'hello');
  const sinceLaunchMs = since();
  const rssFirst = process.memoryUsage().rss;
  const cpu = process.cpuUsage();
  const report = steward.memory.status().index?.opened;
  const index = await steward.memory.index(steward.memory.embedder.id);
  await index.ready();
  const graphReadyMs = since();
  const rssReady = process.memoryUsage().rss;
  const again = performance.now();
  await steward.memory.recall(process.env.BENCH_QUERY2 ?? 'hello again');
  const warmRecallMs = performance.now() - again;
  const cold: ColdStart = {
    sinceLaunchMs,
    openedMs,
    recallMs: sinceLaunchMs - openedMs,
    how: report?.how,
    indexMs: report?.ms ?? 0,
    vector: result.vector,
    vectorHits: result.hits.filter((hit) => hit.vectorRank !== null).length,
    rssFirst,
    cpuFirstMs: (cpu.user + cpu.system) / 1000,
    graphReadyMs,
    graphState: `${index.details().graph.state}${index.details().graph.reason === undefined ? '' : ` (${index.details().graph.reason})`}`,
    rssReady,
    warmRecallMs,
  };
  process.stdout.write(JSON.stringify(cold) + '\n');
  await steward.close();
}

/**
 * Launch a new process that opens steward on `dataDir` and answers one
 * recall, then waits for the HNSW graph.
 * @param dataDir - the data folder
 * @param url - the embeddings server, or undefined for the offline word-vector embedder (the default configuration)
 * @param dim - dimensions (the model is `bench-<dim>`)
 * @param queries - the first and the second query
 */
export function coldStart(
  dataDir: string,
  url: string | undefined,
  dim: number,
  queries: [string, string],
): Promise<ColdStart> {
  return new Promise((resolve, reject) => {
    const launchedAt = performance.timeOrigin + performance.now();
    const child = spawn(process.execPath, [fromRoot('dist', 'bench', 'lib', 'memory-cold-child.js')], {
      env: {
        PATH: process.env.PATH ?? '',
        STEWARD_DATA_DIR: dataDir,
        // No URL: the configuration's default, the offline word-vector embedder.
        ...(url === undefined ? {} : { STEWARD_EMBEDDINGS_URL: url, STEWARD_EMBEDDINGS_MODEL: `bench-${dim}` }),
        STEWARD_TIMEZONE: 'UTC',
        BENCH_QUERY: queries[0],
        BENCH_QUERY2: queries[1],
        BENCH_LAUNCHED_AT: String(launchedAt),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const nice = benchNice();
    if (nice !== undefined && child.pid !== undefined) setPriority(child.pid, nice);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (code) =>
      code === 0
        ? resolve(JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as ColdStart)
        : reject(new Error(`cold start exited ${code}: ${stderr}`)),
    );
  });
}

/**
 * `BENCH_NICE`: the scheduling priority (-20 to 19) given to the timed
 * parts (the start-up children, the warm recall loop), so that a shared,
 * busy machine disturbs them less; unset, nothing changes.
 * @returns the niceness, or undefined
 */
export function benchNice(): number | undefined {
  const value = process.env.BENCH_NICE;
  return value === undefined || value === '' ? undefined : Number(value);
}

/**
 * Run a timed part at the `BENCH_NICE` priority, then go back.
 * @param run - the timed part
 */
export async function atBenchPriority<T>(run: () => Promise<T>): Promise<T> {
  const nice = benchNice();
  if (nice === undefined) return run();
  const before = getPriority();
  setPriority(nice);
  try {
    return await run();
  } finally {
    setPriority(before);
  }
}
