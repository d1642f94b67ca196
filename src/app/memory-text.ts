import { vectorBytes, type MemoryStatus } from '../memory/index.js';

/**
 * The lines of `steward memory` about vectors: their sizes and format, the
 * index's state and stages, and the bytes on disk and in memory.
 */

/**
 * Bytes for people: `812 B`, `4.0 KB`, `143 MB`, `1.6 GB` (powers of 1000).
 * @param bytes - a byte count
 */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

/**
 * The stored vectors of the serving model: how many, their length and
 * format, and the float32 → int8 conversion of an older database.
 * @param status - the memory status
 * @returns for example `100000 × 4096 dimensions, int8: 4.1 KB each (float32: 16 KB)`
 */
export function describeVectors(status: MemoryStatus): string {
  const count = status.vectors.find((entry) => entry.model === status.serving)?.count ?? 0;
  const shape = status.shape;
  if (shape === undefined) return 'none stored yet';
  const format = shape.format ?? 'unknown format';
  const each =
    shape.format === undefined
      ? ''
      : `: ${formatBytes(vectorBytes(shape.format, shape.dim))} each${shape.format === 'int8' ? ` (float32: ${formatBytes(vectorBytes('float32', shape.dim))})` : ''}`;
  const conversion =
    status.conversion === undefined
      ? ''
      : `; converting the older float32 ones to int8: ${Math.floor((100 * status.conversion.done) / Math.max(1, status.conversion.total))}% (${status.conversion.done}/${status.conversion.total})`;
  return `${count} × ${shape.dim} dimensions, ${format}${each}${conversion}`;
}

/**
 * The serving index: its state, the first stage and the HNSW graph.
 * @param status - the memory status
 * @returns for example `loading: first stage (heads of 256 dimensions) loaded in 120 ms; HNSW graph loading`
 */
export function describeIndex(status: MemoryStatus): string {
  const index = status.index;
  if (index === undefined) return 'not opened';
  const { opened, details } = index;
  const parts: string[] = [];
  const heads = details.dims.heads === undefined ? '' : ` (heads of ${details.dims.heads} dimensions)`;
  if (index.state === 'rebuilding') parts.push(`first stage${heads} rebuilding from the stored vectors`);
  else if (opened !== undefined)
    parts.push(
      `first stage${heads} ${opened.how}${opened.reason === undefined ? '' : ` (${opened.reason})`} in ${Math.round(opened.ms)} ms, ${opened.caughtUp} caught up`,
    );
  const graph = details.graph;
  if (graph.state === 'ready')
    parts.push(`HNSW graph ready${graph.ms === undefined ? '' : ` after ${Math.round(graph.ms)} ms`}`);
  else if (graph.state === 'none')
    parts.push(`no HNSW graph${graph.reason === undefined ? '' : ` (${graph.reason})`}: exact scan`);
  else
    parts.push(
      `HNSW graph ${graph.state}${graph.reason === undefined || graph.state === 'loading' ? '' : ` (${graph.reason})`} ${graph.done}/${graph.total}`,
    );
  return `${index.state}: ${parts.join('; ')}`;
}

/**
 * Bytes on disk (the database, the index files) and held by the index in memory.
 * @param status - the memory status
 * @returns for example `database 520 MB (12 MB free), index files 143 MB; index in memory about 130 MB`
 */
export function describeDisk(status: MemoryStatus): string {
  const { bytes, freeBytes } = status.database;
  const free = freeBytes > 0 ? ` (${formatBytes(freeBytes)} free, given back by VACUUM)` : '';
  const index =
    status.index === undefined
      ? ''
      : `, index files ${formatBytes(status.index.details.bytes.disk)}; index in memory about ${formatBytes(status.index.details.bytes.memory)}`;
  return `database ${formatBytes(bytes)}${free}${index}`;
}
