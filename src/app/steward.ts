import { composeBriefing } from '../briefing/compose.js';
import { Outbox, type ChannelSender } from '../channels/outbox.js';
import { createSignalTransport, missingSignalSettings, type SignalTransport } from '../channels/signal/index.js';
import { effectiveTimeZone } from '../config/load.js';
import type { StewardConfig } from '../config/schema.js';
import { ConversationStore } from '../memory/conversations.js';
import { Memory } from '../memory/memory.js';
import { applyMigrations, readCoreMigrations } from '../memory/migrations.js';
import type { ModelRouter } from '../models/router.js';
import { providerSecrets } from '../models/providers.js';
import { TurnStore } from '../models/turns.js';
import type { Briefing, BriefingKind } from '../plugins/api.js';
import { createPluginServices } from '../plugins/context.js';
import { PluginHost } from '../plugins/host.js';
import { isReadOnlyDatabase, openDatabase, toTimestamp, type Database } from '../shared/database.js';
import { http } from '../shared/http.js';
import { silentLogger, type Logger } from '../shared/log.js';
import { rememberSecrets } from '../shared/redact.js';
import type { InboundMessage, OutboundMessage } from '../shared/messages.js';
import { localDate, systemClock, type Clock } from '../shared/time.js';
import type { TurnPipeline } from '../turn/pipeline.js';
import type { HandleOptions, Reply, TurnHandler } from '../turn/types.js';
import { whyText } from '../turn/why-step.js';
import { builtinCommands } from './builtins.js';
import { OwnerDelivery, type DeliverOptions, type OwnerDeliveryResult } from './delivery.js';
import { createModelRouter, ProviderService } from './providers.js';
import { wireTurnPipeline } from './pipeline.js';
import { statusReport, type StatusReport } from './status.js';

/** Options of {@link Steward.open}. */
export interface StewardOptions {
  /** The loaded configuration. */
  config: StewardConfig;
  /** Clock (tests inject a fixed one). Default: the system clock. */
  clock?: Clock;
  /** Logger. Default: silent. */
  log?: Logger;
  /** Plugins folder. Default: the built-in `plugins/`. */
  pluginsDirectory?: string;
}

/**
 * The composition root: it opens the database, wires the stores, the model
 * router, memory, the outbox and the plugins, and hands out narrow services.
 * A message goes through {@link handle} to the turn pipeline
 * (`src/turn/pipeline.ts`), as Hono's `app.request()` drives an app; the
 * REPL gets its services from `replHost()` (`./repl-host.ts`), status and
 * probes live in `./status.ts`, delivery to the owner in `./delivery.ts`.
 */
export class Steward implements TurnHandler {
  readonly config: StewardConfig;
  /** The database (tests, doctor, the daemon's lock and scheduler). */
  readonly database: Database;
  readonly clock: Clock;
  /** The owner's IANA zone. */
  readonly timeZone: string;
  readonly log: Logger;
  /** Sessions and messages. */
  readonly conversations: ConversationStore;
  /** Each model turn's decision, provider and timings. */
  readonly turns: TurnStore;
  /** Episodes, the semantic profile, embeddings and hybrid recall. */
  readonly memory: Memory;
  /** Outbound messages with idempotency keys and retries. */
  readonly outbox: Outbox;
  /** Health checks, probes and warm-up of the model providers. */
  readonly providers: ProviderService;
  /** Signal sending, or undefined without `signal.url`. */
  readonly signalTransport: SignalTransport | undefined;
  readonly #router: ModelRouter;
  readonly #delivery: OwnerDelivery;
  #opened: { plugins: PluginHost; pipeline: TurnPipeline } | undefined;
  #preload: Promise<void> | undefined;

  private constructor(options: StewardOptions, database: Database) {
    const config = options.config;
    const clock = options.clock ?? systemClock;
    const log = options.log ?? silentLogger();
    const conversations = new ConversationStore(database, clock);
    const router = createModelRouter(config, clock, log);
    const transport = createSignalTransport(config);
    const senders = new Map<string, ChannelSender>();
    if (transport !== undefined) senders.set('signal', (recipients, text) => transport.send(recipients, text));
    this.config = config;
    this.database = database;
    this.clock = clock;
    this.timeZone = effectiveTimeZone(config);
    this.log = log;
    this.conversations = conversations;
    this.turns = new TurnStore(database);
    this.memory = Memory.create({ database, config, clock, log, router, conversations });
    this.outbox = new Outbox(database, clock, senders);
    this.providers = new ProviderService(router, log);
    this.signalTransport = transport;
    this.#router = router;
    this.#delivery = new OwnerDelivery(config, conversations, this.outbox);
  }

  /**
   * Open the database (migrating it), load the plugins and build the turn pipeline.
   * @param options - configuration, clock, logger
   * @returns a ready Steward; call {@link close} when done
   * @throws SqliteError when the database cannot be opened or migrated
   */
  static async open(options: StewardOptions): Promise<Steward> {
    // From here on, every error, log line, stored or sent reply blanks the configured keys out.
    rememberSecrets(providerSecrets(options.config));
    const database = openDatabase(options.config.dataDir);
    try {
      applyMigrations(database, readCoreMigrations());
      const steward = new Steward(options, database);
      await steward.#load(options.pluginsDirectory);
      return steward;
    } catch (error) {
      database.close();
      throw error;
    }
  }

  /** Load the plugins, then wire the turn pipeline to them and to the stores and the router. */
  async #load(directory: string | undefined): Promise<void> {
    const { database, config, clock, timeZone, log, conversations, turns, memory } = this;
    const plugins = await PluginHost.load({
      database,
      config,
      clock,
      timeZone,
      log,
      // Plugins get these functions, never the Steward (whose config holds the API keys).
      services: createPluginServices({
        memory,
        composeBriefing: (kind, briefingOptions) => this.composeBriefing(kind, briefingOptions),
        deliverToOwner: (message) => this.deliverToOwner(message),
        deliveryProblem: () => missingSignalSettings(config),
      }),
      ...(directory === undefined ? {} : { directory }),
      builtinCommands: builtinCommands(() => plugins.commands.list()),
    });
    const core = plugins.coreContext;
    const parts = { config, conversations, turns, memory, router: this.#router, plugins, core, clock, timeZone, log };
    this.#opened = { plugins, pipeline: wireTurnPipeline(parts) };
  }

  #ready(): { plugins: PluginHost; pipeline: TurnPipeline } {
    if (this.#opened === undefined) throw new Error('Steward is not open');
    return this.#opened;
  }

  /** The plugin host: commands, tools, schedules, notices. */
  get plugins(): PluginHost {
    return this.#ready().plugins;
  }

  /** The owner's local calendar day, `YYYY-MM-DD`. */
  today(): string {
    return localDate(this.clock.now(), this.timeZone);
  }

  /**
   * Answer one message through the turn pipeline (see `TurnHandler.handle`).
   * @throws SqliteError when the turn cannot be stored
   */
  handle(message: InboundMessage, options?: HandleOptions): Promise<Reply> {
    return this.#ready().pipeline.handle(message, options);
  }

  /**
   * Load the model stack and build the agent once, in the background of a
   * long-lived process: the REPL once its prompt is shown, the daemon once
   * it is ready. The first turn then costs what the tenth does, and a turn
   * that comes in meanwhile waits only for the rest (see `preloadAgentStep`).
   * With Signal configured, the HTTP client that sends the replies is loaded
   * too, so the first reply on Signal goes out as fast as the next ones.
   * Nothing is loaded when no model provider is configured.
   * @returns resolves when done (at once on later calls); never rejects: a failure is logged, and the first turn loads what it needs
   */
  preload(): Promise<void> {
    this.#preload ??= this.#preloadOnce().catch((error: unknown) =>
      this.log.warn({ err: error }, 'could not preload the model stack'),
    );
    return this.#preload;
  }

  async #preloadOnce(): Promise<void> {
    if (this.#router.providers().length === 0) return;
    const timings = await this.#ready().pipeline.preload();
    if (this.signalTransport !== undefined) await http();
    this.log.info(
      {
        importMs: Math.round(timings.importMs),
        turnMs: Math.round(timings.turnMs),
        contextMs: Math.round(timings.contextMs),
      },
      'model stack preloaded',
    );
  }

  /** The text of `/why` for a session (see `whyText`). */
  why(sessionId: number): string {
    return whyText(this.turns, sessionId, this.timeZone);
  }

  /** What `/status` and `steward doctor` show (see `statusReport`). */
  status(): StatusReport {
    const { config, timeZone, clock, turns, memory } = this;
    return statusReport({ config, timeZone, clock, router: this.#router, turns, plugins: this.plugins, memory });
  }

  /**
   * Build a briefing now (see `composeBriefing`).
   * @param kind - `morning` or `weekly`
   * @param options - cancellation, and `day`: the owner's day it is for (default today; a
   *   scheduled briefing caught up after midnight passes its scheduled day)
   */
  async composeBriefing(kind: BriefingKind, options: { signal?: AbortSignal; day?: string } = {}): Promise<Briefing> {
    const startedAt = toTimestamp(this.clock.now());
    return composeBriefing({
      kind,
      today: options.day ?? this.today(),
      plugins: this.plugins,
      router: this.#router,
      temperature: this.config.models.temperature,
      log: this.log,
      signal: options.signal,
      recordTurn: (turn) => {
        try {
          this.turns.record({ ...turn, startedAt });
        } catch (error) {
          // `steward briefing --dry-run` on a write-protected database still prints the briefing.
          if (!isReadOnlyDatabase(error)) throw error;
          this.log.warn('the briefing turn is not recorded: the database is read-only');
        }
      },
    });
  }

  /** Send a message to the owner on Signal through the outbox (see `OwnerDelivery.deliver`). */
  deliverToOwner(message: OutboundMessage, options: DeliverOptions = {}): Promise<OwnerDeliveryResult> {
    return this.#delivery.deliver(message, options);
  }

  /** Give up a manual send still pending, after Ctrl-C (see `OwnerDelivery.cancel`). */
  cancelDelivery(idempotencyKey: string, reason: string): number {
    return this.#delivery.cancel(idempotencyKey, reason);
  }

  /** Stop background work, run plugin teardowns and close the database. */
  async close(): Promise<void> {
    this.providers.stopHealthChecks();
    await this.memory.close();
    await this.#opened?.plugins.teardown();
    if (this.database.open) this.database.close();
  }
}
