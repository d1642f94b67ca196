import { describe, expect, it } from 'vitest';
import type { PluginCommand } from '../../src/plugins/api.js';
import { CommandRouter } from '../../src/plugins/commands.js';

function command(name: string, phrases: string[], args: PluginCommand['args']): PluginCommand {
  return { name, phrases, usage: name, description: name, args, handler: () => name };
}

describe('CommandRouter', () => {
  const router = new CommandRouter([
    { plugin: 'habits', command: command('check-in', ['check in'], 'required') },
    { plugin: 'habits', command: command('habit-stats', ['habit stats'], 'optional') },
    { plugin: 'goals', command: command('goals', ['goals'], 'none') },
    { plugin: 'goals', command: command('goal-review', ['goal review'], 'none') },
    { plugin: 'other', command: command('dup', ['goals'], 'none') },
  ]);

  it('matches a phrase at the start, in any case, with its arguments', () => {
    expect(router.match('Check In  meditation ')).toMatchObject({
      plugin: 'habits',
      phrase: 'check in',
      args: 'meditation',
    });
    expect(router.match('check in meditation.')).toMatchObject({ args: 'meditation' });
    expect(router.match('habit stats')).toMatchObject({ phrase: 'habit stats', args: '' });
  });

  it('does not match inside a word or in the middle of a sentence', () => {
    expect(router.match('checking in later')).toBeUndefined();
    expect(router.match('can you check in meditation')).toBeUndefined();
  });

  it('sends text after an argument-less phrase to the agent', () => {
    expect(router.match('goals')).toMatchObject({ plugin: 'goals' });
    expect(router.match('goals are hard to keep, any advice?')).toBeUndefined();
  });

  it('reports a phrase claimed twice and keeps the first', () => {
    expect(router.conflicts).toEqual([{ phrase: 'goals', kept: 'goals', dropped: 'other' }]);
    expect(router.list().map((entry) => entry.command.name)).toEqual([
      'check-in',
      'habit-stats',
      'goals',
      'goal-review',
    ]);
  });
});
