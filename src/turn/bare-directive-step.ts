import { UsageError } from '../shared/errors.js';
import type { TurnStep } from './compose.js';

/**
 * The step that answers a bare `/fast` or `/quality` (no message after it)
 * with a usage mistake: outside the REPL, where it sets the session's tier,
 * it has nothing to route.
 * @returns the step
 */
export function bareDirectiveStep(): TurnStep {
  return async (turn, next) => {
    if (turn.directive.kind !== 'bare') return next();
    const tier = turn.directive.tier;
    turn.accept();
    turn.errorName = UsageError.name;
    turn.reply = {
      text: `Put your message after /${tier}, for example "/${tier} plan my week". (In the REPL, /${tier} alone sets the tier for the session.)`,
      kind: 'error',
      notices: [],
    };
  };
}
