#!/usr/bin/env node
// Bundles the CLI and the plugins with esbuild into dist/bundle/, the code
// `bin/steward.js` runs. One file per entry point plus shared chunks, so the
// CLI and every plugin share one copy of each module (the plugin API, the
// error classes, zod); LangChain, axios and the other modules a command may
// not need stay in chunks of their own, loaded by their dynamic import().
// The native modules (better-sqlite3, hnswlib-node) stay in node_modules.
//
//   node bin/build.js           bundle, unless dist/bundle is newer than every input
//   node bin/build.js --force   bundle anyway
//
// `pnpm build` (and so `pnpm install`) runs it after tsc; `pnpm start` and
// `pnpm steward` run it alone. A plugin is a folder in plugins/ with an
// index.ts: each is an entry point, and the loader finds it in
// dist/bundle/plugins/<folder>/index.js at run time.
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { Buffer } from 'node:buffer';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const outdir = join(root, 'dist', 'bundle');
const metaFile = join(outdir, 'meta.json');

/** The plugin folders (as the loader reads them: not hidden, not starting with `_`) that have an index.ts. */
function pluginEntries() {
  const directory = join(root, 'plugins');
  if (!existsSync(directory)) return {};
  const entries = {};
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name.startsWith('.') || entry.name.startsWith('_')) continue;
    const index = join(directory, entry.name, 'index.ts');
    if (existsSync(index)) entries[`plugins/${entry.name}/index`] = index;
  }
  return entries;
}

/**
 * One luxon in the bundle: cron-parser require()s luxon's CommonJS build,
 * steward imports its ES module build; both get the ES module build.
 */
const oneLuxon = {
  name: 'one-luxon',
  setup(build) {
    build.onResolve({ filter: /^luxon$/ }, async (args) => {
      if (args.pluginData === 'one-luxon') return undefined;
      const resolved = await build.resolve('luxon', {
        kind: 'import-statement',
        resolveDir: args.resolveDir,
        pluginData: 'one-luxon',
      });
      return resolved.errors.length > 0 ? undefined : { path: resolved.path };
    });
  },
};

/** Whether the last bundle is there, and newer than its every input, for the same entry points. */
function upToDate(entryPoints) {
  if (!existsSync(metaFile)) return false;
  let meta;
  try {
    meta = JSON.parse(readFileSync(metaFile, 'utf8'));
  } catch {
    return false;
  }
  if (JSON.stringify(meta.entryPoints) !== JSON.stringify(entryPoints)) return false;
  if (!Object.keys(entryPoints).every((name) => existsSync(join(outdir, `${name}.js`)))) return false;
  const builtAt = statSync(metaFile).mtimeMs;
  const inputs = [...meta.inputs, 'package.json', 'pnpm-lock.yaml', 'tsconfig.json', 'bin/build.js'];
  return inputs.every((input) => {
    const file = join(root, input);
    return existsSync(file) && statSync(file).mtimeMs <= builtAt;
  });
}

async function main() {
  const force = process.argv.includes('--force');
  const entryPoints = { steward: join(root, 'src', 'cli', 'main.ts'), ...pluginEntries() };
  const entryNames = Object.fromEntries(
    Object.entries(entryPoints).map(([name, file]) => [name, relative(root, file)]),
  );
  if (!force && upToDate(entryNames)) return;

  const { build } = await import('esbuild');
  const result = await build({
    absWorkingDir: root,
    entryPoints,
    outdir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    external: ['better-sqlite3', 'hnswlib-node'],
    chunkNames: 'chunks/[name]-[hash]',
    sourcemap: 'linked',
    metafile: true,
    write: false,
    logLevel: 'warning',
    plugins: [oneLuxon],
    // The loader looks for the plugins here (src/plugins/loader.ts).
    define: { STEWARD_BUNDLED_PLUGINS: JSON.stringify('dist/bundle/plugins') },
    // CommonJS dependencies inside an ES module bundle call require() for Node's built-ins.
    banner: {
      js: "import { createRequire as __stewardRequire } from 'node:module'; const require = __stewardRequire(import.meta.url);",
    },
  });

  const written = new Set();
  for (const file of result.outputFiles) {
    mkdirSync(dirname(file.path), { recursive: true });
    // Same content, same file: a process running the bundle keeps finding the chunks it has not loaded yet.
    const same = existsSync(file.path) && Buffer.compare(readFileSync(file.path), file.contents) === 0;
    if (!same) writeFileSync(file.path, file.contents);
    written.add(file.path);
  }
  removeStale(outdir, written);
  writeFileSync(
    metaFile,
    JSON.stringify({ entryPoints: entryNames, inputs: Object.keys(result.metafile.inputs) }, null, 1) + '\n',
  );
}

/** Delete the files of an earlier bundle that this one no longer has (chunk names carry a content hash). */
function removeStale(directory, keep) {
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) {
      removeStale(path, keep);
      if (readdirSync(path).length === 0) rmSync(path, { recursive: true });
    } else if (path !== metaFile && !keep.has(path)) {
      rmSync(path);
    }
  }
}

await main();
