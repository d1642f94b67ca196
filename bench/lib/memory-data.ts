import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { StewardConfig } from '../../src/config/schema.js';
import { EmbeddingStore } from '../../src/memory/embedding-store.js';
import { applyMigrations, readCoreMigrations } from '../../src/memory/migrations.js';
import { MemoryStateStore } from '../../src/memory/state-store.js';
import { textHash } from '../../src/memory/text.js';
import { StagedIndex } from '../../src/memory/vector-index/index.js';
import { openDatabase, type Database } from '../../src/shared/database.js';
import { silentLogger } from '../../src/shared/log.js';
import { systemClock } from '../../src/shared/time.js';
import type { Corpus } from './memory-corpus.js';

/** What building a data folder measured (kept with it, so a cached folder still reports it). */
export interface BuiltData {
  /** The steward data folder (`steward.db`, `vectors/`). */
  dataDir: string;
  /** The sqlite-vec peer's database. */
  vecDb: string;
  /** When it was built (ISO). */
  builtAt: string;
  /** Storing the messages (FTS5 by trigger) and their int8 vectors, one transaction, in ms. */
  storeMs: number;
  /** Rebuilding the first stage from the stored vectors, in ms (the index files missing). */
  firstStageMs: number;
  /** Building the HNSW graph from the first stage after that, in ms. */
  graphMs: number;
  /** Inserting the vectors into sqlite-vec's vec0 table, in ms. */
  vecInsertMs: number;
  /** Whether this run built it (false: read from the cache). */
  fresh: boolean;
}

/** The embedder id the benchmark's data is stored under (what `STEWARD_EMBEDDINGS_MODEL=bench-<dim>` gives). */
export function benchModel(dim: number): string {
  return `http:bench-${dim}`;
}

/**
 * Open a database the way steward does, with its migrations.
 * @param dataDir - the data folder
 */
export function openBenchDatabase(dataDir: string): Database {
  const database = openDatabase(dataDir);
  applyMigrations(database, readCoreMigrations());
  return database;
}

/** Store the corpus as messages (FTS5 by trigger) with their vectors, in one transaction; returns the embedding ids by row. */
function store(database: Database, corpus: Corpus, model: string): number[] {
  const ids: number[] = [];
  const embeddings = new EmbeddingStore(database, systemClock);
  database.transaction(() => {
    const at = '2026-01-01T00:00:00.000Z';
    const session = Number(
      database
        .prepare(
          "INSERT INTO sessions (channel, peer, started_at, last_activity_at, ended_at, summarized_at) VALUES ('repl', 'owner', ?, ?, ?, ?)",
        )
        .run(at, at, at, at).lastInsertRowid,
    );
    const insert = database.prepare(
      "INSERT INTO messages (session_id, channel, sender, role, text, created_at, meta) VALUES (?, 'repl', 'owner', 'user', ?, ?, '{}')",
    );
    corpus.texts.forEach((text, row) => {
      const created = new Date(Date.UTC(2026, 0, 1) + row * 60_000).toISOString();
      const messageId = Number(insert.run(session, text, created).lastInsertRowid);
      const vector = corpus.vectors.subarray(row * corpus.dim, (row + 1) * corpus.dim);
      ids.push(embeddings.put({ type: 'message', id: messageId }, model, textHash(text), vector).id);
    });
    database.exec('DELETE FROM embedding_jobs');
  })();
  return ids;
}

/**
 * The data folder of one corpus: read from the cache when it was built by
 * this version, else built: the messages and vectors stored, the index
 * rebuilt from them (the first stage, then the HNSW graph, timed) and
 * saved, and sqlite-vec's table filled for the peer.
 * @param corpus - the corpus
 * @param cache - the corpus's cache folder
 * @param settings - `memory.index` (the head dimensions and HNSW parameters)
 * @param version - the cache key (the corpus and the index formats)
 * @param log - progress lines
 * @param model - the embedder id the vectors are stored under (default: the bench's HTTP model of that size)
 */
export async function loadData(
  corpus: Corpus,
  cache: string,
  settings: StewardConfig['memory']['index'],
  version: string,
  log: (line: string) => void,
  model = benchModel(corpus.dim),
): Promise<BuiltData> {
  const dataDir = join(cache, 'data');
  const vecDb = join(cache, 'vec.db');
  const builtFile = join(cache, 'built.json');
  if (existsSync(builtFile)) {
    const built = JSON.parse(readFileSync(builtFile, 'utf8')) as BuiltData & { version: string };
    if (built.version === version && existsSync(join(dataDir, 'steward.db')) && existsSync(vecDb)) {
      log(`  data from the cache, built ${built.builtAt}`);
      return { ...built, fresh: false };
    }
  }
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(vecDb, { force: true });
  log('  storing the messages and their vectors…');
  const database = openBenchDatabase(dataDir);
  let started = performance.now();
  store(database, corpus, model);
  const storeMs = performance.now() - started;
  log(`  stored in ${Math.round(storeMs)} ms; rebuilding the index from them…`);
  const vectors = new EmbeddingStore(database, systemClock);
  started = performance.now();
  const { index } = await StagedIndex.open({
    model,
    directory: join(dataDir, 'vectors'),
    store: vectors,
    settings,
    log: silentLogger(),
    databaseId: new MemoryStateStore(database).databaseId(),
  });
  while (index.state === 'rebuilding') await sleep(50);
  const firstStageMs = performance.now() - started;
  started = performance.now();
  await index.ready();
  const graphMs = performance.now() - started;
  await index.close();
  database.close();
  log(`  first stage ${Math.round(firstStageMs)} ms, graph ${Math.round(graphMs)} ms; sqlite-vec…`);

  const sqliteVec = (await import('sqlite-vec')) as unknown as { load: (database: Database) => void };
  const BetterSqlite3 = (await import('better-sqlite3')).default;
  const vec = new BetterSqlite3(vecDb);
  sqliteVec.load(vec);
  vec.exec(`CREATE VIRTUAL TABLE items USING vec0(embedding float[${corpus.dim}] distance_metric=cosine)`);
  started = performance.now();
  const insert = vec.prepare('INSERT INTO items (rowid, embedding) VALUES (?, ?)');
  vec.transaction(() => {
    for (let row = 0; row < corpus.size; row += 1) {
      const vector = corpus.vectors.subarray(row * corpus.dim, (row + 1) * corpus.dim);
      insert.run(BigInt(row + 1), Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength));
    }
  })();
  const vecInsertMs = performance.now() - started;
  vec.close();
  const built = { dataDir, vecDb, builtAt: new Date().toISOString(), storeMs, firstStageMs, graphMs, vecInsertMs };
  writeFileSync(builtFile, JSON.stringify({ ...built, version }, null, 2));
  return { ...built, fresh: true };
}

/**
 * Bytes of a file, 0 when missing.
 * @param path - the file
 */
export function fileBytes(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}
