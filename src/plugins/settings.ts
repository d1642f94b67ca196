import { ConfigError } from '../shared/errors.js';
import type { Plugin } from './api.js';

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/**
 * A plugin's settings as its handlers see them: `plugins.<name>` without
 * `enabled` (the host reads that), parsed by the plugin's `settings` schema
 * when it declares one (defaults applied), copied and frozen.
 * @param plugin - the plugin
 * @param raw - `plugins.<name>` from the configuration (or `{}`)
 * @returns the settings
 * @throws ConfigError naming the first bad key, for example `plugins.habits.reminders.lateMinutes`
 */
export function pluginSettings(plugin: Plugin, raw: Record<string, unknown>): Record<string, unknown> {
  const rest = structuredClone(raw);
  delete rest.enabled;
  if (plugin.settings === undefined) return deepFreeze(rest);
  const parsed = plugin.settings.safeParse(rest);
  if (parsed.success) return deepFreeze(parsed.data);
  const issue = parsed.error.issues[0];
  const path =
    issue === undefined
      ? []
      : [...issue.path.map(String), ...(issue.code === 'unrecognized_keys' ? [issue.keys[0] ?? ''] : [])];
  const key = ['plugins', plugin.name, ...path].join('.');
  const problem = issue?.code === 'unrecognized_keys' ? 'is not a known setting' : (issue?.message ?? 'is invalid');
  throw new ConfigError(`config error: ${key} ${problem}`, { key, source: `plugins.${plugin.name}` });
}
