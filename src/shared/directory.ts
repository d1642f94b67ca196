import { existsSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/**
 * Create a directory and the parents it lacks, one level at a time.
 * Node's `mkdirSync(path, { recursive: true })` never returns for a path
 * under `/proc` (each level answers ENOENT, and it retries the parent for
 * ever; issue 10, item 8: `STEWARD_DATA_DIR=/proc/x` hung); here each
 * missing level is made once, and the first that cannot be made throws.
 * @param path - the directory
 * @throws Error (with `code`: ENOENT, EACCES, EROFS, ENOTDIR, ...) when a level cannot be made
 */
export function ensureDirectory(path: string): void {
  const missing: string[] = [];
  let current = resolve(path);
  while (!existsSync(current)) {
    missing.unshift(current);
    const parent = dirname(current);
    if (parent === current) break;
    current = parent;
  }
  for (const directory of missing) mkdirSync(directory);
}
