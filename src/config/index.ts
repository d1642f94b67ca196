/** Configuration: one zod schema, read once, with defaults in `config/default.json`. */
export { configSchema, providerSchema, isValidTimeZone, type StewardConfig, type ProviderConfig } from './schema.js';
export { loadConfig, effectiveTimeZone, ENVIRONMENT_KEYS, type LoadConfigOptions } from './load.js';
