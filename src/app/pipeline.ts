import type { StewardConfig } from '../config/schema.js';
import type { ConversationStore } from '../memory/conversations.js';
import type { Memory } from '../memory/memory.js';
import type { ModelRouter } from '../models/router.js';
import { TierSelector } from '../models/tier-selector.js';
import type { TurnStore } from '../models/turns.js';
import type { PluginContext } from '../plugins/api.js';
import type { PluginHost } from '../plugins/host.js';
import type { Logger } from '../shared/log.js';
import type { Clock } from '../shared/time.js';
import { TurnPipeline } from '../turn/pipeline.js';
import { formatTopicHelp } from './builtins.js';

/** The parts of an open `Steward` the turn pipeline is wired from. */
export interface PipelineParts {
  /** The configuration (`memory.sessionIdleMinutes`, `memory.contextTokens`, `agent.historyMessages`, `models.*`). */
  config: StewardConfig;
  /** Sessions and messages. */
  conversations: ConversationStore;
  /** The model turns. */
  turns: TurnStore;
  /** The memory engine. */
  memory: Memory;
  /** The model router. */
  router: ModelRouter;
  /** The loaded plugins: command grammar, tools, agent context. */
  plugins: PluginHost;
  /** The context `core` commands (`help`) run with. */
  core: PluginContext;
  /** Clock. */
  clock: Clock;
  /** The owner's IANA zone. */
  timeZone: string;
  /** Logger. */
  log: Logger;
}

/**
 * Wire the turn pipeline (`src/turn/pipeline.ts`) to the stores, the
 * plugins' command grammar and tools, the tier selector and the model router.
 * @param parts - the parts of an open Steward
 * @returns the pipeline every channel's messages go through
 */
export function wireTurnPipeline(parts: PipelineParts): TurnPipeline {
  const { config, conversations, memory, router, plugins, core, clock, timeZone, log } = parts;
  return new TurnPipeline({
    conversations,
    turns: parts.turns,
    memory,
    timeZone,
    sessionIdleMs: config.memory.sessionIdleMinutes * 60_000,
    limits: { commandLine: config.limits.commandLine, signalMessage: config.limits.signalMessage },
    topicHelp: (topic, columns) => formatTopicHelp(plugins.commands.list(), topic, columns),
    commands: {
      match: (text) => plugins.commands.match(text),
      suggest: (text) => plugins.commands.suggest(text),
      run: (match, message, options) => plugins.runCommand(match, message, core, options),
      runData: (match, message) => plugins.runCommandData(match, message, core),
    },
    agent: {
      tiers: new TierSelector(config.models.routing, router, log),
      router,
      context: {
        conversations,
        plugins,
        memory,
        clock,
        timeZone,
        historyMessages: config.agent.historyMessages,
        budgetTokens: config.memory.contextTokens,
      },
      tools: () => plugins.tools(),
      temperature: config.models.temperature,
      clock,
      log,
    },
  });
}
