/** Plugins: the API plugins are written against, the loader, the command grammar and the host. */
export {
  definePlugin,
  defineTool,
  type Plugin,
  type PluginContext,
  type PluginCommand,
  type PluginTool,
  type PluginSchedule,
  type PluginBriefingSection,
  type BriefingKind,
  type BriefingSection,
  type Briefing,
  type CatchUpPolicy,
  type CommandInput,
  type DeliveryResult,
  type StewardServices,
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
export { resolveByName, suggestNames, type Named } from '../shared/resolve.js';
