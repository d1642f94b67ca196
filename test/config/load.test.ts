import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/shared/errors.js';
import { fromRoot } from '../../src/shared/paths.js';

function configFile(content: string): string {
  const directory = mkdtempSync(join(tmpdir(), 'steward-config-'));
  const path = join(directory, 'extra.json');
  writeFileSync(path, content);
  return path;
}

function load(env: Record<string, string> = {}) {
  return loadConfig({ env, cwd: '/tmp', readLocalFile: false });
}

function expectConfigError(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('reads config/default.json with the documented defaults', () => {
    const config = load();
    expect(config.plugins.briefings.morning.cron).toBe('0 7 * * *');
    expect(config.plugins.briefings.weekly.cron).toBe('0 18 * * 0');
    expect(config.models.health.timeoutMs).toBe(2000);
    expect(config.models.allowCloud).toBe(true);
    expect(config.dataDir).toBe(fromRoot('database'));
    expect(config.signal.api).toBe('jsonrpc');
  });

  it('lets the contract environment variables override the files', () => {
    const config = load({
      STEWARD_DATA_DIR: 'data',
      STEWARD_LOCAL_FAST_URL: 'http://127.0.0.1:8080/v1',
      STEWARD_LOCAL_FAST_MODEL: 'qwen',
      STEWARD_LOCAL_FAST_API_KEY: 'llama-key-123',
      OPENAI_API_KEY: 'sk-test-123456789',
      STEWARD_SIGNAL_TO: '+15550001111, +15550002222',
      STEWARD_SIGNAL_API: 'rest',
      STEWARD_TIMEZONE: 'Asia/Singapore',
    });
    expect(config.dataDir).toBe('/tmp/data');
    expect(config.models.local.fast).toEqual({
      baseUrl: 'http://127.0.0.1:8080/v1',
      model: 'qwen',
      apiKey: 'llama-key-123',
    });
    expect(config.models.openai.apiKey).toBe('sk-test-123456789');
    expect(config.signal.to).toEqual(['+15550001111', '+15550002222']);
    expect(config.signal.api).toBe('rest');
    expect(config.timezone).toBe('Asia/Singapore');
  });

  it('merges the STEWARD_CONFIG file over the defaults, and the environment over both', () => {
    const path = configFile(
      JSON.stringify({ models: { temperature: 0.9, health: { timeoutMs: 500 } }, timezone: 'Europe/Berlin' }),
    );
    const config = load({ STEWARD_CONFIG: path, STEWARD_TIMEZONE: 'America/New_York' });
    expect(config.models.temperature).toBe(0.9);
    expect(config.models.health.timeoutMs).toBe(500);
    expect(config.models.health.intervalMs).toBe(30000);
    expect(config.timezone).toBe('America/New_York');
  });

  it('names the key and the environment variable of a bad value', () => {
    const error = expectConfigError(() => load({ STEWARD_SIGNAL_API: 'xml' }));
    expect(error.key).toBe('signal.api');
    expect(error.source).toBe('STEWARD_SIGNAL_API');
    expect(error.exitCode).toBe(2);
    expect(error.message).toContain('signal.api');
    expect(error.message).toContain('"xml"');
    expect(error.message.split('\n')).toHaveLength(1);
  });

  it('rejects a cron time that cannot happen, naming the key and the file', () => {
    const path = configFile(JSON.stringify({ briefings: { morning: { cron: '61 7 * * *' } } }));
    const error = expectConfigError(() => load({ STEWARD_CONFIG: path }));
    expect(error.key).toBe('briefings.morning.cron');
    expect(error.message).toBe(
      `config error: briefings.morning.cron is not a cron time that can happen (Constraint error, got value 61 expected range 0-59); for example "0 7 * * *" (got "61 7 * * *") from STEWARD_CONFIG=${path}`,
    );
    expect(
      load({ STEWARD_CONFIG: configFile(JSON.stringify({ briefings: { weekly: { cron: '30 9 * * 1-5' } } })) }).plugins
        .briefings.weekly.cron,
    ).toBe('30 9 * * 1-5');
  });

  it('names the key and the file of a bad value', () => {
    const path = configFile(JSON.stringify({ models: { health: { timeoutMs: 'soon' } } }));
    const error = expectConfigError(() => load({ STEWARD_CONFIG: path }));
    expect(error.key).toBe('models.health.timeoutMs');
    expect(error.source).toBe(`STEWARD_CONFIG=${path}`);
  });

  it('reports unknown keys, so typos do not pass silently', () => {
    const path = configFile(JSON.stringify({ models: { allowCloudd: false } }));
    const error = expectConfigError(() => load({ STEWARD_CONFIG: path }));
    expect(error.key).toBe('models.allowCloudd');
    expect(error.message).toContain('not a known setting');
  });

  it('rejects a bad time zone, a bad URL and a bad Signal number', () => {
    expect(expectConfigError(() => load({ STEWARD_TIMEZONE: 'Mars/Olympus' })).key).toBe('timezone');
    expect(expectConfigError(() => load({ STEWARD_LOCAL_FAST_URL: 'localhost:8080' })).key).toBe(
      'models.local.fast.baseUrl',
    );
    expect(expectConfigError(() => load({ STEWARD_SIGNAL_TO: '0800-CALL-ME' })).key).toBe('signal.to.0');
  });

  it('explains malformed JSON and a missing STEWARD_CONFIG file', () => {
    const path = configFile('{ "models": ');
    expect(expectConfigError(() => load({ STEWARD_CONFIG: path })).message).toContain('is not valid JSON');
    expect(expectConfigError(() => load({ STEWARD_CONFIG: '/nonexistent/steward.json' })).message).toContain(
      'does not exist',
    );
  });

  it('never prints the API key in an error', () => {
    const error = expectConfigError(() =>
      loadConfig({
        env: { OPENAI_API_KEY: 'sk-secret-abcdefgh' },
        overrides: { models: { openai: { apiKey: 42 } } },
        readLocalFile: false,
      }),
    );
    expect(error.message).not.toContain('42');
    expect(error.key).toBe('models.openai.apiKey');
  });
});

describe('config/schema.json', () => {
  it('is generated from the zod schema and up to date (run "pnpm config:schema")', async () => {
    const { readFileSync } = await import('node:fs');
    const { configJsonSchemaText } = await import('../../src/config/json-schema.js');
    expect(readFileSync(fromRoot('config', 'schema.json'), 'utf8')).toBe(configJsonSchemaText());
  });

  it('documents every setting', async () => {
    const schema = JSON.parse((await import('node:fs')).readFileSync(fromRoot('config', 'schema.json'), 'utf8')) as {
      properties: Record<string, unknown>;
    };
    const undocumented: string[] = [];
    const walk = (node: unknown, path: string): void => {
      if (typeof node !== 'object' || node === null) return;
      const record = node as { properties?: Record<string, unknown>; description?: string; type?: unknown };
      if (record.properties !== undefined) {
        for (const [key, child] of Object.entries(record.properties)) walk(child, path === '' ? key : `${path}.${key}`);
      } else if (record.description === undefined && path !== '') {
        undocumented.push(path);
      }
    };
    walk(schema, '');
    expect(undocumented).toEqual([]);
  });
});
