import type { ModelSlot, SetupChoices, SignalChoice } from './choices.js';
import type { ModelChoice, Proposal } from './propose.js';
import { normaliseServerUrl, type FoundServer } from './servers.js';
import type { FoundSignal } from './signal.js';

/**
 * The choices of a `steward init` without prompts: a flag wins; else what
 * is set now stays (running init again changes only what you change);
 * else the proposal.
 */

/** The flags of `steward init` that set a choice; `none` clears one. */
export interface ChoiceFlags {
  /** `--fast-url`, `--fast-model`, ... */
  fastUrl?: string;
  fastModel?: string;
  qualityUrl?: string;
  qualityModel?: string;
  embeddingsUrl?: string;
  embeddingsModel?: string;
  /** `--signal-url`, `--signal-api`, `--signal-account`, `--signal-to` (comma separated). */
  signalUrl?: string;
  signalApi?: string;
  signalAccount?: string;
  signalTo?: string;
}

const NONE = /^(none|off|-)$/i;

/** The model a flag-given URL should use: the proposal's model when it is on that server, else the server's first of the right kind. */
function modelAt(baseUrl: string, slot: ModelSlot, servers: readonly FoundServer[], proposal: Proposal): string | null {
  const proposed = proposal[slot];
  if (proposed !== undefined && proposed.baseUrl === baseUrl) return proposed.model;
  const server = servers.find((candidate) => candidate.baseUrl === baseUrl);
  if (server === undefined || server.omitModel) return null;
  const wanted = slot === 'embeddings' ? 'embedding' : 'chat';
  return server.models.find((model) => model.kind === wanted)?.id ?? null;
}

/**
 * One model slot decided from its flags, the current value and the proposal.
 * @param slot - fast, quality or embeddings
 * @param flags - `url` and `model` flags of that slot, if given
 * @param current - the value in effect now
 * @param found - the servers found and the proposal
 */
export function decideModel(
  slot: ModelSlot,
  flags: { url?: string | undefined; model?: string | undefined },
  current: ModelChoice | null,
  found: { servers: readonly FoundServer[]; proposal: Proposal },
): ModelChoice | null {
  if (flags.url !== undefined && NONE.test(flags.url)) return null;
  if (flags.url !== undefined) {
    const { baseUrl } = normaliseServerUrl(flags.url);
    return { baseUrl, model: flags.model ?? modelAt(baseUrl, slot, found.servers, found.proposal) };
  }
  const base = current ?? found.proposal[slot] ?? null;
  if (flags.model !== undefined) {
    if (base === null) return null;
    return { baseUrl: base.baseUrl, model: NONE.test(flags.model) ? null : flags.model };
  }
  return base;
}

/**
 * Signal decided from its flags, the current value and what was found.
 * @param flags - the signal flags
 * @param current - Signal as set now
 * @param found - the signal-cli found, if any
 * @returns the choice, or null when Signal stays off (no URL, or nobody to send to)
 */
export function decideSignal(
  flags: ChoiceFlags,
  current: SignalChoice | null,
  found: FoundSignal | undefined,
): SignalChoice | null {
  if (flags.signalUrl !== undefined && NONE.test(flags.signalUrl)) return null;
  const url = flags.signalUrl?.replace(/\/+$/, '') ?? current?.url ?? found?.url;
  if (url === undefined) return null;
  const sameAsFound = found !== undefined && found.url === url;
  const api =
    flags.signalApi === 'rest' || flags.signalApi === 'jsonrpc'
      ? flags.signalApi
      : sameAsFound
        ? found.api
        : (current?.api ?? 'jsonrpc');
  const account =
    flags.signalAccount ?? current?.account ?? (sameAsFound && found.accounts.length === 1 ? found.accounts[0] : null);
  const to =
    flags.signalTo
      ?.split(',')
      .map((number) => number.trim())
      .filter((number) => number !== '') ??
    current?.to ??
    [];
  if (to.length === 0) return null;
  return { url, api, account: account ?? null, to };
}

/**
 * Every choice of a `steward init` without prompts.
 * @param flags - the choice flags given
 * @param current - the choices in effect now
 * @param found - servers, proposal and signal-cli found
 */
export function decideAll(
  flags: ChoiceFlags,
  current: SetupChoices,
  found: { servers: readonly FoundServer[]; proposal: Proposal; signal: FoundSignal | undefined },
): SetupChoices {
  return {
    fast: decideModel('fast', { url: flags.fastUrl, model: flags.fastModel }, current.fast, found),
    quality: decideModel('quality', { url: flags.qualityUrl, model: flags.qualityModel }, current.quality, found),
    embeddings: decideModel(
      'embeddings',
      { url: flags.embeddingsUrl, model: flags.embeddingsModel },
      current.embeddings,
      found,
    ),
    signal: decideSignal(flags, current.signal, found.signal),
  };
}
