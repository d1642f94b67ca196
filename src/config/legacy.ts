import { ConfigError } from '../shared/errors.js';
import type { StewardConfig } from './schema.js';

/**
 * Old config keys that are still read. Each config layer (a file, the
 * overrides) is rewritten to the new keys before it is merged, and the
 * loaded configuration remembers a one-line notice per old key, which the
 * plugin host logs and `steward doctor` shows. Errors in a value given under
 * an old key name it as the owner wrote it.
 */

/** A JSON object as read from a config file. */
type JsonObject = Record<string, unknown>;

/** One renamed key: the top-level `from` now lives at `plugins.<to>`. */
const RENAMED: ReadonlyArray<{ from: string; plugin: string }> = [{ from: 'briefings', plugin: 'briefings' }];

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** What {@link migrateLegacyKeys} did to one layer. */
export interface LegacyMigration {
  /** The layer with every old key moved to its new place (the input is not changed). */
  layer: JsonObject;
  /** One line per old key found, for the log and `steward doctor`. */
  notices: string[];
  /** Old top-level keys found, with their new dotted keys, for example `briefings` → `plugins.briefings`. */
  renamed: Array<{ from: string; to: string }>;
}

/**
 * Move old keys of one config layer to their new place: the top-level
 * `briefings` becomes `plugins.briefings`.
 * @param layer - one layer as read (a file's object, or the overrides)
 * @param source - where it came from, for messages: `config/local.json`, `STEWARD_CONFIG=/path`
 * @returns the rewritten layer and what was renamed
 * @throws ConfigError when the layer sets both the old and the new key
 */
export function migrateLegacyKeys(layer: JsonObject, source: string): LegacyMigration {
  const notices: string[] = [];
  const renamed: Array<{ from: string; to: string }> = [];
  let migrated = layer;
  for (const { from, plugin } of RENAMED) {
    if (!(from in migrated)) continue;
    const to = `plugins.${plugin}`;
    const plugins = migrated.plugins ?? {};
    // A malformed `plugins` is left for the schema to report.
    if (!isObject(plugins)) continue;
    if (plugin in plugins)
      throw new ConfigError(
        `config error: ${source} sets both ${from} and ${to}; ${from} is the old name of ${to}: keep only ${to}`,
        { key: from, source },
      );
    const { [from]: value, ...rest } = migrated;
    migrated = { ...rest, plugins: { ...plugins, [plugin]: value } };
    renamed.push({ from, to });
    notices.push(`config: "${from}" in ${source} is the old name of "${to}"; it is still read, but move it there`);
  }
  return { layer: migrated, notices, renamed };
}

/**
 * A dotted key as the owner wrote it: `plugins.briefings.morning.cron` is
 * shown as `briefings.morning.cron` when the layer that set it used the old
 * name.
 * @param key - the key in the current schema
 * @param renamed - old keys found in the layer that set `key`
 */
export function keyAsWritten(key: string, renamed: ReadonlyArray<{ from: string; to: string }>): string {
  for (const { from, to } of renamed) if (key === to || key.startsWith(`${to}.`)) return from + key.slice(to.length);
  return key;
}

const noticesByConfig = new WeakMap<StewardConfig, readonly string[]>();

/**
 * Remember the notices of a loaded configuration (called by `loadConfig`).
 * @param config - the validated configuration
 * @param notices - one line per old key that was read
 */
export function rememberConfigNotices(config: StewardConfig, notices: readonly string[]): void {
  if (notices.length > 0) noticesByConfig.set(config, Object.freeze([...notices]));
}

/**
 * Deprecation notices of a configuration that `loadConfig` returned: one
 * line per old key it read (for example the top-level `briefings`), or none.
 * @param config - a configuration from `loadConfig`
 */
export function configNotices(config: StewardConfig): readonly string[] {
  return noticesByConfig.get(config) ?? [];
}
