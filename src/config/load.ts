import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type { z } from 'zod';
import { ConfigError } from '../shared/errors.js';
import { redactSecrets } from '../shared/redact.js';
import { fromRoot } from '../shared/paths.js';
import { keyAsWritten, migrateLegacyKeys, rememberConfigNotices, type LegacyMigration } from './legacy.js';
import { configSchema, type StewardConfig } from './schema.js';
import { readUserConfig, userConfigPath } from './user-file.js';

/** A JSON object as read from a config file. */
type JsonObject = Record<string, unknown>;

/** Options of {@link loadConfig}; every field defaults to the real process. */
export interface LoadConfigOptions {
  /** Environment to read (default `process.env`). */
  env?: NodeJS.ProcessEnv;
  /** Working directory for relative `STEWARD_DATA_DIR` / `STEWARD_CONFIG` (default `process.cwd()`). */
  cwd?: string;
  /** Extra values merged last, over everything (tests use this). Source name: `overrides`. */
  overrides?: JsonObject;
  /**
   * Read the owner's own files when they exist: `config/local.json` and the
   * user config file (default true; tests and benchmarks turn it off, and
   * then read a user config file only when `userConfigFile` names one).
   */
  readLocalFile?: boolean;
  /**
   * The user config file (the layer `steward init` writes), or null for none.
   * Default: {@link userConfigPath} of `env`; none when `readLocalFile` is
   * false, or when an `env` is given that has neither `XDG_CONFIG_HOME`,
   * `HOME` nor `APPDATA` (a test's environment never reaches the real
   * user's file).
   */
  userConfigFile?: string | null;
  /** The user config file's content to use instead of reading it (`steward config set` checks a change before writing it). */
  userConfig?: Record<string, unknown>;
}

/**
 * The user config file {@link loadConfig} reads with these options, or null for none.
 * @param options - the options of loadConfig
 */
export function userConfigFileOf(options: LoadConfigOptions = {}): string | null {
  if (options.userConfigFile !== undefined) return options.userConfigFile;
  if (options.readLocalFile === false) return null;
  const env = options.env;
  if (env === undefined) return userConfigPath();
  if ((env.XDG_CONFIG_HOME ?? '') === '' && (env.HOME ?? '') === '' && (env.APPDATA ?? '') === '') return null;
  return userConfigPath({ env });
}

/**
 * The environment variables of the contract in ARCHITECTURE.md and the config
 * key each one sets. Lists are comma separated.
 */
export const ENVIRONMENT_KEYS: ReadonlyArray<{ variable: string; key: string; list?: boolean }> = [
  { variable: 'STEWARD_DATA_DIR', key: 'dataDir' },
  { variable: 'STEWARD_TIMEZONE', key: 'timezone' },
  { variable: 'STEWARD_LOCAL_FAST_URL', key: 'models.local.fast.baseUrl' },
  { variable: 'STEWARD_LOCAL_FAST_MODEL', key: 'models.local.fast.model' },
  { variable: 'STEWARD_LOCAL_FAST_API_KEY', key: 'models.local.fast.apiKey' },
  { variable: 'STEWARD_LOCAL_QUALITY_URL', key: 'models.local.quality.baseUrl' },
  { variable: 'STEWARD_LOCAL_QUALITY_MODEL', key: 'models.local.quality.model' },
  { variable: 'STEWARD_LOCAL_QUALITY_API_KEY', key: 'models.local.quality.apiKey' },
  { variable: 'OPENAI_API_KEY', key: 'models.openai.apiKey' },
  { variable: 'OPENAI_BASE_URL', key: 'models.openai.baseUrl' },
  { variable: 'STEWARD_EMBEDDINGS_URL', key: 'embeddings.url' },
  { variable: 'STEWARD_EMBEDDINGS_MODEL', key: 'embeddings.model' },
  { variable: 'STEWARD_SIGNAL_URL', key: 'signal.url' },
  { variable: 'STEWARD_SIGNAL_API', key: 'signal.api' },
  { variable: 'STEWARD_SIGNAL_ACCOUNT', key: 'signal.account' },
  { variable: 'STEWARD_SIGNAL_TO', key: 'signal.to', list: true },
];

/** Keys whose values are secrets: never echoed in an error message. */
const SECRET_KEYS = new Set([
  'models.openai.apiKey',
  'models.local.fast.apiKey',
  'models.local.quality.apiKey',
  'embeddings.apiKey',
]);

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Deep-merge `layer` into `target`, recording the source of every leaf it sets. */
function mergeLayer(
  target: JsonObject,
  layer: JsonObject,
  source: string,
  sources: Map<string, string>,
  prefix = '',
): void {
  for (const [key, value] of Object.entries(layer)) {
    if (key === '$schema') continue;
    const path = prefix === '' ? key : `${prefix}.${key}`;
    const existing = target[key];
    if (isObject(value) && isObject(existing)) {
      mergeLayer(existing, value, source, sources, path);
    } else {
      target[key] = isObject(value) ? structuredClone(value) : value;
      sources.set(path, source);
    }
  }
}

function setPath(target: JsonObject, dotted: string, value: unknown): void {
  const parts = dotted.split('.');
  let cursor = target;
  for (const part of parts.slice(0, -1)) {
    const next = cursor[part];
    if (!isObject(next)) cursor[part] = {};
    cursor = cursor[part] as JsonObject;
  }
  cursor[parts[parts.length - 1] as string] = value;
}

function getPath(target: unknown, path: ReadonlyArray<PropertyKey>): unknown {
  let cursor: unknown = target;
  for (const part of path) {
    if (cursor === null || typeof cursor !== 'object') return undefined;
    cursor = (cursor as Record<PropertyKey, unknown>)[part];
  }
  return cursor;
}

function readJsonFile(path: string, source: string, key: string): JsonObject {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(
      `config error: cannot read ${source}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
      { key, source },
      { cause: error },
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    // V8 quotes a piece of the text ("...\"apiKey\": sk-abc"... is not valid JSON), which may hold a key: left out.
    const reason = (error as Error).message.replace(/,\s*(?:\.\.\.)?".*"(?:\.\.\.)?\s+is not valid JSON$/s, '');
    throw new ConfigError(`config error: ${source} is not valid JSON: ${reason}`, { key, source }, { cause: error });
  }
  if (!isObject(parsed)) {
    throw new ConfigError(`config error: ${source} must hold a JSON object`, { key, source });
  }
  return parsed;
}

/** The secret values a merged config holds (the API keys), to keep them out of error messages. */
function secretValues(merged: JsonObject): string[] {
  const providers = getPath(merged, ['models', 'providers']);
  const values = [
    getPath(merged, ['models', 'openai', 'apiKey']),
    getPath(merged, ['embeddings', 'apiKey']),
    ...(Array.isArray(providers) ? providers.map((provider) => getPath(provider, ['apiKey'])) : []),
  ];
  return values.filter((value): value is string => typeof value === 'string');
}

/** The source that set `path` or its closest parent. */
function sourceOf(path: string, sources: Map<string, string>): string {
  let candidate = path;
  for (;;) {
    const found = sources.get(candidate);
    if (found !== undefined) return found;
    // A child may have been set while the parent was reported (unknown key, missing key):
    for (const [key, source] of sources) if (key.startsWith(candidate + '.')) return source;
    const cut = candidate.lastIndexOf('.');
    if (cut < 0) return 'config/default.json';
    candidate = candidate.slice(0, cut);
  }
}

function describeIssue(
  issue: z.core.$ZodIssue,
  merged: JsonObject,
  sources: Map<string, string>,
  renamed: Map<string, LegacyMigration['renamed']>,
): ConfigError {
  let path = issue.path.map(String);
  let problem = issue.message;
  if (issue.code === 'unrecognized_keys') {
    const extra = issue.keys[0] ?? '';
    path = [...path, extra];
    problem = 'is not a known setting (see config/schema.json)';
  }
  const key = path.join('.');
  const source = sourceOf(key, sources);
  const value = getPath(merged, path);
  // A key pasted into the wrong setting (a URL, a model name) is not echoed either.
  const shown = SECRET_KEYS.has(key)
    ? ''
    : value === undefined
      ? ' (missing)'
      : ` (got ${redactSecrets(JSON.stringify(value), secretValues(merged))})`;
  // Named as the owner wrote it: `briefings.morning.cron` in a file that still uses the old key.
  const written = keyAsWritten(key, renamed.get(source) ?? []);
  return new ConfigError(`config error: ${written} ${problem.replace(/^Invalid input: /, '')}${shown} from ${source}`, {
    key: written,
    source,
  });
}

/**
 * Read the configuration: `config/default.json`, then the user config file
 * (`steward init`, `steward config set`: see {@link userConfigFileOf}), then
 * `config/local.json` if it exists, then the file named by `STEWARD_CONFIG`,
 * then the environment variables of the contract, then `options.overrides`. Later layers win;
 * objects merge key by key and arrays are replaced. Old keys in a layer
 * (the top-level `briefings`) are read at their new place (`plugins.briefings`);
 * `configNotices(config)` then holds a one-line notice for each.
 *
 * @param options - where to read from (defaults to the real process)
 * @returns the validated configuration, with `dataDir` made absolute
 * @throws ConfigError (exit code 2) naming the first bad key and the layer it came from
 */
export function loadConfig(options: LoadConfigOptions = {}): StewardConfig {
  return loadConfigWithSources(options).config;
}

/** A loaded configuration with where each value came from. */
export interface ExplainedConfig {
  /** The validated configuration (as {@link loadConfig} returns it). */
  config: StewardConfig;
  /** The source of each leaf key that a layer set: `config/default.json`, `user config <path>`, `STEWARD_LOCAL_FAST_URL`, ... */
  sources: ReadonlyMap<string, string>;
}

/**
 * {@link loadConfig}, also telling which layer set each key (for `steward
 * config get` and for warning that a value just set is overridden).
 * @param options - where to read from (defaults to the real process)
 * @returns the configuration and the sources of its keys
 * @throws ConfigError (exit code 2) naming the first bad key and the layer it came from
 */
export function loadConfigWithSources(options: LoadConfigOptions = {}): ExplainedConfig {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const sources = new Map<string, string>();
  const merged: JsonObject = {};
  const notices: string[] = [];
  const renamed = new Map<string, LegacyMigration['renamed']>();
  // Each layer is moved to the current keys first (the top-level `briefings` is now `plugins.briefings`).
  const addLayer = (layer: JsonObject, source: string): void => {
    const migration = migrateLegacyKeys(layer, source);
    notices.push(...migration.notices);
    if (migration.renamed.length > 0) renamed.set(source, migration.renamed);
    mergeLayer(merged, migration.layer, source, sources);
  };

  const defaultsPath = fromRoot('config', 'default.json');
  addLayer(readJsonFile(defaultsPath, 'config/default.json', 'config/default.json'), 'config/default.json');

  const userPath = userConfigFileOf(options);
  if (userPath !== null) {
    const user = options.userConfig ?? readUserConfig(userPath);
    if (Object.keys(user).length > 0) addLayer(user, `user config ${userPath}`);
  }

  const localPath = fromRoot('config', 'local.json');
  if (options.readLocalFile !== false && existsSync(localPath)) {
    addLayer(readJsonFile(localPath, 'config/local.json', 'config/local.json'), 'config/local.json');
  }

  const extra = env.STEWARD_CONFIG;
  if (extra !== undefined && extra !== '') {
    const path = resolve(cwd, extra);
    const source = `STEWARD_CONFIG=${extra}`;
    if (!existsSync(path)) {
      throw new ConfigError(`config error: STEWARD_CONFIG names ${path}, which does not exist`, {
        key: 'STEWARD_CONFIG',
        source: 'environment',
      });
    }
    addLayer(readJsonFile(path, source, 'STEWARD_CONFIG'), source);
  }

  let dataDirFromEnvironment = false;
  for (const { variable, key, list } of ENVIRONMENT_KEYS) {
    const raw = env[variable];
    if (raw === undefined || raw.trim() === '') continue;
    const value =
      list === true
        ? raw
            .split(',')
            .map((part) => part.trim())
            .filter((part) => part !== '')
        : raw.trim();
    setPath(merged, key, value);
    sources.set(key, variable);
    if (key === 'dataDir') dataDirFromEnvironment = true;
  }

  if (options.overrides !== undefined) addLayer(options.overrides, 'overrides');

  const parsed = configSchema.safeParse(merged);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    if (first === undefined)
      throw new ConfigError('config error: invalid configuration', { key: '', source: 'unknown' });
    throw describeIssue(first, merged, sources, renamed);
  }
  const config = parsed.data;
  rememberConfigNotices(config, notices);
  if (!isAbsolute(config.dataDir)) {
    config.dataDir = dataDirFromEnvironment ? resolve(cwd, config.dataDir) : fromRoot(config.dataDir);
  }
  return { config, sources };
}

/**
 * The layer that set a dotted key (or its closest parent).
 * @param key - for example `models.local.fast.baseUrl`
 * @param sources - from {@link loadConfigWithSources}
 * @returns for example `user config /home/me/.config/steward/config.json`
 */
export function sourceOfKey(key: string, sources: ReadonlyMap<string, string>): string {
  return sourceOf(key, sources as Map<string, string>);
}

/**
 * The IANA zone in effect: `config.timezone`, or the system zone.
 * @param config - the loaded configuration
 * @returns a zone name such as `Europe/Berlin`
 */
export function effectiveTimeZone(config: Pick<StewardConfig, 'timezone'>): string {
  return config.timezone ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
}
