/** Plugins: the API plugins are written against, the loader, the command grammar, the host and the context adapters. */
export {
  definePlugin,
  defineTool,
  type Plugin,
  type PluginContext,
  type PluginCommand,
  type PluginTool,
  type PluginSchedule,
  type PluginBriefingSection,
  type PluginMigration,
  type PluginServices,
  type PluginStore,
  type PluginLogger,
  type PluginMemory,
  type ProfileFacts,
  type BriefingKind,
  type BriefingSection,
  type Briefing,
  type CatchUpPolicy,
  type CommandInput,
  type DeliveryResult,
} from './api.js';
export {
  CommandRouter,
  normaliseCommandText,
  type CommandMatch,
  type RegisteredCommand,
  type PhraseConflict,
} from './commands.js';
export {
  discoverPlugins,
  defaultPluginsDirectory,
  type DiscoveredPlugin,
  type DiscoveryResult,
  type PluginFailure,
} from './loader.js';
export { PluginHost, type PluginHostOptions, type ActivePlugin, type ScheduledJob, type HostedTool } from './host.js';
export {
  createPluginContext,
  createPluginLogger,
  createPluginMemory,
  createPluginServices,
  createPluginStore,
  type MemoryForPlugins,
  type PluginServiceParts,
} from './context.js';
export { pluginSettings } from './settings.js';
export { resolveByName, suggestNames, type Named } from '../shared/resolve.js';
