import type { StewardConfig } from '../config/schema.js';
import { getKey, withKey, type UserConfig } from '../config/user-file.js';
import type { ModelChoice } from './propose.js';

/**
 * What `steward init` chooses, read from and written to the config: the
 * two local tiers, the embedder and Signal. `null` is "none" (the offline
 * embedder, no local tier, Signal off); undefined is "not decided".
 */

/** Signal as `steward init` sets it up. */
export interface SignalChoice {
  /** Base URL of the signal-cli HTTP daemon or of the REST API. */
  url: string;
  /** `jsonrpc` or `rest`. */
  api: 'jsonrpc' | 'rest';
  /** The assistant's own number, or null (the JSON-RPC daemon of one account needs none). */
  account: string | null;
  /** The owner's numbers. */
  to: string[];
}

/** The choices of `steward init`. */
export interface SetupChoices {
  /** The local fast tier. */
  fast: ModelChoice | null;
  /** The local quality tier. */
  quality: ModelChoice | null;
  /** The HTTP embedder (null: the offline one). */
  embeddings: ModelChoice | null;
  /** Signal. */
  signal: SignalChoice | null;
}

/** The slots of {@link SetupChoices} that are models. */
export type ModelSlot = 'fast' | 'quality' | 'embeddings';

/**
 * The choices a configuration holds now.
 * @param config - the loaded configuration (every layer)
 */
export function choicesOf(config: StewardConfig): SetupChoices {
  const tier = (local: { baseUrl: string | null; model: string | null }): ModelChoice | null =>
    local.baseUrl === null ? null : { baseUrl: local.baseUrl, model: local.model };
  const { signal } = config;
  return {
    fast: tier(config.models.local.fast),
    quality: tier(config.models.local.quality),
    embeddings:
      config.embeddings.url === null ? null : { baseUrl: config.embeddings.url, model: config.embeddings.model },
    signal:
      signal.url === null ? null : { url: signal.url, api: signal.api, account: signal.account, to: [...signal.to] },
  };
}

/** The config keys of each choice, in the order they are shown. */
const KEYS: Record<keyof SetupChoices, readonly string[]> = {
  fast: ['models.local.fast.baseUrl', 'models.local.fast.model'],
  quality: ['models.local.quality.baseUrl', 'models.local.quality.model'],
  embeddings: ['embeddings.url', 'embeddings.model'],
  signal: ['signal.url', 'signal.api', 'signal.account', 'signal.to'],
};

function valuesOf(slot: keyof SetupChoices, choices: SetupChoices): unknown[] {
  if (slot === 'signal') {
    const signal = choices.signal;
    return signal === null ? [null, 'jsonrpc', null, []] : [signal.url, signal.api, signal.account, signal.to];
  }
  const choice = choices[slot];
  return choice === null ? [null, null] : [choice.baseUrl, choice.model];
}

/** One key `steward init` changes. */
export interface ChangedKey {
  /** Dotted key. */
  key: string;
  /** Its value before (in effect). */
  before: unknown;
  /** Its new value. */
  after: unknown;
}

/**
 * Write the choices that differ from what is in effect into the user
 * config, leaving every other key of it as it was.
 * @param user - the user config file's object (not changed)
 * @param before - the choices in effect now
 * @param after - the new choices
 * @returns the new user config and the keys that changed
 */
export function applyChoices(
  user: UserConfig,
  before: SetupChoices,
  after: SetupChoices,
): { user: UserConfig; changed: ChangedKey[] } {
  let next = user;
  const changed: ChangedKey[] = [];
  for (const slot of Object.keys(KEYS) as Array<keyof SetupChoices>) {
    const old = valuesOf(slot, before);
    const values = valuesOf(slot, after);
    KEYS[slot].forEach((key, index) => {
      const value = values[index];
      if (JSON.stringify(value) === JSON.stringify(old[index]) && getKey(user, key) === undefined) return;
      if (JSON.stringify(value) !== JSON.stringify(old[index])) changed.push({ key, before: old[index], after: value });
      next = withKey(next, key, value);
    });
  }
  return { user: next, changed };
}

/**
 * A model choice in words: `qwen3:8b at http://127.0.0.1:11434/v1`, or `none`.
 * @param choice - the choice, null or undefined for none
 */
export function describeChoice(choice: ModelChoice | null | undefined): string {
  if (choice === null || choice === undefined) return 'none';
  return `${choice.model ?? "the server's model"} at ${choice.baseUrl}`;
}
