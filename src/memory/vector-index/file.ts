import { createHash, randomBytes, webcrypto } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';

/**
 * The files of a saved index, in `STEWARD_DATA_DIR/vectors/`: the first
 * stage (`<stem>.<sha256 prefix>.flat`), the HNSW graph
 * (`<stem>.<sha256 prefix>.hnsw`, when it was complete at the save), and
 * one metadata file per model (`<stem>.json`) that names them and says
 * what they cover. The metadata file is the single switch: the new files
 * are written first, then the metadata is renamed over the old one, so a
 * crash or two processes saving at once leave one complete set.
 */

const graphSchema = z.object({
  file: z.string().regex(/^[A-Za-z0-9._-]+\.hnsw$/),
  sha256: z.string().length(64),
  /** Vectors in the graph, not counting deleted ones. */
  count: z.number().int().min(0),
  m: z.number().int(),
  efConstruction: z.number().int(),
});

const metaSchema = z.object({
  version: z.literal(3),
  model: z.string(),
  databaseId: z.string(),
  /** The first stage's file. */
  file: z.string().regex(/^[A-Za-z0-9._-]+\.flat$/),
  sha256: z.string().length(64),
  /** Dimensions of the stored vectors. */
  dim: z.number().int().positive(),
  /** Dimensions of the heads in both stages. */
  dims: z.number().int().positive(),
  caughtUpTo: z.number().int().min(0),
  count: z.number().int().min(0),
  graph: graphSchema.nullable(),
  savedAt: z.string(),
});

/** The metadata file of a saved index (`<stem>.json`, version 3). */
export type IndexMeta = z.infer<typeof metaSchema>;

/** The graph's entry in {@link IndexMeta}. */
export type GraphEntry = z.infer<typeof graphSchema>;

/** What the caller states about a saved index; file names, checksums and the time are added when it is written. */
export type IndexMetaFields = Omit<IndexMeta, 'version' | 'file' | 'sha256' | 'graph' | 'savedAt'>;

/**
 * A file-safe name for an embedder id: `hashing:v1:384` → `hashing_v1_384-<hash>`.
 * @param model - embedder id
 * @returns the stem shared by the model's metadata and index files
 */
export function indexFileStem(model: string): string {
  return (
    model.replace(/[^A-Za-z0-9.-]+/g, '_').slice(0, 120) +
    '-' +
    createHash('sha256').update(model).digest('hex').slice(0, 8)
  );
}

function metaFile(directory: string, model: string): string {
  return join(directory, `${indexFileStem(model)}.json`);
}

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * Read a model's metadata file.
 * @param directory - folder of the index files
 * @param model - embedder id
 * @returns the metadata, or why there is none: `missing`, `stale (...)` for an older format, `corrupt (...)`
 */
export function readIndexMeta(directory: string, model: string): IndexMeta | string {
  const file = metaFile(directory, model);
  if (!existsSync(file)) return 'missing';
  try {
    const json = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    const parsed = metaSchema.safeParse(json);
    if (parsed.success) return parsed.data;
    const version = (json as { version?: unknown } | null)?.version;
    return typeof version === 'number' && version < 3
      ? `stale (index format ${version}, before the first stage)`
      : 'corrupt (unreadable metadata)';
  } catch {
    return 'corrupt (metadata is not JSON)';
  }
}

/**
 * The first-stage file a model uses now, or where it will be written.
 * @param directory - folder of the index files
 * @param model - embedder id
 * @returns an absolute or data-dir-relative path, as `directory` is
 */
export function indexFilePath(directory: string, model: string): string {
  const meta = readIndexMeta(directory, model);
  return join(directory, typeof meta === 'string' ? `${indexFileStem(model)}.flat` : meta.file);
}

/**
 * Bytes on disk of a model's index files (metadata, first stage, graph).
 * @param directory - folder of the index files
 * @param model - embedder id
 */
export function indexFileBytes(directory: string, model: string): number {
  const meta = readIndexMeta(directory, model);
  if (typeof meta === 'string') return 0;
  const size = (name: string): number => {
    try {
      return statSync(join(directory, name)).size;
    } catch {
      return 0;
    }
  };
  return size(`${indexFileStem(model)}.json`) + size(meta.file) + (meta.graph === null ? 0 : size(meta.graph.file));
}

/** What {@link checkIndexFile} expects of a saved index. */
export interface IndexExpectations {
  /** Folder of the index files. */
  directory: string;
  /** Embedder id: a file made for another model is stale. */
  model: string;
  /** The database's id: a file made for another database is stale. */
  databaseId: string;
  /** Head dimensions asked for (`memory.index.dimensions`; 0 = whole vectors). */
  dims: number;
  /** The highest `embeddings.id` ever given (asked only once the cheaper checks pass): a file that covers more is stale. */
  sequence: () => number;
}

/**
 * Check a saved index before loading it: its metadata, model, database,
 * head dimensions, the rows it claims to cover, and the sha256 of its
 * first stage (the graph is checked when it is loaded: {@link readGraphFile}).
 * The first stage is read and hashed off the event loop (libuv's pool), so
 * a recall's query embedding goes on meanwhile.
 * @param expected - folder, model, database id, head dimensions and the id sequence
 * @returns the metadata and the first stage's bytes, or why it must be rebuilt: `missing`, `corrupt (...)`, `stale (...)`
 */
export async function checkIndexFile(
  expected: IndexExpectations,
): Promise<{ ok: true; meta: IndexMeta; flat: Buffer } | { ok: false; reason: string }> {
  const meta = readIndexMeta(expected.directory, expected.model);
  if (typeof meta === 'string') return { ok: false, reason: meta };
  if (meta.model !== expected.model) return { ok: false, reason: `stale (made for ${meta.model})` };
  if (meta.databaseId !== expected.databaseId) return { ok: false, reason: 'stale (made for another database)' };
  const dims = expected.dims === 0 ? meta.dim : Math.min(expected.dims, meta.dim);
  if (meta.dims !== dims)
    return { ok: false, reason: `stale (heads of ${meta.dims} dimensions; memory.index.dimensions asks for ${dims})` };
  const sequence = expected.sequence();
  if (meta.caughtUpTo > sequence)
    return {
      ok: false,
      reason: `stale (it covers rows up to ${meta.caughtUpTo}; the database has given ids up to ${sequence})`,
    };
  const read = await readChecked(join(expected.directory, meta.file), meta.sha256);
  return typeof read === 'string' ? { ok: false, reason: read } : { ok: true, meta, flat: read };
}

/** A file's bytes, read and hashed off the event loop, or why not: `missing`, `corrupt (checksum mismatch)`. */
async function readChecked(path: string, expected: string): Promise<Buffer | string> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch {
    return 'missing';
  }
  const digest = Buffer.from(await webcrypto.subtle.digest('SHA-256', bytes)).toString('hex');
  return digest === expected ? bytes : 'corrupt (checksum mismatch)';
}

/**
 * Check a saved graph's checksum off the event loop (the file is read
 * asynchronously and hashed by WebCrypto on libuv's pool).
 * @param directory - folder of the index files
 * @param entry - the graph's entry in the metadata
 * @returns the graph file's path, or why it cannot be loaded: `missing`, `corrupt (checksum mismatch)`
 */
export async function readGraphFile(directory: string, entry: GraphEntry): Promise<{ path: string } | string> {
  const path = join(directory, entry.file);
  const read = await readChecked(path, entry.sha256);
  return typeof read === 'string' ? read : { path };
}

/** The graph part of a save: write it now, keep the entry of a file already written, or none. */
export type GraphPart =
  { write: (path: string) => void; count: number; m: number; efConstruction: number } | GraphEntry;

/**
 * Save an index: each part goes to a temporary file, renamed to a name made
 * from its checksum; then the metadata is written to a temporary file and
 * renamed over the old one. The files the old metadata named are kept
 * (another process may be reading them) and older ones are deleted.
 * @param directory - folder of the index files (created when missing)
 * @param fields - what the files cover (model, database id, dimensions, rows, count)
 * @param parts - the first stage's bytes, and the graph (to write, to keep, or null)
 * @returns the metadata written
 * @throws Error when a write or rename fails; the temporary files are removed first
 */
export function writeIndexFiles(
  directory: string,
  fields: IndexMetaFields,
  parts: { flat: Buffer; graph: GraphPart | null },
): IndexMeta {
  mkdirSync(directory, { recursive: true });
  const stem = indexFileStem(fields.model);
  const temporary = join(directory, `${stem}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const temporaryGraph = `${temporary}.graph`;
  const temporaryMeta = `${temporary}.json`;
  try {
    writeFileSync(temporary, parts.flat);
    const checksum = sha256(parts.flat);
    const file = `${stem}.${checksum.slice(0, 16)}.flat`;
    renameSync(temporary, join(directory, file));
    let graph: GraphEntry | null = null;
    if (parts.graph !== null && 'write' in parts.graph) {
      parts.graph.write(temporaryGraph);
      const graphChecksum = sha256(readFileSync(temporaryGraph));
      const graphFile = `${stem}.${graphChecksum.slice(0, 16)}.hnsw`;
      renameSync(temporaryGraph, join(directory, graphFile));
      const { count, m, efConstruction } = parts.graph;
      graph = { file: graphFile, sha256: graphChecksum, count, m, efConstruction };
    } else graph = parts.graph;
    const previous = readIndexMeta(directory, fields.model);
    // When the metadata before this save was written (unreadable: its file's time; none: every file is older).
    const previousAt =
      typeof previous === 'string' ? modifiedAt(metaFile(directory, fields.model)) : Date.parse(previous.savedAt);
    const meta: IndexMeta = { version: 3, ...fields, file, sha256: checksum, graph, savedAt: new Date().toISOString() };
    writeFileSync(temporaryMeta, JSON.stringify(meta, null, 2) + '\n');
    renameSync(temporaryMeta, metaFile(directory, fields.model));
    // Keep the files the old metadata named (another process may be reading them); drop older ones.
    // A file written after that metadata may be another process's save in flight (its files renamed,
    // its metadata not yet): it stays until a later save finds it older than the metadata then.
    const keep = new Set([file, graph?.file]);
    if (typeof previous !== 'string') keep.add(previous.file).add(previous.graph?.file);
    for (const name of readdirSync(directory)) {
      if (!name.startsWith(`${stem}.`)) continue;
      if (/\.(flat|hnsw)$/.test(name) && !keep.has(name)) {
        if (modifiedAt(join(directory, name)) < previousAt) rmSync(join(directory, name), { force: true });
      } else if (
        // A save that crashed left its temporary files (as large as the index): gone once surely abandoned.
        /\.tmp(\.graph|\.json)?$/.test(name) &&
        Date.now() - modifiedAt(join(directory, name)) > ABANDONED_AFTER_MS
      )
        rmSync(join(directory, name), { force: true });
    }
    return meta;
  } catch (error) {
    for (const path of [temporary, temporaryGraph, temporaryMeta]) rmSync(path, { force: true });
    throw error;
  }
}

/** A temporary file older than this was left by a save that crashed, in ms (a save takes seconds). */
const ABANDONED_AFTER_MS = 10 * 60_000;

/** When a file was last written, in ms since the epoch; Infinity when it is gone (so it is never deleted). */
function modifiedAt(path: string): number {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return Infinity;
  }
}

/**
 * Whether a model has a metadata file (a saved index) yet.
 * @param directory - folder of the index files
 * @param model - embedder id
 */
export function hasIndexFile(directory: string, model: string): boolean {
  return existsSync(metaFile(directory, model));
}
