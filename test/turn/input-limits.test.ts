import { afterEach, describe, expect, it } from 'vitest';
import { openTestSteward, type TestSteward } from '../support/steward.js';

/**
 * Issue 10, item 7: nothing bounded input size. `check in <1 MB>` took
 * 166 s with 101 habits (name matching cost the input's length times the
 * words of every name). Each piece of input now has a configurable limit,
 * checked before any work that grows with it, with a one-line message.
 */
describe('input limits', () => {
  let opened: TestSteward | undefined;
  afterEach(async () => {
    await opened?.close();
    opened = undefined;
  });

  function count(test: TestSteward, sql: string): number {
    return (test.steward.database.prepare(sql).get() as { count: number }).count;
  }

  it('refuses a 1 MB command line at once, with 101 habits, and stores nothing', async () => {
    opened = await openTestSteward();
    for (let index = 0; index < 101; index += 1)
      await opened.say(`add habit ${['read', 'walk', 'stretch', 'journal'][index % 4]} practice ${index} daily`);
    const messages = count(opened, 'SELECT COUNT(*) AS count FROM messages');
    const reply = await opened.say(`check in ${'meditation '.repeat(100_000)}`);
    expect(reply.kind).toBe('error');
    expect(reply.text).toBe(
      'That message is longer than steward takes: at most 16000 characters (limits.commandLine in the config). Nothing was stored; send a shorter one.',
    );
    expect(count(opened, 'SELECT COUNT(*) AS count FROM messages')).toBe(messages);
    expect(count(opened, 'SELECT COUNT(*) AS count FROM habit_checkins')).toBe(0);
  });

  it('refuses names, titles and facts over their limits, naming the key, and keeps the rest working', async () => {
    opened = await openTestSteward({ overrides: { limits: { name: 40, fact: 60 } } });
    const long = 'a very long name that goes on and on and on';
    expect((await opened.say(`add habit ${long}`)).text).toBe(
      `That habit name is ${long.length} characters long; steward takes at most 40 (limits.name in the config).`,
    );
    expect((await opened.say(`set goal ${long}`)).text).toContain('That goal title is 43 characters long');
    await opened.say('add habit reading daily');
    await opened.say('set goal run a marathon');
    expect((await opened.say(`check in ${long}`)).text).toContain('That habit name is 43 characters long');
    expect((await opened.say(`show goal ${long}`)).text).toContain('That goal title is 43 characters long');
    expect((await opened.say(`add milestone marathon: ${long}`)).text).toContain(
      'That milestone title is 43 characters long',
    );
    const fact = `my favourite poem is ${'la '.repeat(20)}`;
    expect((await opened.say(`remember ${fact}`)).text).toMatch(
      /^That fact is \d+ characters long; steward takes at most 60 \(limits\.fact in the config\)\.$/,
    );
    expect((await opened.say('check in reading')).text).toContain('Checked in reading');
    expect(count(opened, 'SELECT COUNT(*) AS count FROM habits')).toBe(1);
    expect(count(opened, 'SELECT COUNT(*) AS count FROM goals')).toBe(1);
  });

  it('answers `remember ": "` with the usage, not the profile plugin’s internal error', async () => {
    opened = await openTestSteward();
    const reply = await opened.say('remember ": "');
    expect(reply.kind).toBe('error');
    expect(reply.text).toMatch(/^There is nothing to remember in ": ": say it in words\.\nusage: remember <fact>/);
    expect(reply.text).not.toContain('plugin');
  });
});
