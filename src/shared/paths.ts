import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

let cachedRoot: string | undefined;

/**
 * Absolute path of the steward checkout (the folder holding its package.json),
 * found by walking up from this file. Works from `src/` under vitest and from
 * `dist/src/` when built.
 * @returns the package root, for example `/home/me/steward`
 * @throws Error if no package.json named `steward` is found above this file
 */
export function packageRoot(): string {
  if (cachedRoot !== undefined) return cachedRoot;
  let directory = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(directory, 'package.json');
    if (existsSync(manifest)) {
      const parsed = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown };
      if (parsed.name === 'steward') {
        cachedRoot = directory;
        return directory;
      }
    }
    const parent = dirname(directory);
    if (parent === directory) throw new Error('steward: cannot find its own package.json above ' + import.meta.url);
    directory = parent;
  }
}

/**
 * Resolve a path inside the checkout.
 * @param segments - path segments relative to the package root, for example `prompts`, `system.md`
 * @returns an absolute path
 */
export function fromRoot(...segments: string[]): string {
  return resolve(packageRoot(), ...segments);
}
