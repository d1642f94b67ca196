import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { definePlugin, type PluginContext } from '../../src/plugins/api.js';
import { discoverPlugins } from '../../src/plugins/loader.js';
import { pluginSettings } from '../../src/plugins/settings.js';
import { ConfigError } from '../../src/shared/errors.js';

const water = definePlugin({
  name: 'water',
  description: 'Counts glasses of water',
  settings: z.strictObject({
    goal: z.number().int().min(1).default(8),
    units: z.strictObject({ glassMl: z.number().positive().default(250) }).prefault({}),
  }),
  setup: (context) => {
    // The handlers see the schema's output type.
    expectTypeOf(context.settings.goal).toEqualTypeOf<number>();
    expectTypeOf(context.settings.units.glassMl).toEqualTypeOf<number>();
  },
});

describe('plugin settings', () => {
  it('parses plugins.<name> with the plugin schema: defaults applied, "enabled" left to the host, frozen', () => {
    const settings = pluginSettings(water, { enabled: true, goal: 6 });
    expect(settings).toEqual({ goal: 6, units: { glassMl: 250 } });
    expect(Object.isFrozen(settings)).toBe(true);
    expect(Object.isFrozen(settings.units)).toBe(true);
    expect(pluginSettings(water, {})).toEqual({ goal: 8, units: { glassMl: 250 } });
  });

  it('names the bad key, and an unknown one, under plugins.<name>', () => {
    const bad = (raw: Record<string, unknown>): ConfigError => {
      try {
        pluginSettings(water, raw);
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigError);
        return error as ConfigError;
      }
      throw new Error('expected a ConfigError');
    };
    expect(bad({ goal: 0 }).message).toMatch(/^config error: plugins\.water\.goal Too small/);
    expect(bad({ units: { glassMl: -1 } }).key).toBe('plugins.water.units.glassMl');
    expect(bad({ gaol: 8 }).message).toBe('config error: plugins.water.gaol is not a known setting');
  });

  it('hands a plugin without a schema its settings as written, copied and without "enabled"', () => {
    const raw = { enabled: true, nested: { value: 1 } };
    const settings = pluginSettings(definePlugin({ name: 'plain', description: 'no schema' }), raw);
    expect(settings).toEqual({ nested: { value: 1 } });
    expect(settings.nested).not.toBe(raw.nested);
    expect(Object.isFrozen(settings.nested)).toBe(true);
  });

  it('types a context without a schema as a record', () => {
    expectTypeOf<PluginContext['settings']>().toEqualTypeOf<Readonly<Record<string, unknown>>>();
  });

  it('reports a plugin whose settings are not a zod schema, and skips it', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'steward-plugins-'));
    mkdirSync(join(directory, 'bad-settings'));
    writeFileSync(
      join(directory, 'bad-settings', 'index.ts'),
      "export default { name: 'bad-settings', description: 'x', settings: { parse: () => ({}) } };\n",
    );
    const result = await discoverPlugins(directory);
    expect(result.plugins).toEqual([]);
    expect(result.failures).toEqual([
      { name: 'bad-settings', reason: 'invalid plugin: settings must be a zod schema' },
    ]);
  });
});
