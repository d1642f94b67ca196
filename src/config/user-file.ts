import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';
import { ConfigError } from '../shared/errors.js';

/**
 * The user config file: the layer `steward init` and `steward config set`
 * write, read between `config/default.json` and `STEWARD_CONFIG` (see
 * ARCHITECTURE.md, "Configuration layers"). It lives in the platform's
 * config directory, outside the checkout, so it survives a fresh clone.
 *
 * Where: the XDG Base Directory Specification on Linux and the BSDs
 * (`$XDG_CONFIG_HOME`, default `~/.config`), Apple's File System
 * Programming Guide on macOS (`~/Library/Application Support`), `%APPDATA%`
 * on Windows. `env-paths` was considered and not used: it puts macOS
 * config under `~/Library/Preferences` (the plist folder) and reads
 * `process.env` itself, so a test could not point it elsewhere.
 */

/** A JSON object as stored in the user config file. */
export type UserConfig = Record<string, unknown>;

/** Where {@link userConfigPath} looks: the environment, the platform and the home folder. */
export interface UserConfigLocation {
  /** Environment (`XDG_CONFIG_HOME`, `APPDATA`, `HOME`); default `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** `process.platform` by default. */
  platform?: NodeJS.Platform;
  /** The home folder; default `HOME` of `env`, else `os.homedir()`. */
  home?: string;
}

/**
 * The platform's config directory for steward.
 * @param location - environment, platform and home folder (default: this process)
 * @returns for example `/home/me/.config/steward` or `/Users/me/Library/Application Support/steward`
 */
export function userConfigDir(location: UserConfigLocation = {}): string {
  const env = location.env ?? process.env;
  const platform = location.platform ?? process.platform;
  const home = location.home ?? (env.HOME !== undefined && env.HOME !== '' ? env.HOME : homedir());
  if (platform === 'darwin') return join(home, 'Library', 'Application Support', 'steward');
  if (platform === 'win32') return join(env.APPDATA ?? join(home, 'AppData', 'Roaming'), 'steward');
  // XDG: a relative XDG_CONFIG_HOME is invalid and must be ignored.
  const xdg = env.XDG_CONFIG_HOME;
  return join(xdg !== undefined && isAbsolute(xdg) ? xdg : join(home, '.config'), 'steward');
}

/**
 * The user config file's path: `config.json` in {@link userConfigDir}.
 * @param location - environment, platform and home folder (default: this process)
 */
export function userConfigPath(location: UserConfigLocation = {}): string {
  return join(userConfigDir(location), 'config.json');
}

function isObject(value: unknown): value is UserConfig {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Read the user config file.
 * @param path - the file
 * @returns its object, or `{}` when the file does not exist
 * @throws ConfigError (exit code 2) when it cannot be read, is not JSON or is not an object
 */
export function readUserConfig(path: string): UserConfig {
  if (!existsSync(path)) return {};
  const source = `user config ${path}`;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(
      `config error: cannot read the ${source}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
      { key: path, source },
      { cause: error },
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(
      `config error: the ${source} is not valid JSON: ${(error as Error).message} (fix it with "steward config edit")`,
      { key: path, source },
      { cause: error },
    );
  }
  if (!isObject(parsed))
    throw new ConfigError(`config error: the ${source} must hold a JSON object`, { key: path, source });
  return parsed;
}

/**
 * Write the user config file atomically (a temporary file renamed over it),
 * readable by the owner only: it may hold API keys.
 * @param path - the file (its folder is created)
 * @param config - the object to store
 */
export function writeUserConfig(path: string, config: UserConfig): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  chmodSync(temporary, 0o600);
  renameSync(temporary, path);
}

/**
 * The value at a dotted key of an object.
 * @param object - for example a user config
 * @param key - for example `models.local.fast.baseUrl`
 * @returns the value, or undefined when a part of the key is missing
 */
export function getKey(object: unknown, key: string): unknown {
  let cursor: unknown = object;
  for (const part of key.split('.')) {
    if (!isObject(cursor)) return undefined;
    cursor = cursor[part];
  }
  return cursor;
}

/**
 * A copy of `object` with the dotted key set (objects on the way are created).
 * @param object - the object (not changed)
 * @param key - for example `models.local.fast.baseUrl`
 * @param value - the new value; undefined removes the key
 * @returns the new object
 */
export function withKey(object: UserConfig, key: string, value: unknown): UserConfig {
  const copy = structuredClone(object);
  const parts = key.split('.');
  let cursor: UserConfig = copy;
  for (const part of parts.slice(0, -1)) {
    const next = cursor[part];
    if (!isObject(next)) cursor[part] = {};
    cursor = cursor[part] as UserConfig;
  }
  const last = parts[parts.length - 1] as string;
  if (value === undefined) delete cursor[last];
  else cursor[last] = value;
  return copy;
}
