import { afterEach, describe, expect, it } from 'vitest';
import { colorsFor, supportsColor } from '../../src/shared/colors.js';
import { openDatabase } from '../../src/shared/database.js';
import { refusedUrl } from '../support/openai-server.js';
import { runCli, temporaryDataDir } from '../support/steward.js';

const ESCAPE = '\u001b[';

describe('supportsColor', () => {
  it('colours a terminal only, whatever CI says', () => {
    expect(supportsColor({ isTTY: true }, { TERM: 'xterm' })).toBe(true);
    expect(supportsColor({ isTTY: false }, { TERM: 'xterm', CI: '1' })).toBe(false);
    expect(supportsColor({}, { CI: 'true' })).toBe(false);
    expect(supportsColor({ isTTY: true }, { TERM: 'dumb' })).toBe(false);
  });

  it('follows NO_COLOR and FORCE_COLOR', () => {
    expect(supportsColor({ isTTY: true }, { TERM: 'xterm', NO_COLOR: '1' })).toBe(false);
    expect(supportsColor({ isTTY: true }, { TERM: 'xterm', NO_COLOR: '' })).toBe(true);
    expect(supportsColor({ isTTY: false }, { FORCE_COLOR: '1' })).toBe(true);
    expect(supportsColor({ isTTY: true }, { TERM: 'xterm', FORCE_COLOR: '0' })).toBe(false);
    expect(supportsColor({ isTTY: false }, { NO_COLOR: '1', FORCE_COLOR: '1' })).toBe(false);
  });

  it('gives identity functions when colour is off', () => {
    expect(colorsFor(false).red('x')).toBe('x');
    expect(colorsFor(true).red('x')).toContain(ESCAPE);
  });
});

describe('the built CLI on a pipe under CI=1', () => {
  const cleanups: Array<() => void> = [];
  afterEach(() => cleanups.splice(0).forEach((cleanup) => cleanup()));

  // picocolors switches colour on for every stream when CI is set, at import: only a fresh process shows it.
  it('carries no escape codes in replies, errors, notices or /status', async () => {
    const { dataDir, remove } = temporaryDataDir();
    cleanups.push(remove);
    const env = { STEWARD_DATA_DIR: dataDir, STEWARD_LOCAL_FAST_URL: await refusedUrl(), CI: '1' };
    const added = await runCli(['add', 'habit', 'meditation', 'daily', 'at', '00:00'], { env });
    expect(added.stdout).toContain('Added habit meditation');
    // Added yesterday, so today's 00:00 reminder is due (none is sent for a time before the habit existed).
    const database = openDatabase(dataDir);
    database.prepare("UPDATE habits SET created_at = '2000-01-01T00:00:00.000Z'").run();
    database.close();
    const lines = ['check in nothing', '/status', '/nonsense', 'hello there'];
    const result = await runCli([], { env, input: lines.join('\n') + '\n' });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Unknown command /nonsense');
    expect(result.stdout).toContain('No model answered');
    expect(result.stdout).toContain('Reminder: meditation');
    expect(result.stdout).not.toContain(ESCAPE);
    const doctor = await runCli(['doctor'], { env });
    expect(doctor.stdout).toContain('FAIL');
    expect(doctor.stdout).not.toContain(ESCAPE);
  });
});
