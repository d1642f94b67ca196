import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../support/steward.js';

describe('steward config', () => {
  let home: string;
  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), 'steward-config-cli-'));
  });
  afterEach(() => rmSync(home, { recursive: true, force: true }));
  const env = (extra: Record<string, string> = {}): Record<string, string> => ({ XDG_CONFIG_HOME: home, ...extra });
  const file = (): string => join(home, 'steward', 'config.json');

  it('path, set, get: values are checked by the schema and typed from what is typed', async () => {
    expect((await runCli(['config', 'path'], { env: env() })).stdout).toBe(`${file()}\n`);
    const set = await runCli(['config', 'set', 'models.local.fast.baseUrl', 'http://127.0.0.1:11434/v1'], {
      env: env(),
    });
    expect(set.code).toBe(0);
    expect(set.stdout).toContain('Set models.local.fast.baseUrl = "http://127.0.0.1:11434/v1"');
    expect((await runCli(['config', 'set', 'memory.contextTokens', '900'], { env: env() })).code).toBe(0);
    expect((await runCli(['config', 'set', 'signal.to', '+15551112222, +15553334444'], { env: env() })).code).toBe(0);
    expect(JSON.parse(readFileSync(file(), 'utf8'))).toEqual({
      models: { local: { fast: { baseUrl: 'http://127.0.0.1:11434/v1' } } },
      memory: { contextTokens: 900 },
      signal: { to: ['+15551112222', '+15553334444'] },
    });
    const get = await runCli(['config', 'get', 'memory.contextTokens', '--source'], { env: env() });
    expect(get.stdout).toBe(`900\n(from user config ${file()})\n`);
    // A later layer wins, and set says so.
    const overridden = await runCli(['config', 'set', 'models.local.fast.model', 'qwen3:8b'], {
      env: env({ STEWARD_LOCAL_FAST_MODEL: 'llama3.1:8b' }),
    });
    expect(overridden.stdout).toContain('Note: STEWARD_LOCAL_FAST_MODEL overrides it');
  });

  it('refuses a value or key the schema refuses, with exit 2, and writes nothing', async () => {
    const bad = await runCli(['config', 'set', 'models.temperature', '9'], { env: env() });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^steward: config error: models\.temperature .*\n$/);
    const unknown = await runCli(['config', 'set', 'models.temprature', '0.5'], { env: env() });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('models.temprature is not a known setting');
    const missing = await runCli(['config', 'get', 'nope.nothing'], { env: env() });
    expect(missing.code).toBe(1);
    expect(() => readFileSync(file())).toThrow();
    const none = await runCli(['config'], { env: env() });
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('missing command (one of: get, set, path, edit)');
  });

  it('edit opens $EDITOR on the file and checks it afterwards', async () => {
    const editor = join(home, 'editor.sh');
    writeFileSync(editor, `#!/bin/sh\nprintf '{"memory": {"contextTokens": -5}}' > "$1"\n`);
    chmodSync(editor, 0o755);
    const broken = await runCli(['config', 'edit'], { env: env({ EDITOR: editor }) });
    expect(broken.code).toBe(2);
    expect(broken.stderr).toMatch(/memory\.contextTokens .*\nRun "steward config edit" again to fix it\.\n$/);
    writeFileSync(editor, `#!/bin/sh\nprintf '{"memory": {"contextTokens": 700}}' > "$1"\n`);
    const fixed = await runCli(['config', 'edit'], { env: env({ EDITOR: editor }) });
    expect(fixed.code).toBe(0);
    expect(fixed.stdout).toBe(`${file()} is valid.\n`);
  });
});
