#!/usr/bin/env node
// `pnpm bench <name>`: run a benchmark program from bench/ (built into dist/bench/).
import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const name = process.argv[2];
const directory = new URL('../dist/bench/', import.meta.url);
const available = existsSync(fileURLToPath(directory))
  ? readdirSync(fileURLToPath(directory))
      .filter((file) => file.endsWith('.js'))
      .map((file) => file.replace(/\.js$/, ''))
  : [];
if (name === undefined || name === '--help' || !available.includes(name)) {
  process.stderr.write(`usage: pnpm bench <name>\navailable: ${available.join(', ') || '(none: run pnpm build)'}\n`);
  process.exit(name === undefined || name === '--help' ? 0 : 2);
}
await import(new URL(`${name}.js`, directory).href);
