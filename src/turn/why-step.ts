import type { TurnStore } from '../models/turns.js';
import { formatWhy } from '../models/why.js';
import type { TurnStep } from './compose.js';

/** Where `/why` reads the routed turns from. */
export type WhySource = Pick<TurnStore, 'lastOfSession' | 'last'>;

/**
 * The text of `/why`: how the last model turn of the session was routed
 * (or, when the session has none yet, the latest turn of any session).
 * @param turns - the stored model turns
 * @param sessionId - the session
 * @param timeZone - the owner's IANA zone (for the times shown)
 * @returns the lines `formatWhy` makes: tier and reason, provider, fallbacks, timings
 */
export function whyText(turns: WhySource, sessionId: number, timeZone: string): string {
  const own = turns.lastOfSession(sessionId);
  if (own !== undefined) return formatWhy(own, { timeZone });
  const latest = turns.last();
  return formatWhy(latest, { timeZone, ...(latest === undefined ? {} : { note: '(an earlier conversation)' }) });
}

/**
 * The step that answers `/why` (on every channel; the REPL has its own
 * `/why` that does not store a turn).
 * @param turns - the stored model turns
 * @param timeZone - the owner's IANA zone
 * @returns the step
 */
export function whyStep(turns: WhySource, timeZone: string): TurnStep {
  return async (turn, next) => {
    if (turn.directive.kind !== 'why') return next();
    turn.accept('core:why');
    turn.reply = { text: whyText(turns, turn.sessionId, timeZone), kind: 'command', notices: [] };
  };
}
