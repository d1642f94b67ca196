import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { discoverPlugins } from '../../src/plugins/loader.js';
import { fromRoot } from '../../src/shared/paths.js';
import { openTestSteward, type TestSteward } from '../support/steward.js';

describe('plugin loader', () => {
  let opened: TestSteward | undefined;
  afterEach(async () => {
    await opened?.close();
    opened = undefined;
  });

  it('loads every built-in plugin folder, with no failures', async () => {
    const folders = readdirSync(fromRoot('plugins'), { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name);
    const result = await discoverPlugins(fromRoot('plugins'));
    expect(result.failures).toEqual([]);
    expect(result.plugins.map((entry) => entry.plugin.name).sort()).toEqual(folders.sort());
    expect(folders).toEqual(expect.arrayContaining(['habits', 'goals', 'briefings']));

    opened = await openTestSteward();
    expect(opened.steward.plugins.failures).toEqual([]);
    expect(opened.steward.plugins.active.map((entry) => entry.plugin.name)).toEqual(
      expect.arrayContaining(['habits', 'goals', 'briefings']),
    );
  });

  it('reports a broken plugin by name and keeps the others working', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'steward-plugins-'));
    mkdirSync(join(directory, 'good'));
    writeFileSync(
      join(directory, 'good', 'index.ts'),
      `export default {
        name: 'good',
        description: 'a working plugin',
        commands: [{ name: 'ping', phrases: ['ping'], usage: 'ping', description: 'answers pong', args: 'none', handler: () => 'pong' }],
      };\n`,
    );
    mkdirSync(join(directory, 'throws'));
    writeFileSync(join(directory, 'throws', 'index.ts'), "throw new Error('kaboom at import');\n");
    mkdirSync(join(directory, 'misshapen'));
    writeFileSync(
      join(directory, 'misshapen', 'index.ts'),
      "export default { name: 'misshapen', commands: [{ phrases: ['x'] }] };\n",
    );
    mkdirSync(join(directory, 'empty'));
    mkdirSync(join(directory, 'failing-setup'));
    writeFileSync(
      join(directory, 'failing-setup', 'index.ts'),
      "export default { name: 'failing-setup', description: 'x', setup() { throw new Error('no setup for you'); } };\n",
    );

    opened = await openTestSteward({ pluginsDirectory: directory });
    const failures = opened.steward.plugins.failures;
    expect(failures.map((failure) => failure.name).sort()).toEqual(['empty', 'failing-setup', 'misshapen', 'throws']);
    expect(failures.find((failure) => failure.name === 'throws')?.reason).toContain('kaboom at import');
    expect(failures.find((failure) => failure.name === 'misshapen')?.reason).toContain('description');
    expect(failures.find((failure) => failure.name === 'failing-setup')?.reason).toContain('no setup for you');
    expect(opened.steward.plugins.active.map((entry) => entry.plugin.name)).toEqual(['good']);

    const reply = await opened.say('ping');
    expect(reply).toMatchObject({ kind: 'command', text: 'pong' });
  });

  it('reports a configured plugin that does not exist', async () => {
    opened = await openTestSteward({ overrides: { plugins: { habbits: {} } } });
    expect(opened.steward.plugins.failures).toEqual([
      { name: 'habbits', reason: expect.stringContaining('no plugin of that name') },
    ]);
  });

  it('leaves out a plugin disabled in the config', async () => {
    opened = await openTestSteward({ overrides: { plugins: { goals: { enabled: false } } } });
    expect(opened.steward.plugins.active.map((entry) => entry.plugin.name)).not.toContain('goals');
    const reply = await opened.say('goals');
    expect(reply.kind).not.toBe('command');
  });
});
