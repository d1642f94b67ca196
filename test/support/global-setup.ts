import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fromRoot } from '../../src/shared/paths.js';

/**
 * Build dist/ once before the tests: the process-level tests run the built
 * CLI, as a user does (ARCHITECTURE.md: run the built JavaScript).
 */
export default function setup(): void {
  const require = createRequire(import.meta.url);
  const tsc = require.resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-b', fromRoot('tsconfig.build.json')], { cwd: fromRoot(), stdio: 'inherit' });
}
