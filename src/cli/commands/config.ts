import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import {
  getKey,
  loadConfigWithSources,
  readUserConfig,
  sourceOfKey,
  userConfigFileOf,
  withKey,
  writeUserConfig,
  type UserConfig,
} from '../../config/index.js';
import { ConfigError, UsageError } from '../../shared/errors.js';

/**
 * `steward config get|set|path|edit`: the user config file (the layer
 * `steward init` writes), checked by the same zod schema as every other
 * layer before anything is written.
 */

/** Keys whose values are secrets: left out of a whole-config `get`. */
const SECRET_KEYS = ['models.openai.apiKey', 'embeddings.apiKey'];

/**
 * The user config file this process reads.
 * @throws ConfigError when there is none (no HOME or XDG_CONFIG_HOME)
 */
function userFile(): string {
  const path = userConfigFileOf();
  if (path === null)
    throw new ConfigError('config error: no user config folder: set HOME or XDG_CONFIG_HOME', {
      key: 'HOME',
      source: 'environment',
    });
  return path;
}

function show(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value, null, 2);
}

/**
 * `steward config path`: print the user config file's path.
 * @returns 0
 */
export function configPathCommand(): number {
  process.stdout.write(`${userFile()}\n`);
  return 0;
}

/**
 * `steward config get [key]`: one setting in effect (after every layer), or
 * all of them (secrets left out).
 * @param key - a dotted key such as `models.local.fast.baseUrl`, or undefined for all
 * @param options - `source`: also say which layer set it
 * @returns 0
 * @throws UsageError for a key that is not a setting; ConfigError for a bad configuration
 */
export function configGetCommand(key: string | undefined, options: { source?: boolean }): number {
  const { config, sources } = loadConfigWithSources();
  if (key === undefined) {
    let shown: UserConfig = { ...config };
    for (const secret of SECRET_KEYS)
      if (getKey(shown, secret) !== null && getKey(shown, secret) !== undefined)
        shown = withKey(shown, secret, '(set)');
    process.stdout.write(`${JSON.stringify(shown, null, 2)}\n`);
    return 0;
  }
  const value = getKey(config, key);
  if (value === undefined)
    throw new UsageError(`"${key}" is not a setting (see config/schema.json).`, 'steward config get [<key>]');
  process.stdout.write(`${show(value)}\n`);
  if (options.source === true) process.stdout.write(`(from ${sourceOfKey(key, sources)})\n`);
  return 0;
}

/**
 * The values `raw` may stand for, most specific first: JSON (`30000`,
 * `true`, `null`, `["+1555..."]`), a comma list where the setting is a
 * list, then the text itself.
 */
function candidates(raw: string, current: unknown): unknown[] {
  const values: unknown[] = [];
  try {
    values.push(JSON.parse(raw));
  } catch {
    // Not JSON: the text itself, below.
  }
  if (Array.isArray(current) && !raw.trim().startsWith('['))
    values.push(
      raw
        .split(',')
        .map((part) => part.trim())
        .filter((part) => part !== ''),
    );
  values.push(raw);
  return values;
}

/**
 * `steward config set <key> <value>`: change one setting in the user config
 * file. The file is written only when the whole configuration, with the
 * change, passes the schema.
 * @param key - a dotted key such as `models.local.fast.baseUrl`
 * @param raw - the value as typed: JSON, a comma list for lists, or text
 * @returns 0
 * @throws ConfigError (exit code 2) naming the key when the value is not valid; nothing is written
 */
export function configSetCommand(key: string, raw: string): number {
  const path = userFile();
  const current = readUserConfig(path);
  let effective: unknown;
  try {
    effective = getKey(loadConfigWithSources({ userConfig: current }).config, key);
  } catch {
    // The file is broken now; the change may be what fixes it.
  }
  let firstError: unknown;
  for (const value of candidates(raw, effective)) {
    const changed = withKey(current, key, value);
    try {
      const { sources } = loadConfigWithSources({ userConfig: changed });
      writeUserConfig(path, changed);
      process.stdout.write(`Set ${key} = ${JSON.stringify(value)} in ${path}.\n`);
      const source = sourceOfKey(key, sources);
      if (!source.startsWith('user config'))
        process.stdout.write(`Note: ${source} overrides it, so the value in effect is not this one.\n`);
      return 0;
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      firstError ??= error;
    }
  }
  throw firstError;
}

/**
 * `steward config edit`: open the user config file in `$VISUAL` or
 * `$EDITOR` (vi when neither is set), then check it.
 * @returns 0 when the file is valid afterwards, 2 when it is not (the message says what is wrong)
 */
export function configEditCommand(): number {
  const path = userFile();
  if (!existsSync(path)) writeUserConfig(path, {});
  const editor = process.env.VISUAL || process.env.EDITOR || 'vi';
  // The editor may carry arguments ("code --wait"), so it runs through the shell, with the path quoted.
  const result = spawnSync(`${editor} '${path.replace(/'/g, "'\\''")}'`, { stdio: 'inherit', shell: true });
  if (result.status !== 0) {
    process.stderr.write(`steward: ${editor} exited with ${result.status ?? result.signal ?? 'an error'}.\n`);
    return 1;
  }
  try {
    loadConfigWithSources();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`steward: ${error.message}\nRun "steward config edit" again to fix it.\n`);
    return 2;
  }
  process.stdout.write(`${path} is valid.\n`);
  return 0;
}
