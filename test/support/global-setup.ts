import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fromRoot } from '../../src/shared/paths.js';

/**
 * Build dist/ once before the tests, as `pnpm build` does: tsc (dist/src,
 * which a few process-level tests import) and the bundle (bin/build.js),
 * which the tests that run `bin/steward.js` run, as a user does.
 */
export default function setup(): void {
  const require = createRequire(import.meta.url);
  const tsc = require.resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-b', fromRoot('tsconfig.build.json')], { cwd: fromRoot(), stdio: 'inherit' });
  execFileSync(process.execPath, [fromRoot('bin', 'build.js')], { cwd: fromRoot(), stdio: 'inherit' });
}
