import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runDoctorChecks } from '../../src/cli/commands/doctor.js';
import { configNotices } from '../../src/config/legacy.js';
import { loadConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/shared/errors.js';
import { fromRoot } from '../../src/shared/paths.js';
import { openTestSteward, type TestSteward } from '../support/steward.js';

function configFile(content: unknown): string {
  const path = join(mkdtempSync(join(tmpdir(), 'steward-config-')), 'extra.json');
  writeFileSync(path, JSON.stringify(content));
  return path;
}

function load(file: string) {
  return loadConfig({ env: { STEWARD_CONFIG: file }, cwd: '/tmp', readLocalFile: false });
}

describe('the old top-level "briefings" key', () => {
  let opened: TestSteward | undefined;
  afterEach(async () => {
    await opened?.close();
    opened = undefined;
  });

  it('is read as plugins.briefings, with a one-line notice naming the file', () => {
    const file = configFile({ briefings: { morning: { cron: '30 6 * * *' } } });
    const config = load(file);
    expect(config.plugins.briefings.morning.cron).toBe('30 6 * * *');
    // The rest still comes from the defaults.
    expect(config.plugins.briefings.weekly.cron).toBe('0 18 * * 0');
    expect(configNotices(config)).toEqual([
      `config: "briefings" in STEWARD_CONFIG=${file} is the old name of "plugins.briefings"; it is still read, but move it there`,
    ]);
  });

  it('gives no notice for plugins.briefings, and names its keys in errors', () => {
    const config = load(configFile({ plugins: { briefings: { weekly: { enabled: false } } } }));
    expect(config.plugins.briefings.weekly.enabled).toBe(false);
    expect(configNotices(config)).toEqual([]);
    let error: unknown;
    try {
      load(configFile({ plugins: { briefings: { morning: { cron: 'at seven' } } } }));
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).key).toBe('plugins.briefings.morning.cron');
  });

  it('refuses a file that sets both names, in one line', () => {
    const file = configFile({ briefings: { morning: { enabled: false } }, plugins: { briefings: {} } });
    expect(() => load(file)).toThrow(
      new ConfigError(
        `config error: STEWARD_CONFIG=${file} sets both briefings and plugins.briefings; briefings is the old name of plugins.briefings: keep only plugins.briefings`,
        { key: 'briefings', source: `STEWARD_CONFIG=${file}` },
      ),
    );
  });

  it('lets a later layer with the new name win over an earlier one with the old name', () => {
    const config = loadConfig({
      env: { STEWARD_CONFIG: configFile({ briefings: { morning: { cron: '0 6 * * *' } } }) },
      overrides: { plugins: { briefings: { morning: { cron: '0 8 * * *' } } } },
      readLocalFile: false,
    });
    expect(config.plugins.briefings.morning.cron).toBe('0 8 * * *');
  });

  it('is logged once when steward opens, and shown by steward doctor as a warning', async () => {
    const lines: string[] = [];
    opened = await openTestSteward({
      overrides: { briefings: { weekly: { enabled: false } } },
      logSink: (line) => lines.push(line),
    });
    expect(opened.steward.plugins.schedules().map((job) => job.id)).not.toContain('briefings:weekly');
    const notices = lines.filter((line) => line.includes('is the old name of'));
    expect(notices).toHaveLength(1);
    expect(JSON.parse(notices[0] ?? '{}')).toMatchObject({ level: 40 });
    const checks = await runDoctorChecks(opened.steward);
    expect(checks.filter((check) => check.name === 'config')).toEqual([
      expect.objectContaining({ status: 'ok' }),
      {
        name: 'config',
        status: 'warn',
        detail:
          'config: "briefings" in overrides is the old name of "plugins.briefings"; it is still read, but move it there',
      },
    ]);
  });

  it('is listed as deprecated in config/schema.json, so editors flag it', () => {
    const schema = JSON.parse(readFileSync(fromRoot('config', 'schema.json'), 'utf8')) as {
      properties: Record<string, { deprecated?: boolean; $ref?: string }>;
    };
    expect(schema.properties.briefings).toMatchObject({
      deprecated: true,
      $ref: '#/properties/plugins/properties/briefings',
    });
  });
});
