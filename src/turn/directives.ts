import type { Tier } from '../models/providers.js';

/**
 * A routing directive at the start of a message, understood on every
 * channel (REPL, `steward run`, Signal):
 * - `turn`: `/fast <message>` or `/quality <message>`: this one message on that tier;
 * - `bare`: `/fast` or `/quality` alone: in the REPL it sets the session's
 *   tier; elsewhere it is a usage mistake;
 * - `why`: `/why`: how the last model turn was routed;
 * - `none`: an ordinary message.
 */
export type Directive =
  | { kind: 'none'; text: string }
  | { kind: 'turn'; tier: Tier; text: string }
  | { kind: 'bare'; tier: Tier }
  | { kind: 'why' };

const TIER_PREFIX = /^\/(fast|quality)(?:\s+([\s\S]*))?$/i;
const WHY = /^\/why[.?!]?$/i;

/**
 * Read the directive of a message.
 * @param text - the message as typed
 * @returns the directive; for `turn`, `text` is the message without the prefix
 */
export function parseDirective(text: string): Directive {
  const trimmed = text.trim();
  if (WHY.test(trimmed)) return { kind: 'why' };
  const match = TIER_PREFIX.exec(trimmed);
  if (match === null) return { kind: 'none', text };
  const tier = (match[1] ?? 'fast').toLowerCase() as Tier;
  const rest = (match[2] ?? '').trim();
  return rest === '' ? { kind: 'bare', tier } : { kind: 'turn', tier, text: rest };
}
