#!/usr/bin/env node
// Launcher: checks the Node.js version and that the build exists, then runs
// the bundled CLI (dist/bundle/steward.js, made by bin/build.js). `pnpm
// install` builds it; `pnpm build` rebuilds it.
import module from 'node:module';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const major = Number(process.versions.node.split('.')[0]);
if (major < 20) {
  process.stderr.write(`steward needs Node.js 20 or newer; this is ${process.version}.\n`);
  process.exit(1);
}
const entry = new URL('../dist/bundle/steward.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  process.stderr.write(
    `steward is not built yet: run "pnpm install" (or "pnpm build") in ${fileURLToPath(new URL('..', import.meta.url))}\n`,
  );
  process.exit(1);
}
// V8's code cache on disk, so later starts skip compiling the bundle: Node 22.1 and newer
// (module.enableCompileCache); Node 20 has no such cache and compiles at every start.
module.enableCompileCache?.();
// Stack traces point into src/ when debugging (the bundle has source maps).
if (process.env.STEWARD_DEBUG === '1') process.setSourceMapsEnabled(true);
const { main } = await import(entry.href);
const code = await main(process.argv);
// Exit once stdout and stderr are flushed: an idle HTTP keep-alive socket
// must not hold a finished command open.
process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
