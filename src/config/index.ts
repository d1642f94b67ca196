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
export {
  loadConfig,
  loadConfigWithSources,
  sourceOfKey,
  userConfigFileOf,
  effectiveTimeZone,
  ENVIRONMENT_KEYS,
  type LoadConfigOptions,
  type ExplainedConfig,
} from './load.js';
export {
  userConfigDir,
  userConfigPath,
  readUserConfig,
  writeUserConfig,
  getKey,
  withKey,
  type UserConfig,
  type UserConfigLocation,
} from './user-file.js';
export { configNotices, migrateLegacyKeys, type LegacyMigration } from './legacy.js';
export { CORE_PLUGIN_SETTINGS } from './sections/plugins.js';
