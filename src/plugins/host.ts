import type { InboundMessage } from '../shared/messages.js';
import { configNotices } from '../config/legacy.js';
import type { StewardConfig } from '../config/schema.js';
import { CORE_PLUGIN_SETTINGS } from '../config/sections/plugins.js';
import type { Database } from '../shared/database.js';
import { applyMigrations } from '../memory/migrations.js';
import { describeError, PluginError, UserError } from '../shared/errors.js';
import type { Logger } from '../shared/log.js';
import type { Clock, IsoDate } from '../shared/time.js';
import type {
  BriefingKind,
  BriefingSection,
  CatchUpPolicy,
  Plugin,
  PluginContext,
  PluginSchedule,
  PluginServices,
  PluginTool,
} from './api.js';
import { CommandRouter, type CommandMatch, type RegisteredCommand } from './commands.js';
import { createPluginContext } from './context.js';
import { discoverPlugins, type PluginFailure } from './loader.js';
import { pluginSettings } from './settings.js';

/** Options of {@link PluginHost.load}. */
export interface PluginHostOptions {
  /** The open, core-migrated database (plugins get a store handle on it, never the connection). */
  database: Database;
  /** The configuration: the host reads `plugins.<name>` and the deprecation notices; plugins never see it. */
  config: StewardConfig;
  /** Clock for contexts. */
  clock: Clock;
  /** The owner's IANA zone. */
  timeZone: string;
  /** Parent logger; each plugin gets a child bound to its name. */
  log: Logger;
  /** Core services offered to plugins (build them with `createPluginServices`). */
  services: PluginServices;
  /** Plugins folder (default: the built-in one). */
  directory?: string;
  /** Built-in commands registered before any plugin's (plugin name `core`). */
  builtinCommands?: readonly RegisteredCommand[];
}

/** A plugin that loaded, migrated and set up. */
export interface ActivePlugin {
  /** The plugin object. */
  plugin: Plugin;
  /** Its context. */
  context: PluginContext;
}

/** A scheduled job with the plugin it belongs to. */
export interface ScheduledJob {
  /** `<plugin>:<schedule>`, for example `briefings:morning`. */
  id: string;
  /** Owning plugin. */
  plugin: ActivePlugin;
  /** The schedule. */
  schedule: PluginSchedule;
  /** The cron expression in effect. */
  cron: string;
  /** The missed-run policy in effect. */
  catchUp: CatchUpPolicy;
}

/** A tool with the plugin it belongs to. */
export interface HostedTool {
  /** Owning plugin's name. */
  plugin: string;
  /** The tool. */
  tool: PluginTool;
  /**
   * Run the tool inside the plugin's error boundary.
   * @returns the text the model reads; failures come back as text, never thrown
   */
  run(args: unknown): Promise<string>;
}

/**
 * Loads plugins and runs every plugin call inside its own error boundary
 * (grammY's `errorBoundary`): a throwing handler is logged with the plugin and
 * handler names and turned into a message, and never stops the process.
 */
export class PluginHost {
  /** Plugins that were skipped, with reasons (shown by /status and `steward doctor`). */
  readonly failures: PluginFailure[];
  /** Plugins in use, by name order. */
  readonly active: ActivePlugin[];
  /** The command grammar over built-ins and every active plugin. */
  readonly commands: CommandRouter;
  /** The context of the built-in (`core`) commands: no settings, same services. */
  readonly coreContext: PluginContext;
  /** One line per old config key that was read (the top-level `briefings`), for `steward doctor`. */
  readonly deprecations: readonly string[];
  readonly #log: Logger;

  private constructor(
    parts: Pick<PluginHost, 'active' | 'failures' | 'commands' | 'coreContext' | 'deprecations'>,
    log: Logger,
  ) {
    this.active = parts.active;
    this.failures = parts.failures;
    this.commands = parts.commands;
    this.coreContext = parts.coreContext;
    this.deprecations = parts.deprecations;
    this.#log = log;
  }

  /**
   * Discover, validate, migrate and set up the plugins. Never throws for a
   * broken plugin (or one whose settings its schema rejects): it is logged,
   * listed in {@link failures} and skipped. Each plugin gets a context of its
   * own (see `createPluginContext`).
   * @param options - database, config and services
   * @returns the host
   */
  static async load(options: PluginHostOptions): Promise<PluginHost> {
    const discovery = await discoverPlugins(options.directory);
    const failures = [...discovery.failures];
    const active: ActivePlugin[] = [];
    const deprecations = configNotices(options.config);
    for (const notice of deprecations) options.log.warn(notice);
    for (const failure of discovery.failures)
      options.log.error({ plugin: failure.name }, `plugin skipped: ${failure.reason}`);
    const contextOf = (name: string, settings: Record<string, unknown>): PluginContext =>
      createPluginContext({
        name,
        settings,
        database: options.database,
        clock: options.clock,
        timeZone: options.timeZone,
        limits: { name: options.config.limits.name, fact: options.config.limits.fact },
        log: options.log,
        services: options.services,
      });

    for (const { plugin } of discovery.plugins) {
      const raw: Record<string, unknown> = options.config.plugins[plugin.name] ?? {};
      if (raw.enabled === false) {
        options.log.info({ plugin: plugin.name }, 'plugin disabled in config');
        continue;
      }
      try {
        const context = contextOf(plugin.name, pluginSettings(plugin, raw));
        applyMigrations(
          options.database,
          (plugin.migrations ?? []).map((migration) => ({ id: `${plugin.name}:${migration.id}`, sql: migration.sql })),
        );
        await plugin.setup?.(context);
        active.push({ plugin, context });
      } catch (error) {
        const reason = `setup failed: ${describeError(error)}`;
        options.log.error({ plugin: plugin.name, err: error }, `plugin skipped: ${reason}`);
        failures.push({ name: plugin.name, reason });
      }
    }

    const missing = Object.keys(options.config.plugins).filter(
      (name) =>
        !CORE_PLUGIN_SETTINGS.includes(name) &&
        !discovery.plugins.some(({ plugin }) => plugin.name === name) &&
        !failures.some((failure) => failure.name === name),
    );
    for (const name of missing) {
      const reason = `plugins.${name} is configured but no plugin of that name exists in plugins/`;
      options.log.error({ plugin: name }, reason);
      failures.push({ name, reason });
    }

    const registered: RegisteredCommand[] = [...(options.builtinCommands ?? [])];
    for (const { plugin } of active)
      for (const command of plugin.commands ?? []) registered.push({ plugin: plugin.name, command });
    const router = new CommandRouter(registered);
    for (const conflict of router.conflicts) {
      const reason = `command phrase "${conflict.phrase}" is already used by plugin "${conflict.kept}"; this command of "${conflict.dropped}" is unreachable`;
      options.log.error({ plugin: conflict.dropped }, reason);
      failures.push({ name: conflict.dropped, reason });
    }
    return new PluginHost(
      { active, failures, commands: router, coreContext: contextOf('core', {}), deprecations },
      options.log,
    );
  }

  /** The active plugin called `name`, if any. */
  find(name: string): ActivePlugin | undefined {
    return this.active.find((entry) => entry.plugin.name === name);
  }

  /**
   * Run a plugin's function inside its error boundary.
   * @param pluginName - for logs and messages
   * @param what - which handler, for example `command check-in`
   * @param run - the call
   * @throws UserError unchanged (its message is for the owner)
   * @throws PluginError for any other failure, after logging it
   */
  async guard<T>(pluginName: string, what: string, run: () => Promise<T> | T): Promise<T> {
    try {
      return await run();
    } catch (error) {
      if (error instanceof UserError) throw error;
      this.#log.error({ plugin: pluginName, handler: what, err: error }, 'plugin handler failed');
      throw new PluginError(`The ${pluginName} plugin failed in ${what}: ${describeError(error)}`, pluginName, {
        cause: error,
      });
    }
  }

  /**
   * Run a matched command.
   * @param match - the result of `commands.match`
   * @param message - the inbound message
   * @param builtinContext - context for `core` commands (usually {@link coreContext})
   * @param options - `color`: the channel shows ANSI colours (default false); `columns`: its width, when it is a terminal
   * @returns the reply text
   * @throws UserError or PluginError (see {@link guard})
   */
  async runCommand(
    match: CommandMatch,
    message: InboundMessage,
    builtinContext: PluginContext,
    options: { color?: boolean; columns?: number } = {},
  ): Promise<string> {
    const context = match.plugin === 'core' ? builtinContext : this.find(match.plugin)?.context;
    if (context === undefined) throw new PluginError(`plugin ${match.plugin} is not active`, match.plugin);
    const input = { args: match.args, phrase: match.phrase, message, color: options.color === true };
    return this.guard(match.plugin, `command "${match.phrase}"`, () =>
      match.command.handler(options.columns === undefined ? input : { ...input, columns: options.columns }, context),
    );
  }

  /**
   * Run a matched command's `data` (its answer as data, for `--json`).
   * @param match - the result of `commands.match`
   * @param message - the inbound message
   * @param builtinContext - context for `core` commands (usually {@link coreContext})
   * @returns the data, or undefined when the command has no `data`
   * @throws UserError or PluginError (see {@link guard})
   */
  async runCommandData(match: CommandMatch, message: InboundMessage, builtinContext: PluginContext): Promise<unknown> {
    const data = match.command.data;
    if (data === undefined) return undefined;
    const context = match.plugin === 'core' ? builtinContext : this.find(match.plugin)?.context;
    if (context === undefined) throw new PluginError(`plugin ${match.plugin} is not active`, match.plugin);
    return this.guard(match.plugin, `command "${match.phrase}" (data)`, () =>
      data({ args: match.args, phrase: match.phrase, message, color: false }, context),
    );
  }

  /** Every tool of every active plugin, each wrapped in its plugin's error boundary. */
  tools(): HostedTool[] {
    const hosted: HostedTool[] = [];
    for (const { plugin, context } of this.active) {
      for (const tool of plugin.tools ?? []) {
        hosted.push({
          plugin: plugin.name,
          tool,
          run: async (args: unknown): Promise<string> => {
            const parsed = tool.schema.safeParse(args);
            if (!parsed.success)
              return `Invalid arguments for ${tool.name}: ${parsed.error.issues.map((issue) => `${issue.path.join('.')} ${issue.message}`).join('; ')}`;
            try {
              return await this.guard(plugin.name, `tool ${tool.name}`, () => tool.handler(parsed.data, context));
            } catch (error) {
              return describeError(error);
            }
          },
        });
      }
    }
    return hosted;
  }

  /**
   * Every plugin's briefing sections for `kind`, in plugin order. A failing
   * section is logged and left out; the briefing still goes out.
   * @param kind - `morning` or `weekly`
   * @param today - the owner's day
   */
  async briefingSections(kind: BriefingKind, today: IsoDate): Promise<Array<BriefingSection & { plugin: string }>> {
    const sections: Array<BriefingSection & { plugin: string }> = [];
    const wanted = this.active
      .flatMap(({ plugin, context }) =>
        (plugin.briefingSections ?? []).map((section) => ({ plugin, context, section })),
      )
      .filter(({ section }) => section.kinds.includes(kind))
      .sort((left, right) => (left.section.order ?? 100) - (right.section.order ?? 100));
    for (const { plugin, context, section } of wanted) {
      try {
        const rendered = await this.guard(plugin.name, `briefing section ${section.name}`, () =>
          section.render({ kind, today }, context),
        );
        if (rendered !== null && rendered.lines.length > 0) sections.push({ ...rendered, plugin: plugin.name });
      } catch (error) {
        this.#log.warn(
          { plugin: plugin.name, section: section.name },
          `briefing section left out: ${describeError(error)}`,
        );
      }
    }
    return sections;
  }

  /** Each plugin's agent context lines, failures left out (and logged). */
  async agentContext(): Promise<string[]> {
    const parts: string[] = [];
    for (const { plugin, context } of this.active) {
      if (plugin.agentContext === undefined) continue;
      const provide = plugin.agentContext;
      try {
        const text = await this.guard(plugin.name, 'agentContext', () => provide(context));
        if (text !== null && text.trim() !== '') parts.push(text.trim());
      } catch (error) {
        this.#log.warn({ plugin: plugin.name }, `agent context left out: ${describeError(error)}`);
      }
    }
    return parts;
  }

  /**
   * The names to complete after a command phrase: those of the plugin
   * that owns the command (see `Plugin.completions`); failures give none.
   * @param plugin - the plugin's name
   */
  async completions(plugin: string): Promise<string[]> {
    const found = this.find(plugin);
    const provide = found?.plugin.completions;
    if (found === undefined || provide === undefined) return [];
    try {
      return await this.guard(plugin, 'completions', () => provide(found.context));
    } catch {
      return [];
    }
  }

  /** Each plugin's words for the REPL's status line (`Plugin.statusLine`), failures left out. */
  async statusLines(): Promise<string[]> {
    const lines: string[] = [];
    for (const { plugin, context } of this.active) {
      const provide = plugin.statusLine;
      if (provide === undefined) continue;
      try {
        const line = await this.guard(plugin.name, 'statusLine', () => provide(context));
        if (line !== null && line.trim() !== '') lines.push(line.trim());
      } catch (error) {
        this.#log.warn({ plugin: plugin.name }, `status line left out: ${describeError(error)}`);
      }
    }
    return lines;
  }

  /** Each plugin's notices for an open REPL, in plugin order; failures are logged and left out. */
  async notices(): Promise<string[]> {
    const lines: string[] = [];
    for (const { plugin, context } of this.active) {
      if (plugin.notices === undefined) continue;
      const provide = plugin.notices;
      try {
        lines.push(...(await this.guard(plugin.name, 'notices', () => provide(context))));
      } catch (error) {
        this.#log.warn({ plugin: plugin.name }, `notices left out: ${describeError(error)}`);
      }
    }
    return lines;
  }

  /** Every enabled schedule of every active plugin. */
  schedules(): ScheduledJob[] {
    const jobs: ScheduledJob[] = [];
    for (const entry of this.active) {
      for (const schedule of entry.plugin.schedules ?? []) {
        const enabled = schedule.enabled?.(entry.context) ?? true;
        if (!enabled) continue;
        const cron = typeof schedule.cron === 'string' ? schedule.cron : schedule.cron(entry.context);
        const catchUp =
          typeof schedule.catchUp === 'function'
            ? schedule.catchUp(entry.context)
            : (schedule.catchUp ?? { policy: 'skip' });
        jobs.push({ id: `${entry.plugin.name}:${schedule.name}`, plugin: entry, schedule, cron, catchUp });
      }
    }
    return jobs;
  }

  /** Run every plugin's teardown; failures are logged. */
  async teardown(): Promise<void> {
    for (const { plugin, context } of [...this.active].reverse()) {
      if (plugin.teardown === undefined) continue;
      const teardown = plugin.teardown;
      try {
        await this.guard(plugin.name, 'teardown', () => teardown(context));
      } catch (error) {
        this.#log.warn({ plugin: plugin.name }, `teardown failed: ${describeError(error)}`);
      }
    }
  }
}
