import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// Tests assert what a user sees through a pipe: plain text. A FORCE_COLOR
// set by the machine running them would colour it, so it is cleared here,
// for the tests and for the CLI processes they start.
delete process.env.FORCE_COLOR;

// The user config file (`steward init`, `steward config`) lives in the
// platform's config directory. Tests must never read or write the real
// user's: every test process, and every CLI process a test starts (they
// inherit XDG_CONFIG_HOME through `testProcessEnv`), looks in an empty
// temporary folder instead.
process.env.XDG_CONFIG_HOME = mkdtempSync(join(tmpdir(), 'steward-xdg-'));
