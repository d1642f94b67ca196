import { join } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { runAgentTurn } from '../agent/agent.js';
import { assembleTurnContext } from '../agent/context.js';
import { composeBriefing } from '../briefing/compose.js';
import { Outbox, type ChannelSender } from '../channels/outbox.js';
import { createSignalTransport, missingSignalSettings, type SignalTransport } from '../channels/signal/index.js';
import type { InboundMessage, OutboundMessage, Reply, ReplyVia } from '../channels/types.js';
import { effectiveTimeZone } from '../config/load.js';
import type { StewardConfig } from '../config/schema.js';
import { ConversationStore } from '../memory/conversations.js';
import { DATABASE_FILE, openDatabase, toTimestamp, type Database } from '../shared/database.js';
import { Memory, type MemoryStatus } from '../memory/memory.js';
import { applyMigrations, readCoreMigrations } from '../memory/migrations.js';
import { classifyProviderError } from '../models/classify.js';
import { HealthMonitor, type ProviderHealth } from '../models/health.js';
import { resolveProviders, type ModelProvider, type Tier } from '../models/providers.js';
import { ModelRouter } from '../models/router.js';
import { TierSelector } from '../models/tier-selector.js';
import {
  answeredTurn,
  TurnStore,
  unansweredTurn,
  type NewTurn,
  type ProviderUsage,
  type RecordedFailure,
} from '../models/turns.js';
import { formatWhy } from '../models/why.js';
import type { Briefing, BriefingKind, DeliveryResult, PluginContext } from '../plugins/api.js';
import { createPluginServices } from '../plugins/context.js';
import { PluginHost } from '../plugins/host.js';
import type { PluginFailure } from '../plugins/loader.js';
import { DeliveryError, NoModelAvailableError, StewardError } from '../shared/errors.js';
import { silentLogger, type Logger } from '../shared/log.js';
import { localDate, systemClock, type Clock } from '../shared/time.js';
import { builtinCommands } from './builtins.js';
import { parseDirective } from '../turn/directives.js';

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

/** Options of {@link Steward.handle}. */
export interface HandleOptions {
  /** Session to record the turn in; default: the sender's open session on that channel (30 min idle). */
  sessionId?: number;
  /** Cancels a model reply (Ctrl-C). */
  signal?: AbortSignal;
  /** Receives reply text as it streams. */
  onToken?: (token: string) => void;
  /** Receives one-line notices (a provider failed mid-reply and the answer restarts). */
  onNotice?: (notice: string) => void;
  /** Tier the caller asks for; default: chosen per turn (see `TierSelector`). */
  tier?: Tier;
  /** The channel shows ANSI colours (a TTY): command replies may use them. Default false. */
  color?: boolean;
  /** The REPL session's tier override (a bare `/fast` or `/quality`); a `/fast ...` prefix still wins. */
  sessionTier?: Tier | undefined;
}

/** What `/status` and `steward doctor` show. */
export interface StatusReport {
  /** When the report was made (the Steward's clock), ms since epoch. */
  generatedAt: number;
  /** Absolute path of the database file. */
  databaseFile: string;
  /** The owner's IANA zone. */
  timeZone: string;
  /** Every configured provider with its health and the requests it served. */
  providers: Array<{
    provider: ModelProvider;
    health: ProviderHealth;
    /** Turns and model requests it answered, over all processes (from the stored turns). */
    usage: ProviderUsage;
    /** Its latest failure recorded in a turn (any process), or undefined. */
    recordedFailure: RecordedFailure | undefined;
    /** Why it is never used, or undefined (a cloud provider while models.allowCloud is false). */
    disabled: string | undefined;
  }>;
  /** Names of the active plugins. */
  plugins: string[];
  /** Plugins that were skipped, with reasons. */
  pluginFailures: PluginFailure[];
  /** Signal settings, or why Signal is off. */
  signal: { api: string; url: string | null; to: readonly string[]; missing: string | undefined };
  /** The memory engine: embedder, index, queue and counts. */
  memory: MemoryStatus;
}

/**
 * The assistant: one object that owns the database, the plugins, the model
 * router and the outbox, and answers one inbound message at a time with
 * {@link Steward.handle} (as Hono's `app.request()` drives an app). The REPL,
 * `steward run`, Signal and the tests all go through it.
 */
export class Steward {
  readonly config: StewardConfig;
  readonly database: Database;
  readonly conversations: ConversationStore;
  readonly router: ModelRouter;
  /** Chooses each turn's tier. */
  readonly tiers: TierSelector;
  /** Each model turn's decision, provider and timings. */
  readonly turns: TurnStore;
  readonly outbox: Outbox;
  /** Episodes, the semantic profile, embeddings and hybrid recall. */
  readonly memory: Memory;
  readonly signalTransport: SignalTransport | undefined;
  readonly timeZone: string;
  readonly clock: Clock;
  readonly log: Logger;
  #plugins: PluginHost | undefined;
  #coreContext: PluginContext | undefined;

  private constructor(options: StewardOptions, database: Database) {
    this.config = options.config;
    this.clock = options.clock ?? systemClock;
    this.log = options.log ?? silentLogger();
    this.timeZone = effectiveTimeZone(options.config);
    this.database = database;
    this.conversations = new ConversationStore(database, this.clock);
    const health = new HealthMonitor({
      probeTimeoutMs: options.config.models.health.timeoutMs,
      intervalMs: options.config.models.health.intervalMs,
      cooldownsMs: options.config.models.health.cooldownsMs,
      clock: this.clock,
      log: this.log,
    });
    this.router = new ModelRouter(options.config, resolveProviders(options.config), health, this.log);
    this.tiers = new TierSelector(options.config.models.routing, this.router, this.log);
    this.turns = new TurnStore(database);
    this.memory = Memory.create({
      database,
      config: options.config,
      clock: this.clock,
      log: this.log,
      router: this.router,
      conversations: this.conversations,
    });
    this.signalTransport = createSignalTransport(options.config);
    const senders = new Map<string, ChannelSender>();
    const transport = this.signalTransport;
    if (transport !== undefined) senders.set('signal', (recipients, text) => transport.send(recipients, text));
    this.outbox = new Outbox(database, this.clock, senders);
  }

  /**
   * Open the database (migrating it), load the plugins and get ready.
   * @param options - configuration, clock, logger
   * @returns a ready Steward; call {@link close} when done
   * @throws SqliteError when the database cannot be opened or migrated
   */
  static async open(options: StewardOptions): Promise<Steward> {
    const database = openDatabase(options.config.dataDir);
    try {
      applyMigrations(database, readCoreMigrations());
      const steward = new Steward(options, database);
      const plugins = await PluginHost.load({
        database,
        config: options.config,
        clock: steward.clock,
        timeZone: steward.timeZone,
        log: steward.log,
        // Plugins get these functions, never the Steward (whose config holds the API keys).
        services: createPluginServices({
          memory: steward.memory,
          composeBriefing: (kind, briefingOptions) => steward.composeBriefing(kind, briefingOptions),
          deliverToOwner: (message) => steward.deliverToOwner(message),
          deliveryProblem: () => missingSignalSettings(options.config),
        }),
        ...(options.pluginsDirectory === undefined ? {} : { directory: options.pluginsDirectory }),
        builtinCommands: builtinCommands(() => plugins.commands.list()),
      });
      steward.#plugins = plugins;
      steward.#coreContext = plugins.coreContext;
      return steward;
    } catch (error) {
      database.close();
      throw error;
    }
  }

  /** The plugin host. */
  get plugins(): PluginHost {
    if (this.#plugins === undefined) throw new Error('Steward is not open');
    return this.#plugins;
  }

  /** The owner's local calendar day, `YYYY-MM-DD`. */
  today(): string {
    return localDate(this.clock.now(), this.timeZone);
  }

  /**
   * Answer one message: store it, run a plugin command if the text is one
   * (no model needed), otherwise an agent turn on the fast tier with
   * fallback; then store the reply. Never throws for model or plugin
   * failures: those come back as a reply of kind `error`.
   *
   * @param message - the inbound message
   * @param options - session, cancellation and streaming callbacks
   * @returns the reply
   * @throws SqliteError if the database fails
   */
  async handle(message: InboundMessage, options: HandleOptions = {}): Promise<Reply> {
    const sessionId =
      options.sessionId ??
      this.conversations.resumeSession(message.channel, message.sender, this.config.memory.sessionIdleMinutes * 60_000);
    const directive = parseDirective(message.text);
    const text = directive.kind === 'turn' ? directive.text : message.text;
    const match = directive.kind === 'why' || directive.kind === 'bare' ? undefined : this.plugins.commands.match(text);
    // A command line is marked, so that memory (recall, embeddings) keeps to what the owner said, not what they typed to the grammar.
    const inboundMeta =
      directive.kind === 'turn'
        ? { tierOverride: directive.tier }
        : match !== undefined
          ? { command: `${match.plugin}:${match.command.name}` }
          : directive.kind === 'why'
            ? { command: 'core:why' }
            : undefined;
    const inbound = this.conversations.record({
      sessionId,
      channel: message.channel,
      sender: message.sender,
      role: 'user',
      text,
      ...(inboundMeta === undefined ? {} : { meta: inboundMeta }),
    });
    this.memory.beginTurn(inbound.id);
    let reply: Reply;
    let turn: Omit<NewTurn, 'replyId'> | undefined;
    try {
      let meta: Record<string, unknown>;
      if (directive.kind === 'why') {
        meta = { command: 'core:why' };
        reply = { text: this.why(sessionId), kind: 'command', notices: [] };
      } else if (directive.kind === 'bare') {
        meta = { error: 'UsageError' };
        const tier = directive.tier;
        reply = {
          text: `Put your message after /${tier}, for example "/${tier} plan my week". (In the REPL, /${tier} alone sets the tier for the session.)`,
          kind: 'error',
          notices: [],
        };
      } else if (match !== undefined) {
        meta = { command: `${match.plugin}:${match.command.name}` };
        try {
          reply = {
            text: await this.plugins.runCommand(match, message, this.#context(), { color: options.color === true }),
            kind: 'command',
            notices: [],
          };
        } catch (error) {
          if (!(error instanceof StewardError)) throw error;
          reply = { text: error.message, kind: 'error', notices: [] };
          meta.error = error.name;
        }
      } else {
        ({ reply, turn } = await this.#agentTurn(
          message,
          text,
          sessionId,
          inbound.id,
          options,
          directive.kind === 'turn' ? directive.tier : undefined,
        ));
        meta =
          reply.via === undefined
            ? {}
            : {
                provider: reply.via.provider,
                tier: reply.via.tier,
                via: reply.via.kind,
                fallbackFrom: reply.via.fallbackFrom,
              };
        meta.tierSource = turn.decision.source;
        if (reply.notices.length > 0) meta.notices = reply.notices;
      }
      // Stored without colours: the history goes back to the model as plain text.
      const stored = this.conversations.record({
        sessionId,
        channel: message.channel,
        sender: 'steward',
        role: 'assistant',
        text: stripVTControlCharacters(reply.text),
        meta: { ...meta, kind: reply.kind },
      });
      if (turn !== undefined) this.turns.record({ ...turn, replyId: stored.id });
    } catch (error) {
      this.memory.afterTurn({ inboundId: inbound.id, kind: 'error', modelTurn: false });
      throw error;
    }
    this.memory.afterTurn({ inboundId: inbound.id, kind: reply.kind, modelTurn: turn !== undefined });
    return reply;
  }

  /**
   * The text of `/why`: how the last model turn of the session was routed
   * (or, when the session has none yet, the latest turn of any session).
   * @param sessionId - the session
   */
  why(sessionId: number): string {
    const own = this.turns.lastOfSession(sessionId);
    if (own !== undefined) return formatWhy(own, { timeZone: this.timeZone });
    const latest = this.turns.last();
    return formatWhy(latest, {
      timeZone: this.timeZone,
      ...(latest === undefined ? {} : { note: '(an earlier conversation)' }),
    });
  }

  async #agentTurn(
    message: InboundMessage,
    messageText: string,
    sessionId: number,
    inboundId: number,
    options: HandleOptions,
    turnOverride: Tier | undefined,
  ): Promise<{ reply: Reply; turn: Omit<NewTurn, 'replyId'> }> {
    const started = performance.now();
    const startedAt = toTimestamp(this.clock.now());
    const notices: string[] = [];
    const decision = await this.tiers.decide({
      text: messageText,
      turnOverride,
      sessionTier: options.sessionTier,
      callerTier: options.tier === undefined ? undefined : { tier: options.tier, reason: 'asked for by the caller' },
      signal: options.signal,
    });
    const tier = decision.tier;
    const base = { purpose: 'chat' as const, sessionId, inboundId, channel: message.channel, decision, startedAt };
    // Set by the attempt that answers (TypeScript cannot see assignments inside the callback).
    let firstTokenAt = null as number | null;
    // No provider can take the turn (none configured, or only cloud ones with allowCloud=false):
    // the router says so at once, so recall and the query embedding are not paid for.
    const noProvider = this.router.chain(tier).candidates.length === 0;
    const { systemPrompt, history, text } = noProvider
      ? { systemPrompt: '', history: [], text: messageText }
      : await assembleTurnContext(
          {
            conversations: this.conversations,
            plugins: this.plugins,
            memory: this.memory,
            clock: this.clock,
            timeZone: this.timeZone,
            historyMessages: this.config.agent.historyMessages,
            budgetTokens: this.config.memory.contextTokens,
          },
          { sessionId, inboundId, text: messageText, signal: options.signal },
        );
    // Tools that ran in this turn: a provider that fails after a tool call must not make the next
    // provider do it again (a check-in twice, progress added twice).
    const ledger: Array<{ name: string; args: string; result: string }> = [];
    const tools = this.plugins.tools().map((hosted) => ({
      ...hosted,
      run: async (args: unknown): Promise<string> => {
        const key = JSON.stringify(args ?? {});
        const done = ledger.find((entry) => entry.name === hosted.tool.name && entry.args === key);
        if (done !== undefined) return `(already done earlier in this turn; not repeated) ${done.result}`;
        const result = await hosted.run(args);
        ledger.push({ name: hosted.tool.name, args: key, result });
        return result;
      },
    }));
    try {
      const routed = await this.router.run(
        tier,
        async (provider, attempt) => {
          let attemptFirstToken: number | null = null;
          const carriedOut =
            ledger.length === 0
              ? ''
              : `\n\nEarlier in this turn, before another model failed, these tool calls were already carried out. Do not call them again; tell the owner what was done:\n${ledger.map((entry) => `- ${entry.name}(${entry.args}) → ${entry.result}`).join('\n')}`;
          try {
            const result = await runAgentTurn({
              provider,
              systemPrompt: systemPrompt + carriedOut,
              history,
              text,
              tools,
              temperature: this.config.models.temperature,
              signal: attempt.signal,
              meter: attempt.meter,
              log: this.log,
              onToken: (token) => {
                attemptFirstToken ??= performance.now();
                options.onToken?.(token);
              },
            });
            firstTokenAt = attemptFirstToken;
            return result;
          } catch (error) {
            if (attemptFirstToken !== null && options.signal?.aborted !== true) {
              const reason = classifyProviderError(error, provider.id, provider.timeoutMs).message;
              const chain = this.router.chain(tier).candidates.map((candidate) => candidate.id);
              const more = chain.indexOf(provider.id) < chain.length - 1;
              const notice = `${provider.id} stopped mid-reply (${reason}); ${more ? 'the answer restarts on the next provider.' : 'no other provider is left, so that partial answer is dropped.'}`;
              notices.push(notice);
              options.onNotice?.(notice);
            }
            throw error;
          }
        },
        { signal: options.signal },
      );
      const via: ReplyVia = {
        provider: routed.provider.id,
        tier,
        kind: routed.provider.kind,
        fallbackFrom: routed.fallbackFrom,
      };
      return {
        reply: { text: routed.value.text, kind: 'agent', via, notices },
        turn: answeredTurn(base, routed, { startedMs: started, firstTokenMs: firstTokenAt, notices }),
      };
    } catch (error) {
      const cancelled = options.signal?.aborted === true;
      if (!cancelled && !(error instanceof NoModelAvailableError)) throw error;
      const turn = unansweredTurn(base, cancelled ? 'cancelled' : 'failed', error, { startedMs: started, notices });
      return { reply: { text: turn.error ?? '(cancelled)', kind: cancelled ? 'cancelled' : 'error', notices }, turn };
    }
  }

  #context(): PluginContext {
    if (this.#coreContext === undefined) throw new Error('Steward is not open');
    return this.#coreContext;
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
      router: this.router,
      temperature: this.config.models.temperature,
      log: this.log,
      signal: options.signal,
      recordTurn: (turn) => this.turns.record({ ...turn, startedAt }),
    });
  }

  /**
   * Queue a message for the owner in the outbox and deliver it on Signal now.
   * Texts over 4000 characters become several parts, each with its own key.
   * The message is stored in `messages` (kind `outbound`) once per key, when
   * it is queued, so a message the outbox delivers later on a retry is
   * stored too; its delivery state is the outbox row's.
   * @param message - idempotency key and text
   * @param options - `retry: false` gives the message up when this send fails (a manual
   *   `steward briefing morning`: the owner sees the error and runs it again), instead of
   *   leaving it to the daemon's retries (default true)
   * @returns `sent`, or `already-sent` when the key went out before
   * @throws DeliveryError when Signal is not configured (nothing is queued) or the send fails (the message stays queued, unless `retry` is false)
   */
  async deliverToOwner(message: OutboundMessage, options: { retry?: boolean } = {}): Promise<DeliveryResult> {
    const missing = missingSignalSettings(this.config);
    if (missing !== undefined) throw new DeliveryError(missing, { channel: 'signal', retryable: false });
    const known = this.database
      .prepare<[string], { id: number }>(
        "SELECT id FROM messages WHERE json_extract(meta, '$.idempotencyKey') = ? LIMIT 1",
      )
      .get(message.idempotencyKey);
    if (known === undefined) {
      this.conversations.record({
        sessionId: null,
        channel: 'signal',
        sender: 'steward',
        role: 'assistant',
        text: message.text,
        meta: { kind: 'outbound', idempotencyKey: message.idempotencyKey, recipients: this.config.signal.to },
      });
    }
    try {
      const { status, firstId } = await this.outbox.send({
        idempotencyKey: message.idempotencyKey,
        channel: 'signal',
        recipients: this.config.signal.to,
        text: message.text,
      });
      return { status, outboxId: firstId };
    } catch (error) {
      if (options.retry === false && error instanceof DeliveryError) {
        this.outbox.giveUp(message.idempotencyKey, 'a manual send is not retried; run it again');
        throw new DeliveryError(error.message, { channel: error.channel, retryable: false }, { cause: error });
      }
      throw error;
    }
  }

  /**
   * Probe the providers now (for /status and doctor). Cloud providers are
   * probed always with `cloud: 'always'` (doctor), and otherwise only when
   * no local provider is up (/status: the cloud gets no request while a
   * local model serves); never while models.allowCloud is false. An open
   * breaker is left to finish its cooldown.
   * @param options - `cloud`: `always` or `when-needed` (default)
   */
  async probeProviders(options: { cloud?: 'always' | 'when-needed' } = {}): Promise<void> {
    const usable = (kind: 'local' | 'cloud'): ModelProvider[] =>
      this.router
        .providers()
        .filter(
          (provider) =>
            provider.kind === kind &&
            this.router.disabledReason(provider) === undefined &&
            this.router.health.health(provider).state !== 'open',
        );
    const local = usable('local');
    await Promise.all(local.map((provider) => this.router.health.probe(provider)));
    const localUp = local.some((provider) => this.router.health.health(provider).state === 'closed');
    if (options.cloud === 'always' || !localUp)
      await Promise.all(usable('cloud').map((provider) => this.router.health.probe(provider)));
  }

  /** What `/status` and `steward doctor` show. */
  status(): StatusReport {
    const usage = this.turns.usage();
    return {
      generatedAt: this.clock.now().getTime(),
      databaseFile: join(this.config.dataDir, DATABASE_FILE),
      timeZone: this.timeZone,
      providers: this.router.providers().map((provider) => ({
        provider,
        health: this.router.health.health(provider),
        usage: usage.get(provider.id) ?? { turns: 0, requests: 0 },
        recordedFailure: this.turns.lastFailure(provider.id),
        disabled: this.router.disabledReason(provider),
      })),
      plugins: this.plugins.active.map((entry) => entry.plugin.name),
      pluginFailures: this.plugins.failures,
      signal: {
        api: this.config.signal.api,
        url: this.config.signal.url,
        to: this.config.signal.to,
        missing: missingSignalSettings(this.config),
      },
      memory: this.memory.status(),
    };
  }

  /** Stop background work, run plugin teardowns and close the database. */
  async close(): Promise<void> {
    this.router.health.stop();
    await this.memory.close();
    await this.#plugins?.teardown();
    if (this.database.open) this.database.close();
  }
}
