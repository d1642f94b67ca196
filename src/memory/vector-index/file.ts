import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

/**
 * The files of a saved index, in `STEWARD_DATA_DIR/vectors/`: the index
 * itself, named by its checksum (`<stem>.<sha256 prefix>.hnsw`), and one
 * metadata file per model (`<stem>.json`) that names it and says what it
 * covers. The metadata file is the single switch: a new index file is
 * written first, then the metadata is renamed over the old one, so a crash
 * or two processes saving at once leave one complete pair.
 */

const metaSchema = z.object({
  version: z.literal(2),
  model: z.string(),
  databaseId: z.string(),
  file: z.string().regex(/^[A-Za-z0-9._-]+\.hnsw$/),
  dim: z.number().int().positive(),
  caughtUpTo: z.number().int().min(0),
  count: z.number().int().min(0),
  sha256: z.string().length(64),
  m: z.number().int(),
  efConstruction: z.number().int(),
  savedAt: z.string(),
});

/** The metadata file of a saved index (`<stem>.json`, version 2). */
export type IndexMeta = z.infer<typeof metaSchema>;

/** What the caller states about a saved index; the file name, checksum and time are added when it is written. */
export type IndexMetaFields = Omit<IndexMeta, 'version' | 'file' | 'sha256' | 'savedAt'>;

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
 * @returns the metadata, or why there is none: `missing`, `corrupt (...)`
 */
export function readIndexMeta(directory: string, model: string): IndexMeta | string {
  const file = metaFile(directory, model);
  if (!existsSync(file)) return 'missing';
  try {
    const parsed = metaSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
    return parsed.success ? parsed.data : 'corrupt (unreadable metadata)';
  } catch {
    return 'corrupt (metadata is not JSON)';
  }
}

/**
 * The index file a model uses now, or where it will be written.
 * @param directory - folder of the index files
 * @param model - embedder id
 * @returns an absolute or data-dir-relative path, as `directory` is
 */
export function indexFilePath(directory: string, model: string): string {
  const meta = readIndexMeta(directory, model);
  return join(directory, typeof meta === 'string' ? `${indexFileStem(model)}.hnsw` : meta.file);
}

/** What {@link checkIndexFile} expects of a saved index. */
export interface IndexExpectations {
  /** Folder of the index files. */
  directory: string;
  /** Embedder id: a file made for another model is stale. */
  model: string;
  /** The database's id: a file made for another database is stale. */
  databaseId: string;
  /** The highest `embeddings.id` ever given (asked only once the cheaper checks pass): a file that covers more is stale. */
  sequence: () => number;
}

/**
 * Check a saved index before loading it: its metadata, model, database,
 * the rows it claims to cover, and the sha256 of its bytes.
 * @param expected - folder, model, database id and the id sequence
 * @returns the metadata and the verified index file, or why it must be rebuilt: `missing`, `corrupt (...)`, `stale (...)`
 */
export function checkIndexFile(
  expected: IndexExpectations,
): { ok: true; meta: IndexMeta; path: string } | { ok: false; reason: string } {
  const meta = readIndexMeta(expected.directory, expected.model);
  if (typeof meta === 'string') return { ok: false, reason: meta };
  if (meta.model !== expected.model) return { ok: false, reason: `stale (made for ${meta.model})` };
  if (meta.databaseId !== expected.databaseId) return { ok: false, reason: 'stale (made for another database)' };
  const sequence = expected.sequence();
  if (meta.caughtUpTo > sequence)
    return {
      ok: false,
      reason: `stale (it covers rows up to ${meta.caughtUpTo}; the database has given ids up to ${sequence})`,
    };
  const path = join(expected.directory, meta.file);
  if (!existsSync(path)) return { ok: false, reason: 'missing' };
  if (sha256(readFileSync(path)) !== meta.sha256) return { ok: false, reason: 'corrupt (checksum mismatch)' };
  return { ok: true, meta, path };
}

/**
 * Save an index: `write` puts it in a temporary file, which is renamed to a
 * name made from its checksum; then the metadata is written to a temporary
 * file and renamed over the old one. The index file the old metadata named
 * is kept (another process may be reading it) and older ones are deleted.
 * @param directory - folder of the index files (created when missing)
 * @param fields - what the file covers (model, database id, dimension, rows, count, HNSW parameters)
 * @param write - writes the index to the path given (hnswlib's `writeIndexSync`)
 * @throws Error when a write or rename fails; the temporary files are removed first
 */
export function writeIndexFiles(directory: string, fields: IndexMetaFields, write: (path: string) => void): void {
  mkdirSync(directory, { recursive: true });
  const stem = indexFileStem(fields.model);
  const temporary = join(directory, `${stem}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const temporaryMeta = `${temporary}.json`;
  try {
    write(temporary);
    const checksum = sha256(readFileSync(temporary));
    const file = `${stem}.${checksum.slice(0, 16)}.hnsw`;
    renameSync(temporary, join(directory, file));
    const previous = readIndexMeta(directory, fields.model);
    const meta: IndexMeta = { version: 2, ...fields, file, sha256: checksum, savedAt: new Date().toISOString() };
    writeFileSync(temporaryMeta, JSON.stringify(meta, null, 2) + '\n');
    renameSync(temporaryMeta, metaFile(directory, fields.model));
    // Keep the file the old metadata named (another process may be reading it); drop older ones.
    const keep = new Set([file, typeof previous === 'string' ? '' : previous.file]);
    for (const name of readdirSync(directory)) {
      if (name.startsWith(`${stem}.`) && name.endsWith('.hnsw') && !keep.has(name))
        rmSync(join(directory, name), { force: true });
    }
  } catch (error) {
    rmSync(temporary, { force: true });
    rmSync(temporaryMeta, { force: true });
    throw error;
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
