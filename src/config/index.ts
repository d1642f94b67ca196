/** Configuration: one zod schema, read once, with defaults in `config/default.json`. */
export {
  configSchema,
  providerSchema,
  briefingsSettingsSchema,
  isValidTimeZone,
  type StewardConfig,
  type ProviderConfig,
  type BriefingsSettings,
} from './schema.js';
export { loadConfig, effectiveTimeZone, ENVIRONMENT_KEYS, type LoadConfigOptions } from './load.js';
export { configNotices, migrateLegacyKeys, type LegacyMigration } from './legacy.js';
export { CORE_PLUGIN_SETTINGS } from './sections/plugins.js';
