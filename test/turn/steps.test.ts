import { afterEach, describe, expect, it } from 'vitest';
import { applyMigrations, readCoreMigrations } from '../../src/memory/migrations.js';
import { TurnStore } from '../../src/models/turns.js';
import { CommandRouter } from '../../src/plugins/commands.js';
import { openDatabase } from '../../src/shared/database.js';
import { NotFoundError } from '../../src/shared/errors.js';
import { bareDirectiveStep } from '../../src/turn/bare-directive-step.js';
import { commandStep, type CommandGrammar } from '../../src/turn/command-step.js';
import type { TurnStep } from '../../src/turn/compose.js';
import { TurnState } from '../../src/turn/state.js';
import { whyStep } from '../../src/turn/why-step.js';
import { temporaryDataDir } from '../support/steward.js';

/** A turn whose accepted commands are listed in `accepted` (the inbound id is their count). */
function turn(
  text: string,
  options: { color?: boolean } = {},
): { state: TurnState; accepted: Array<string | undefined> } {
  const accepted: Array<string | undefined> = [];
  const state = new TurnState({
    message: { channel: 'repl', sender: 'owner', text, receivedAt: new Date() },
    options,
    sessionId: 1,
    store: (taken) => accepted.push(taken.command),
  });
  return { state, accepted };
}

/** Run one step alone; returns whether it passed the turn on. */
async function runStep(step: TurnStep, state: TurnState): Promise<boolean> {
  let passed = false;
  await step(state, () => {
    passed = true;
    return Promise.resolve();
  });
  return passed;
}

describe('the /why step', () => {
  const cleanups: Array<() => void> = [];
  afterEach(() => cleanups.splice(0).forEach((cleanup) => cleanup()));

  function turnStore(): TurnStore {
    const { dataDir, remove } = temporaryDataDir();
    const database = openDatabase(dataDir);
    applyMigrations(database, readCoreMigrations());
    cleanups.push(() => {
      database.close();
      remove();
    });
    return new TurnStore(database);
  }

  it('answers /why as the core:why command, from the stored model turns', async () => {
    const step = whyStep(turnStore(), 'UTC');
    const { state, accepted } = turn('/why');
    expect(await runStep(step, state)).toBe(false);
    expect(accepted).toEqual(['core:why']);
    expect(state.reply).toEqual({
      text: expect.stringContaining('No model turn yet') as string,
      kind: 'command',
      notices: [],
    });
  });

  it('passes anything else on, without storing it', async () => {
    const { state, accepted } = turn('why is the sky blue');
    expect(await runStep(whyStep(turnStore(), 'UTC'), state)).toBe(true);
    expect(accepted).toEqual([]);
    expect(state.reply).toBeUndefined();
  });
});

describe('the bare directive step', () => {
  it('answers a bare /quality with a usage mistake', async () => {
    const { state, accepted } = turn('/quality');
    expect(await runStep(bareDirectiveStep(), state)).toBe(false);
    expect(accepted).toEqual([undefined]);
    expect(state.errorName).toBe('UsageError');
    expect(state.reply?.kind).toBe('error');
    expect(state.reply?.text).toContain('Put your message after /quality, for example "/quality plan my week"');
  });

  it('passes a /fast with a message on', async () => {
    const { state } = turn('/fast plan my week');
    expect(await runStep(bareDirectiveStep(), state)).toBe(true);
  });
});

describe('the command step', () => {
  const router = new CommandRouter([
    {
      plugin: 'habits',
      command: {
        name: 'check-in',
        phrases: ['check in'],
        usage: 'check in <habit>',
        description: 'Record a habit',
        args: 'required',
        handler: () => 'unused: the grammar below runs the command',
      },
    },
  ]);

  function grammar(run: CommandGrammar['run']): CommandGrammar {
    return { match: (text) => router.match(text), suggest: (text) => router.suggest(text), run };
  }

  it('runs a command line, with the colour flag, and marks the message as that command', async () => {
    const runs: Array<{ args: string; color: boolean }> = [];
    const step = commandStep(
      grammar((match, _message, options) => {
        runs.push({ args: match.args, color: options.color });
        return Promise.resolve(`Checked in ${match.args}.`);
      }),
    );
    const { state, accepted } = turn('check in meditation', { color: true });
    expect(await runStep(step, state)).toBe(false);
    expect(runs).toEqual([{ args: 'meditation', color: true }]);
    expect(accepted).toEqual(['habits:check-in']);
    expect(state.reply).toEqual({ text: 'Checked in meditation.', kind: 'command', notices: [] });
  });

  it("turns the owner's mistake into a reply of kind error, named in the meta", async () => {
    const step = commandStep(grammar(() => Promise.reject(new NotFoundError('habit', 'medtation', ['meditation']))));
    const { state } = turn('check in medtation');
    await runStep(step, state);
    expect(state.reply).toEqual({
      text: 'No habit named "medtation". Did you mean: meditation?',
      kind: 'error',
      notices: [],
    });
    expect(state.errorName).toBe('NotFoundError');
  });

  it('throws a fault that is not a StewardError (the turn fails; it is not dressed up as a reply)', async () => {
    const step = commandStep(grammar(() => Promise.reject(new TypeError('cannot read properties of undefined'))));
    const { state, accepted } = turn('check in meditation');
    await expect(runStep(step, state)).rejects.toThrow(TypeError);
    expect(accepted).toEqual(['habits:check-in']);
    expect(state.reply).toBeUndefined();
  });

  it('passes a line that is not a command on to the model', async () => {
    const step = commandStep(grammar(() => Promise.reject(new Error('must not run'))));
    const { state, accepted } = turn('I checked in at the hotel');
    expect(await runStep(step, state)).toBe(true);
    expect(accepted).toEqual([]);
  });
});
