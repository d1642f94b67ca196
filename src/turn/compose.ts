import type { TurnState } from './state.js';

/**
 * One step of the turn pipeline: it answers the turn (sets `turn.reply`),
 * or passes it on with `next()`, or wraps the steps after it (runs code
 * before and after `await next()`). The middleware shape of grammY's
 * `Composer` and Hono's `compose.ts`.
 */
export type TurnStep = (turn: TurnState, next: () => Promise<void>) => Promise<void>;

/**
 * Compose steps into one: each step's `next()` runs the step after it;
 * `next()` after the last step does nothing.
 * @param steps - in the order a message meets them
 * @returns a function that runs the steps on a turn
 * @throws Error when a step calls `next()` twice (as Hono's `compose` does)
 */
export function compose(steps: readonly TurnStep[]): (turn: TurnState) => Promise<void> {
  return (turn) => {
    let reached = -1;
    const dispatch = async (position: number): Promise<void> => {
      if (position <= reached) throw new Error('next() called twice in one turn step');
      reached = position;
      const step = steps[position];
      if (step !== undefined) await step(turn, () => dispatch(position + 1));
    };
    return dispatch(0);
  };
}
