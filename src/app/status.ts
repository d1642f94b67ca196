import { join } from 'node:path';
import { missingSignalSettings } from '../channels/signal/index.js';
import type { StewardConfig } from '../config/schema.js';
import type { Memory, MemoryStatus } from '../memory/memory.js';
import type { ProviderHealth } from '../models/health.js';
import type { ModelProvider } from '../models/providers.js';
import type { ModelRouter } from '../models/router.js';
import type { ProviderUsage, RecordedFailure, TurnStore } from '../models/turns.js';
import type { PluginHost } from '../plugins/host.js';
import type { PluginFailure } from '../plugins/loader.js';
import { DATABASE_FILE } from '../shared/database.js';
import type { Clock } from '../shared/time.js';

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

/** Where {@link statusReport} reads from: the parts `Steward` wires. */
export interface StatusSources {
  /** The loaded configuration (`dataDir`, `signal.*`). */
  config: StewardConfig;
  /** The owner's IANA zone. */
  timeZone: string;
  /** Clock (the report's `generatedAt`). */
  clock: Clock;
  /** The model router: providers, their health and why one is off. */
  router: ModelRouter;
  /** Stored turns: requests served and the last failure per provider. */
  turns: TurnStore;
  /** The loaded plugins. */
  plugins: PluginHost;
  /** The memory engine. */
  memory: Pick<Memory, 'status'>;
}

/**
 * The path of the database file in a data directory.
 * @param config - the loaded configuration (`dataDir`)
 * @returns `<dataDir>/steward.db`
 */
export function databaseFile(config: StewardConfig): string {
  return join(config.dataDir, DATABASE_FILE);
}

/**
 * What `/status` and `steward doctor` show, read now (no request is made:
 * see {@link probeProviders} for fresh health).
 * @param sources - the wired parts
 * @returns the report
 */
export function statusReport(sources: StatusSources): StatusReport {
  const { config, router, turns } = sources;
  const usage = turns.usage();
  return {
    generatedAt: sources.clock.now().getTime(),
    databaseFile: databaseFile(config),
    timeZone: sources.timeZone,
    providers: router.providers().map((provider) => ({
      provider,
      health: router.health.health(provider),
      usage: usage.get(provider.id) ?? { turns: 0, requests: 0 },
      recordedFailure: turns.lastFailure(provider.id),
      disabled: router.disabledReason(provider),
    })),
    plugins: sources.plugins.active.map((entry) => entry.plugin.name),
    pluginFailures: sources.plugins.failures,
    signal: {
      api: config.signal.api,
      url: config.signal.url,
      to: config.signal.to,
      missing: missingSignalSettings(config),
    },
    memory: sources.memory.status(),
  };
}

/**
 * Probe the providers now (for /status and doctor). Cloud providers are
 * probed always with `cloud: 'always'` (doctor), and otherwise only when
 * no local provider is up (/status: the cloud gets no request while a
 * local model serves); never while models.allowCloud is false. An open
 * breaker is left to finish its cooldown.
 * @param router - the model router
 * @param options - `cloud`: `always` or `when-needed` (default)
 */
export async function probeProviders(
  router: ModelRouter,
  options: { cloud?: 'always' | 'when-needed' } = {},
): Promise<void> {
  const usable = (kind: 'local' | 'cloud'): ModelProvider[] =>
    router
      .providers()
      .filter(
        (provider) =>
          provider.kind === kind &&
          router.disabledReason(provider) === undefined &&
          router.health.health(provider).state !== 'open',
      );
  const local = usable('local');
  await Promise.all(local.map((provider) => router.health.probe(provider)));
  const localUp = local.some((provider) => router.health.health(provider).state === 'closed');
  if (options.cloud === 'always' || !localUp)
    await Promise.all(usable('cloud').map((provider) => router.health.probe(provider)));
}
