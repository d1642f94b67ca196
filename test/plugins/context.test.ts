import { afterEach, describe, expect, it } from 'vitest';
import type { PluginContext } from '../../src/plugins/api.js';
import { openTestSteward, type TestSteward } from '../support/steward.js';

/** Secrets that a plugin must never be able to read; each is set where the owner would set it. */
const OPENAI_KEY = 'sk-canary-openai-7f3a9c2e5b1d4a60';
const EMBEDDINGS_KEY = 'canary-embeddings-key-91b2c3d4';
const PROVIDER_KEY = 'canary-provider-key-5e6f7a8b';

/** Everything reachable from `roots` by reading properties. */
interface Reachable {
  /** Every object and function reached. */
  objects: Set<object>;
  /** Every property key seen (own keys, string and symbol, of every object reached). */
  keys: Set<PropertyKey>;
  /** Every string value and string key seen. */
  strings: string[];
}

/**
 * Walk every property reachable from `roots`: own keys (strings and
 * symbols, enumerable or not), getters (read, and their functions too),
 * prototypes, and the entries of Maps and Sets. Functions are walked as
 * objects, never called: what a plugin gets by calling one is added as a
 * root by the test itself.
 */
function reachable(roots: readonly unknown[]): Reachable {
  const objects = new Set<object>();
  const keys = new Set<PropertyKey>();
  const strings: string[] = [];
  const queue: unknown[] = [...roots];
  while (queue.length > 0) {
    const value = queue.pop();
    if (typeof value === 'string') {
      strings.push(value);
      continue;
    }
    if ((typeof value !== 'object' && typeof value !== 'function') || value === null) continue;
    if (objects.has(value)) continue;
    objects.add(value);
    queue.push(Object.getPrototypeOf(value));
    for (const key of Reflect.ownKeys(value)) {
      keys.add(key);
      if (typeof key === 'string') strings.push(key);
      const descriptor = Reflect.getOwnPropertyDescriptor(value, key);
      if (descriptor === undefined) continue;
      if ('value' in descriptor) {
        queue.push(descriptor.value);
        continue;
      }
      queue.push(descriptor.get, descriptor.set);
      try {
        queue.push(Reflect.get(value, key));
      } catch (error) {
        // A getter that throws (Function.prototype.caller in strict mode): its error is reachable too.
        queue.push(error);
      }
    }
    if (value instanceof Map) for (const [key, entry] of value) queue.push(key, entry);
    if (value instanceof Set) for (const entry of value) queue.push(entry);
  }
  return { objects, keys, strings };
}

function leaks(found: Reachable): string[] {
  return [OPENAI_KEY, EMBEDDINGS_KEY, PROVIDER_KEY].filter((secret) =>
    found.strings.some((text) => text.includes(secret)),
  );
}

describe('what a plugin is given', () => {
  let opened: TestSteward | undefined;
  afterEach(async () => {
    await opened?.close();
    opened = undefined;
  });

  async function openWithSecrets(): Promise<TestSteward> {
    return openTestSteward({
      env: { OPENAI_API_KEY: OPENAI_KEY, STEWARD_EMBEDDINGS_URL: 'http://127.0.0.1:9/v1' },
      overrides: {
        embeddings: { apiKey: EMBEDDINGS_KEY, provider: 'offline' },
        models: {
          providers: [
            {
              id: 'studio',
              baseUrl: 'http://127.0.0.1:9/v1',
              model: 'm',
              tier: 'quality',
              kind: 'local',
              apiKey: PROVIDER_KEY,
            },
          ],
        },
      },
    });
  }

  it('holds no API key and nothing with close(), whatever a plugin walks, including the services and what they return', async () => {
    opened = await openWithSecrets();
    const { steward } = opened;
    // The secrets are in the configuration the core runs with.
    expect(opened.config.models.openai.apiKey).toBe(OPENAI_KEY);

    await opened.say('remember my coffee order is oat flat white');
    await opened.say('add habit meditation daily');
    const contexts: PluginContext[] = [
      ...steward.plugins.active.map((entry) => entry.context),
      steward.plugins.coreContext,
    ];
    expect(contexts.map((context) => context.name)).toEqual(['briefings', 'goals', 'habits', 'profile', 'core']);

    // What a plugin gets back by calling what it holds.
    const returned: unknown[] = [];
    for (const context of contexts) {
      const statement = context.store.prepare<[], { name: string }>('SELECT name FROM habits');
      returned.push(
        statement,
        statement.all(),
        statement.get(),
        context.store.transaction(() => 1),
      );
      returned.push(context.clock.now(), context.today(), context.store.exec('SELECT 1'));
      const memory = context.services.memory;
      returned.push(memory.facts.current(), memory.facts.history('coffee order'), memory.episodes(10));
      returned.push(await memory.recall('coffee'), context.services.deliveryProblem());
    }
    const found = reachable([...contexts, ...returned]);
    // The walk went through what the services returned (the fact, the recall hit).
    expect(found.strings.some((text) => text.includes('oat flat white'))).toBe(true);

    expect(leaks(found)).toEqual([]);
    expect(found.keys.has('close')).toBe(false);
    for (const forbidden of ['config', 'database', 'apiKey', 'models']) expect(found.keys.has(forbidden)).toBe(false);
    for (const core of [
      steward,
      steward.config,
      steward.database,
      steward.memory,
      steward.log,
      steward.providers,
      steward.outbox,
    ])
      expect(found.objects.has(core)).toBe(false);
    // Nothing a plugin holds can be swapped for something else.
    for (const context of contexts) {
      expect(Object.isFrozen(context)).toBe(true);
      expect(Object.isFrozen(context.services)).toBe(true);
      expect(Object.isFrozen(context.settings)).toBe(true);
    }
  });

  it('the walk finds the key and close() when they are reachable (the old context had both)', async () => {
    opened = await openWithSecrets();
    // What PluginContext held before: the whole config and the connection.
    const found = reachable([{ config: opened.config, database: opened.steward.database }]);
    expect(leaks(found)).toEqual([OPENAI_KEY, EMBEDDINGS_KEY, PROVIDER_KEY]);
    expect(found.keys.has('close')).toBe(true);
    // better-sqlite3 statements and transaction functions lead back to the connection: the store wraps them.
    const statement = opened.steward.database.prepare('SELECT 1');
    expect(reachable([statement]).objects.has(opened.steward.database)).toBe(true);
    expect(reachable([opened.steward.database.transaction(() => 1)]).objects.has(opened.steward.database)).toBe(true);
  });

  it('gives each plugin its own settings only, parsed and without "enabled"', async () => {
    opened = await openTestSteward({
      overrides: {
        plugins: { habits: { enabled: true, reminders: { lateMinutes: 15 } }, goals: { enabled: true } },
      },
    });
    const settingsOf = (name: string): unknown => opened?.steward.plugins.find(name)?.context.settings;
    expect(settingsOf('habits')).toEqual({ reminders: { enabled: true, cron: '* * * * *', lateMinutes: 15 } });
    expect(settingsOf('goals')).toEqual({});
    expect(settingsOf('briefings')).toMatchObject({ morning: { cron: '0 7 * * *' }, weekly: { cron: '0 18 * * 0' } });
    expect(settingsOf('profile')).toEqual({});
  });
});
