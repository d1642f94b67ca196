import type { z } from 'zod';
import type { InboundMessage, OutboundMessage } from '../shared/messages.js';
import type { PluginLogger, PluginMemory, PluginStore } from './context-api.js';
import type { PluginData } from './data-api.js';
export type {
  DataProgress,
  PluginData,
  ImportCounts,
  PluginDataDocument,
  PluginFileFormat,
  PluginImportOptions,
} from './data-api.js';
import type { Clock, IsoDate } from '../shared/time.js';

/**
 * The plugin API. A plugin is a folder in `plugins/` whose `index.ts`
 * default-exports `definePlugin({...})`: a plain object, checked by the
 * type system here and by the loader at run time. The shape follows Hono's
 * `createMiddleware` and grammY's `bot.use(...)`: data plus handlers, no
 * classes to extend.
 *
 * This file is the only door into the core for a plugin: a plugin imports
 * nothing from `src/` but this file and `src/shared/`. What a handler can
 * reach is its {@link PluginContext}: its own settings, a store handle for
 * its tables, recall and the profile, delivery to the owner, briefing
 * composition, a clock and a logger. No API key, no whole configuration,
 * no `close()` on anything.
 */

// Helpers and types from the core that plugins use, re-exported so that this file stays their one door.
export {
  FACT_CATEGORIES,
  factText,
  type Fact,
  type FactAuditEntry,
  type FactCandidate,
  type FactCategory,
  type FactSource,
  type ReconcileOutcome,
} from '../memory/facts.js';
export { contentWords, truncate } from '../memory/text.js';
export type { RecallHit, RecallResult } from '../memory/recall.js';
export type { Episode } from '../memory/episodes.js';
export { briefingsSettingsSchema, type BriefingsSettings } from '../config/schema.js';
export type { InboundMessage, OutboundMessage } from '../shared/messages.js';
export type {
  PluginLogFunction,
  PluginLogger,
  PluginMemory,
  PluginStore,
  ProfileFacts,
  StoreRunResult,
  StoreStatement,
  StoreTransaction,
} from './context-api.js';

/** The two briefings steward sends. */
export type BriefingKind = 'morning' | 'weekly';

/** One section of a briefing, as a plugin renders it. */
export interface BriefingSection {
  /** Heading, for example `Habits due today`. */
  title: string;
  /** Plain-text lines, each a complete statement (they are shown as they are in the template rendering). */
  lines: string[];
}

/** A finished briefing. */
export interface Briefing {
  /** `morning` or `weekly`. */
  kind: BriefingKind;
  /** The owner's local day it was made for. */
  day: IsoDate;
  /** The text to send. */
  text: string;
  /** The sections it was built from, in order. */
  sections: Array<BriefingSection & { plugin: string }>;
  /** Provider id of the model that wrote it, or `template` when no model answered. */
  writtenBy: string;
}

/** What happened to one outbound message. */
export interface DeliveryResult {
  /** `sent` now, `already-sent` earlier under the same idempotency key. */
  status: 'sent' | 'already-sent';
  /** Outbox row id. */
  outboxId: number;
}

/** Core services a plugin may call. */
export interface PluginServices {
  /**
   * Build a briefing from every plugin's briefing sections, written by the
   * quality tier, or as a plain template when no model answers.
   */
  composeBriefing(kind: BriefingKind, options?: { signal?: AbortSignal; day?: IsoDate }): Promise<Briefing>;
  /**
   * Write a message to the outbox and deliver it to the owner on Signal.
   * @throws DeliveryError when Signal is not configured or the send fails (the message stays queued for retry)
   */
  deliverToOwner(message: OutboundMessage): Promise<DeliveryResult>;
  /**
   * Why nothing can be delivered to the owner now (for example `signal.to
   * is empty: set STEWARD_SIGNAL_TO`), or undefined when delivery is set up.
   * Ask it before spending a model call on a message that cannot go anywhere.
   */
  deliveryProblem(): string | undefined;
  /** Recall, the profile and episodes. */
  readonly memory: PluginMemory;
}

/**
 * Input limits from the configuration (`limits.*`), so that no input can
 * block the process (issue 10, item 7: name matching cost grew with the
 * input's length). A plugin refuses longer input with a UsageError, and
 * does not try to match a name longer than `name` (none can be that long).
 */
export interface PluginLimits {
  /** Most characters in a name or title (a habit, a goal, a milestone). */
  readonly name: number;
  /** Most characters in a fact to remember (key and value together). */
  readonly fact: number;
}

/** What every plugin handler receives. Frozen: a plugin cannot swap what it was given. */
export interface PluginContext<Settings extends object = Record<string, unknown>> {
  /** The plugin's name. */
  readonly name: string;
  /**
   * This plugin's settings: `plugins.<name>` in the config, without
   * `enabled`, parsed by the plugin's `settings` schema (defaults applied)
   * when it declares one.
   */
  readonly settings: Readonly<Settings>;
  /** The plugin's handle on the database (its own tables, from its migrations). */
  readonly store: PluginStore;
  /** Source of the current instant. */
  readonly clock: Clock;
  /** IANA zone of the owner, for example `Europe/Berlin`. */
  readonly timeZone: string;
  /** The owner's local calendar day, `YYYY-MM-DD`. */
  today(): IsoDate;
  /** The most characters a name or a fact may have (`limits.*` in the config); refuse longer input with a UsageError. */
  readonly limits: PluginLimits;
  /** Logger bound to this plugin. */
  readonly log: PluginLogger;
  /** Core services. */
  readonly services: PluginServices;
}

/** Input of a command handler. */
export interface CommandInput {
  /** Everything after the matched phrase, trimmed (may be empty). */
  args: string;
  /** The phrase that matched, for example `check in`. */
  phrase: string;
  /** The full message. */
  message: InboundMessage;
  /**
   * Whether the reply may use ANSI colours: true only when the channel
   * writes to a colour terminal (the REPL or `steward run` on a TTY); false
   * for pipes, Signal and tests. Set by the channel through `HandleOptions.color`.
   */
  color: boolean;
  /**
   * Width of the owner's terminal in columns, when the channel is one (the
   * REPL, `steward run` on a TTY): wide output (tables, help) should fit
   * it. Undefined for pipes, Signal and the model.
   */
  columns?: number;
}

/**
 * A deterministic command: it runs without any model when the text starts with
 * one of its phrases.
 */
export interface PluginCommand<Settings extends object = Record<string, unknown>> {
  /** Id unique within the plugin, for example `check-in`. */
  name: string;
  /** Phrases that start the command, lower case, for example `['check in']`. The longest match wins. */
  phrases: readonly string[];
  /** Usage line shown by `help` and on a malformed call: `check in <habit> [yesterday | YYYY-MM-DD]`. */
  usage: string;
  /** One-line description. */
  description: string;
  /**
   * Whether the command takes arguments. With `none`, text after the phrase
   * means it is not this command (so "goals are hard" goes to the agent).
   */
  args: 'none' | 'optional' | 'required';
  /**
   * Run the command.
   * @returns the reply text
   * @throws UserError (UsageError, NotFoundError, ...) for the user's mistakes: its message is the reply
   */
  handler(input: CommandInput, context: PluginContext<Settings>): Promise<string> | string;
  /**
   * The same answer as data, for `steward run --json` (lists and reports:
   * `habits`, `habit stats`, `goals`, `profile`): a JSON-serialisable value
   * with the facts of the text reply. Only for commands that change nothing.
   * Document its shape (docs/data.md).
   * @throws UserError as {@link handler} does
   */
  data?: (input: CommandInput, context: PluginContext<Settings>) => unknown;
}

/**
 * An agent tool: the model calls it by name with arguments validated by
 * `schema`. The core turns it into a LangChain `tool()` only when a model
 * turn needs it, so command-only runs never load LangChain.
 */
export interface PluginTool<
  Schema extends z.ZodObject = z.ZodObject,
  Settings extends object = Record<string, unknown>,
> {
  /** snake_case name the model sees, for example `habit_check_in`. */
  name: string;
  /** What the tool does and when to use it, for the model. */
  description: string;
  /** zod object schema of the arguments. */
  schema: Schema;
  /**
   * Run the tool.
   * @returns text the model reads (say what happened, including "not found")
   */
  handler(args: z.output<Schema>, context: PluginContext<Settings>): Promise<string> | string;
}

/**
 * What to do at start-up about a scheduled time that was missed while the
 * daemon was down: `skip` it (recorded and logged), run it if it is at most
 * `graceMs` late, or `ignore` it: for polling jobs (every minute, say) that
 * have nothing to catch up, so a missed time is neither run nor recorded.
 */
export type CatchUpPolicy = { policy: 'skip' } | { policy: 'run-if-within'; graceMs: number } | { policy: 'ignore' };

/** A scheduled job run by the daemon on node-cron. */
export interface PluginSchedule<Settings extends object = Record<string, unknown>> {
  /** Id unique within the plugin; the job's full name is `<plugin>:<name>`. */
  name: string;
  /** Cron expression (5 or 6 fields), or a function reading it from the config. */
  cron: string | ((context: PluginContext<Settings>) => string);
  /** Whether the job is on (default: on). */
  enabled?: (context: PluginContext<Settings>) => boolean;
  /** Missed-run policy, or a function reading it from the config (default: skip). */
  catchUp?: CatchUpPolicy | ((context: PluginContext<Settings>) => CatchUpPolicy);
  /**
   * Run the job once.
   * @param run - `scheduledFor` is the cron time this run is for; `signal`
   *   aborts when the daemon shuts down (pass it on to model calls: an
   *   interrupted run is caught up at the next start)
   */
  handler(run: { scheduledFor: Date; signal?: AbortSignal }, context: PluginContext<Settings>): Promise<void> | void;
}

/** A section a plugin adds to the morning and/or weekly briefing. */
export interface PluginBriefingSection<Settings extends object = Record<string, unknown>> {
  /** Id unique within the plugin. */
  name: string;
  /** Which briefings include it. */
  kinds: readonly BriefingKind[];
  /** Position in the briefing, smaller first (default 100; habits use 10, goals 20). */
  order?: number;
  /**
   * Render the section.
   * @returns the section, or null when there is nothing to say
   */
  render(
    request: { kind: BriefingKind; today: IsoDate },
    context: PluginContext<Settings>,
  ): BriefingSection | null | Promise<BriefingSection | null>;
}

/** A schema migration of a plugin's own tables, applied once (recorded in `schema_migrations`). */
export interface PluginMigration {
  /** `NNN_name`, for example `001_create_habits`; the host prefixes the plugin's name. */
  id: string;
  /** The SQL to run, in one transaction. */
  sql: string;
}

/** The object a plugin's `index.ts` default-exports. */
export interface Plugin<Settings extends object = Record<string, unknown>> {
  /** Unique name, lower case; its settings live under `plugins.<name>`. */
  name: string;
  /** One line about what it adds. */
  description: string;
  /**
   * zod schema of `plugins.<name>` (without `enabled`, which the host reads).
   * The host parses the settings with it before `setup`, so handlers get
   * them typed and with defaults; a bad value skips the plugin with a config
   * error naming the key (`plugins.habits.reminders.lateMinutes ...`).
   */
  settings?: z.ZodType<Settings>;
  /** Schema migrations for the plugin's own tables, applied once, in order. Ids are namespaced by the loader. */
  migrations?: readonly PluginMigration[];
  /** Commands matched before any model. */
  commands?: readonly PluginCommand<Settings>[];
  /** Tools the agent may call. */
  tools?: readonly PluginTool<z.ZodObject, Settings>[];
  /** Jobs the daemon schedules. */
  schedules?: readonly PluginSchedule<Settings>[];
  /** Sections of the morning and weekly briefings. */
  briefingSections?: readonly PluginBriefingSection<Settings>[];
  /**
   * Lines for the agent's context on each turn (for example today's habits),
   * or null when there is nothing to add. Keep it short: it costs tokens.
   */
  agentContext?: (context: PluginContext<Settings>) => string | null | Promise<string | null>;
  /**
   * Short lines to show the owner now in an open REPL, for example a habit
   * reminder when Signal is not configured. The REPL asks after each reply
   * and every 30 s on a terminal; the plugin returns each notice once (it
   * keeps track of what it showed), or an empty list.
   */
  notices?: (context: PluginContext<Settings>) => string[] | Promise<string[]>;
  /**
   * Export and import of the plugin's records (`steward export`, `steward
   * import`), and the other file formats it reads or writes. Without it, the
   * plugin's tables are left out of exports (a backup still has them).
   */
  data?: PluginData<PluginContext<Settings>>;
  /**
   * The names the owner uses in this plugin's commands (habit names, goal
   * titles), for tab completion in the REPL after one of its command
   * phrases. Called on each Tab; keep it quick.
   */
  completions?: (context: PluginContext<Settings>) => string[] | Promise<string[]>;
  /**
   * A few words for the REPL's status line at start about what is due
   * today (`2 habits due: meditation, run`), or null for nothing.
   */
  statusLine?: (context: PluginContext<Settings>) => string | null | Promise<string | null>;
  /** Runs once after migrations, before anything else of the plugin. */
  setup?: (context: PluginContext<Settings>) => void | Promise<void>;
  /** Runs once at shutdown. */
  teardown?: (context: PluginContext<Settings>) => void | Promise<void>;
}

/**
 * Declare a plugin. Exists only so TypeScript checks the object's shape;
 * with a `settings` schema, every handler's `context.settings` has its type.
 * @param plugin - the plugin object
 * @returns the same object, typed for the loader
 */
export function definePlugin<Settings extends object = Record<string, unknown>>(
  plugin: { settings?: z.ZodType<Settings> } & Omit<Plugin<NoInfer<Settings>>, 'settings'>,
): Plugin {
  // Widening is safe: the host parses `plugins.<name>` with `plugin.settings` before any handler sees it.
  return plugin as unknown as Plugin;
}

/**
 * Declare one agent tool with its argument types inferred from `schema`.
 * @param tool - the tool
 * @returns the same tool, typed for a plugin's `tools` list
 */
export function defineTool<Schema extends z.ZodObject>(tool: PluginTool<Schema>): PluginTool {
  return tool;
}
