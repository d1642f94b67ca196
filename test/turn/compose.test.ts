import { describe, expect, it } from 'vitest';
import { compose, type TurnStep } from '../../src/turn/compose.js';
import { TurnState } from '../../src/turn/state.js';

function turn(text: string): TurnState {
  return new TurnState({
    message: { channel: 'repl', sender: 'owner', text, receivedAt: new Date() },
    options: {},
    sessionId: 1,
    store: () => 1,
  });
}

describe('compose (the turn pipeline, in the manner of Hono compose.ts)', () => {
  it('runs the steps in order, each wrapping the ones after it', async () => {
    const seen: string[] = [];
    const wrap =
      (name: string): TurnStep =>
      async (_turn, next) => {
        seen.push(`${name} before`);
        await next();
        seen.push(`${name} after`);
      };
    await compose([wrap('outer'), wrap('inner')])(turn('hello'));
    expect(seen).toEqual(['outer before', 'inner before', 'inner after', 'outer after']);
  });

  it('stops at the step that answers: later steps never see the turn', async () => {
    const seen: string[] = [];
    const answers: TurnStep = (current) => {
      seen.push('answers');
      current.reply = { text: 'done', kind: 'command', notices: [] };
      return Promise.resolve();
    };
    const never: TurnStep = () => {
      seen.push('never');
      return Promise.resolve();
    };
    const state = turn('hello');
    await compose([answers, never])(state);
    expect(seen).toEqual(['answers']);
    expect(state.reply?.text).toBe('done');
  });

  it('refuses a step that calls next() twice', async () => {
    const twice: TurnStep = async (_turn, next) => {
      await next();
      await next();
    };
    await expect(compose([twice, () => Promise.resolve()])(turn('hello'))).rejects.toThrow('next() called twice');
  });

  it('lets an error of a later step reach the step that wraps it', async () => {
    const caught: unknown[] = [];
    const boundary: TurnStep = async (_turn, next) => {
      try {
        await next();
      } catch (error) {
        caught.push(error);
      }
    };
    const fails: TurnStep = () => Promise.reject(new Error('database is locked'));
    await compose([boundary, fails])(turn('hello'));
    expect(caught).toHaveLength(1);
    expect(String(caught[0])).toContain('database is locked');
  });
});

describe('TurnState', () => {
  it('reads the directive and answers the text without its /fast or /quality prefix', () => {
    const state = turn('/quality plan my week');
    expect(state.directive).toEqual({ kind: 'turn', tier: 'quality', text: 'plan my week' });
    expect(state.text).toBe('plan my week');
    expect(turn('check in meditation').text).toBe('check in meditation');
  });

  it('stores the message once, when a step accepts it, with the command that takes it', () => {
    const stored: Array<string | undefined> = [];
    const state = new TurnState({
      message: { channel: 'signal', sender: '+15551112222', text: 'check in meditation', receivedAt: new Date() },
      options: {},
      sessionId: 7,
      store: (accepted) => {
        stored.push(accepted.command);
        return 42;
      },
    });
    expect(state.inboundId).toBeUndefined();
    expect(state.accept('habits:checkin')).toBe(42);
    expect(state.inboundId).toBe(42);
    expect(stored).toEqual(['habits:checkin']);
    expect(() => state.accept()).toThrow('accepted twice');
  });
});
