import { mkdtempSync, readFileSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, loadConfigWithSources, sourceOfKey, userConfigFileOf } from '../../src/config/load.js';
import { userConfigPath, writeUserConfig } from '../../src/config/user-file.js';
import { ConfigError } from '../../src/shared/errors.js';

describe('the user config file', () => {
  it('lives in the platform config directory: XDG on Linux, Application Support on macOS', () => {
    expect(userConfigPath({ env: { XDG_CONFIG_HOME: '/x/cfg' }, platform: 'linux', home: '/home/me' })).toBe(
      '/x/cfg/steward/config.json',
    );
    expect(userConfigPath({ env: {}, platform: 'linux', home: '/home/me' })).toBe(
      '/home/me/.config/steward/config.json',
    );
    // A relative XDG_CONFIG_HOME is invalid (XDG Base Directory Specification) and ignored.
    expect(userConfigPath({ env: { XDG_CONFIG_HOME: 'cfg' }, platform: 'linux', home: '/home/me' })).toBe(
      '/home/me/.config/steward/config.json',
    );
    expect(userConfigPath({ env: { XDG_CONFIG_HOME: '/x/cfg' }, platform: 'darwin', home: '/Users/me' })).toBe(
      '/Users/me/Library/Application Support/steward/config.json',
    );
  });

  it('is never the real one in tests: the test environment points XDG_CONFIG_HOME at a temporary folder', () => {
    expect(userConfigFileOf()).toMatch(new RegExp(`^${tmpdir()}/steward-xdg-`));
    // An explicit environment without HOME or XDG_CONFIG_HOME reads no user file at all.
    expect(userConfigFileOf({ env: { STEWARD_DATA_DIR: '/tmp/x' } })).toBeNull();
  });

  it('is read between config/default.json and STEWARD_CONFIG, and the environment wins over both', () => {
    const home = mkdtempSync(join(tmpdir(), 'steward-user-'));
    const file = join(home, 'steward', 'config.json');
    writeUserConfig(file, {
      models: { local: { fast: { baseUrl: 'http://127.0.0.1:11434/v1', model: 'qwen3:8b' } } },
      memory: { contextTokens: 900 },
    });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const extra = join(home, 'extra.json');
    writeFileSync(extra, JSON.stringify({ memory: { contextTokens: 1200 } }));
    const env = { XDG_CONFIG_HOME: home, STEWARD_CONFIG: extra, STEWARD_LOCAL_FAST_MODEL: 'llama3.1:8b' };
    const { config, sources } = loadConfigWithSources({ env, cwd: '/tmp' });
    expect(config.models.local.fast).toEqual({
      baseUrl: 'http://127.0.0.1:11434/v1',
      model: 'llama3.1:8b',
      apiKey: null,
    });
    expect(config.memory.contextTokens).toBe(1200);
    expect(sourceOfKey('models.local.fast.baseUrl', sources)).toBe(`user config ${file}`);
    expect(sourceOfKey('models.local.fast.model', sources)).toBe('STEWARD_LOCAL_FAST_MODEL');
    expect(sourceOfKey('memory.contextTokens', sources)).toBe(`STEWARD_CONFIG=${extra}`);
    expect(loadConfig({ env: { XDG_CONFIG_HOME: home }, cwd: '/tmp' }).memory.contextTokens).toBe(900);
  });

  it('names the file and the key of a bad value in it, with exit code 2', () => {
    const home = mkdtempSync(join(tmpdir(), 'steward-user-'));
    mkdirSync(join(home, 'steward'));
    writeFileSync(join(home, 'steward', 'config.json'), JSON.stringify({ models: { temperature: 9 } }));
    try {
      loadConfig({ env: { XDG_CONFIG_HOME: home }, cwd: '/tmp' });
      throw new Error('expected a ConfigError');
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).exitCode).toBe(2);
      expect((error as ConfigError).message).toMatch(/models\.temperature .* from user config .*config\.json/);
    }
    writeFileSync(join(home, 'steward', 'config.json'), '{ not json');
    expect(() => loadConfig({ env: { XDG_CONFIG_HOME: home }, cwd: '/tmp' })).toThrow(
      /is not valid JSON.*steward config edit/,
    );
    expect(readFileSync(join(home, 'steward', 'config.json'), 'utf8')).toBe('{ not json');
  });
});
