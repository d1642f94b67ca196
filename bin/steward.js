#!/usr/bin/env node
// Launcher: checks the Node.js version and that the build exists, then runs
// the built CLI (dist/). `pnpm install` builds it; `pnpm build` rebuilds it.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const major = Number(process.versions.node.split('.')[0]);
if (major < 20) {
  process.stderr.write(`steward needs Node.js 20 or newer; this is ${process.version}.\n`);
  process.exit(1);
}
const entry = new URL('../dist/src/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  process.stderr.write(
    `steward is not built yet: run "pnpm install" (or "pnpm build") in ${fileURLToPath(new URL('..', import.meta.url))}\n`,
  );
  process.exit(1);
}
const { main } = await import(entry.href);
const code = await main(process.argv);
// Exit once stdout and stderr are flushed: an idle HTTP keep-alive socket
// must not hold a finished command open.
process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
