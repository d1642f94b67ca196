import type { Episode } from '../memory/episodes.js';
import type { Fact, FactStore } from '../memory/facts.js';
import type { RecallOptions, RecallResult } from '../memory/recall.js';
import type { Database } from '../shared/database.js';
import type { Logger } from '../shared/log.js';
import { localDate, type Clock, type IsoDate } from '../shared/time.js';
import type { PluginContext, PluginLimits, PluginServices } from './api.js';
import type {
  PluginLogFunction,
  PluginLogger,
  PluginMemory,
  PluginStore,
  StoreRunResult,
  StoreStatement,
  StoreTransaction,
} from './context-api.js';

/**
 * The adapters behind a plugin's context, built when the plugins load: each
 * handle is a frozen object of closures over the core object it serves, so
 * that walking a context's properties never reaches the connection, the
 * configuration, the memory engine or anything with `close()` (the
 * capability idea of an object-capability API: a plugin holds only what it
 * was handed).
 */

/**
 * A store handle on `database`: `prepare`, `exec` and `transaction`, with
 * statements and transaction functions wrapped, since better-sqlite3's carry
 * a `database` property that leads back to the connection.
 * @param database - the open, migrated database
 * @returns the handle
 */
export function createPluginStore(database: Database): PluginStore {
  return Object.freeze({
    prepare<Parameters extends unknown[] = unknown[], Row = unknown>(sql: string): StoreStatement<Parameters, Row> {
      const statement = database.prepare<Parameters, Row>(sql);
      return Object.freeze({
        run: (...parameters: Parameters): StoreRunResult => {
          const { changes, lastInsertRowid } = statement.run(...parameters);
          return { changes, lastInsertRowid };
        },
        get: (...parameters: Parameters): Row | undefined => statement.get(...parameters),
        all: (...parameters: Parameters): Row[] => statement.all(...parameters),
      });
    },
    exec(sql: string): void {
      database.exec(sql);
    },
    transaction<Arguments extends unknown[], Result>(
      run: (...args: Arguments) => Result,
    ): StoreTransaction<Arguments, Result> {
      const transaction = database.transaction(run);
      // Every write transaction is IMMEDIATE, so it waits out the busy timeout (see StoreTransaction).
      const immediate = (...args: Arguments): Result => transaction.immediate(...args);
      return Object.freeze(Object.assign((...args: Arguments): Result => immediate(...args), { immediate }));
    },
  });
}

/**
 * A logger for one plugin: a pino child bound to `{ plugin: name }`,
 * behind four functions (pino's own object reaches its streams).
 * @param log - the parent logger
 * @param name - the plugin's name
 */
export function createPluginLogger(log: Logger, name: string): PluginLogger {
  const child = log.child({ plugin: name });
  const level =
    (write: 'debug' | 'info' | 'warn' | 'error'): PluginLogFunction =>
    (fieldsOrMessage, message) => {
      if (typeof fieldsOrMessage === 'string') child[write](fieldsOrMessage);
      else child[write](fieldsOrMessage, message);
    };
  return Object.freeze({ debug: level('debug'), info: level('info'), warn: level('warn'), error: level('error') });
}

/** What {@link createPluginMemory} needs of the memory engine (`Memory` has it). */
export interface MemoryForPlugins {
  /** Hybrid recall. */
  recall(text: string, options?: RecallOptions): Promise<RecallResult>;
  /** Retire a fact, with its vectors. */
  forget(fact: Fact, messageId: number | null): Fact;
  /** The semantic profile. */
  readonly facts: Pick<FactStore, 'reconcile' | 'current' | 'history' | 'audit' | 'resolve'>;
  /** Episode summaries. */
  readonly episodes: { latest(limit: number, options?: { since?: string | undefined }): Episode[] };
}

/**
 * The plugins' view of memory: recall, the profile and recent episodes.
 * @param memory - the memory engine
 */
export function createPluginMemory(memory: MemoryForPlugins): PluginMemory {
  const facts = memory.facts;
  return Object.freeze({
    recall: (text: string, options: { limit?: number; signal?: AbortSignal } = {}) =>
      memory.recall(text, { limit: options.limit, signal: options.signal }),
    facts: Object.freeze({
      reconcile: (candidate: Parameters<typeof facts.reconcile>[0]) => facts.reconcile(candidate),
      current: (minConfidence?: number) => facts.current(minConfidence),
      history: (key: string) => facts.history(key),
      audit: (factIds: readonly number[]) => facts.audit(factIds),
      resolve: (query: string) => facts.resolve(query),
      forget: (fact: Fact) => memory.forget(fact, null),
    }),
    episodes: (limit: number, options: { since?: string } = {}) =>
      memory.episodes.latest(limit, { since: options.since }),
  });
}

/** What {@link createPluginServices} wraps. */
export interface PluginServiceParts {
  /** The memory engine. */
  memory: MemoryForPlugins;
  /** Builds a briefing. */
  composeBriefing: PluginServices['composeBriefing'];
  /** Queues and sends a message to the owner. */
  deliverToOwner: PluginServices['deliverToOwner'];
  /** Why nothing can be delivered to the owner now, or undefined. */
  deliveryProblem: PluginServices['deliveryProblem'];
}

/**
 * The core services every plugin shares, each a function that passes on
 * only what the API names.
 * @param parts - the core functions and the memory engine
 */
export function createPluginServices(parts: PluginServiceParts): PluginServices {
  return Object.freeze({
    composeBriefing: (...args: Parameters<PluginServices['composeBriefing']>) => parts.composeBriefing(...args),
    deliverToOwner: ({ idempotencyKey, text, topic }: Parameters<PluginServices['deliverToOwner']>[0]) =>
      parts.deliverToOwner({ idempotencyKey, text, ...(topic === undefined ? {} : { topic }) }),
    deliveryProblem: () => parts.deliveryProblem(),
    memory: createPluginMemory(parts.memory),
  });
}

/** What {@link createPluginContext} puts together. */
export interface PluginContextParts {
  /** The plugin's name. */
  name: string;
  /** Its parsed settings. */
  settings: Record<string, unknown>;
  /** The database, for the store handle. */
  database: Database;
  /** Source of the current instant. */
  clock: Clock;
  /** The owner's IANA zone. */
  timeZone: string;
  /** The input limits plugins enforce (`limits.name`, `limits.fact`). */
  limits: PluginLimits;
  /** Parent logger. */
  log: Logger;
  /** The shared services. */
  services: PluginServices;
}

/**
 * One plugin's context, frozen.
 * @param parts - name, settings, database, clock, zone, logger and services
 */
export function createPluginContext(parts: PluginContextParts): PluginContext {
  const clock = parts.clock;
  const timeZone = parts.timeZone;
  return Object.freeze({
    name: parts.name,
    settings: Object.freeze(parts.settings),
    store: createPluginStore(parts.database),
    clock: Object.freeze({ now: (): Date => clock.now() }),
    timeZone,
    today: (): IsoDate => localDate(clock.now(), timeZone),
    limits: Object.freeze({ ...parts.limits }),
    log: createPluginLogger(parts.log, parts.name),
    services: parts.services,
  });
}
