import { afterEach, describe, expect, it } from 'vitest';
import { manualClock, openTestSteward, type TestSteward } from '../../support/steward.js';

describe('habits plugin through the pipeline', () => {
  let opened: TestSteward | undefined;
  afterEach(async () => {
    await opened?.close();
    opened = undefined;
  });

  function checkins(): Array<{ day: string }> {
    return (opened as TestSteward).steward.database.prepare('SELECT day FROM habit_checkins ORDER BY day').all() as Array<{ day: string }>;
  }

  it('adds a habit, checks in, and reports the streak, without any model', async () => {
    const clock = manualClock('2026-11-21T08:00:00Z');
    opened = await openTestSteward({ clock });
    expect((await opened.say('add habit meditation daily')).text).toBe('Added habit meditation (daily). Check in with "check in meditation".');
    expect((await opened.say('check in meditation yesterday')).text).toContain('Checked in meditation for yesterday. Streak: 1 day');
    const reply = await opened.say('check in meditation');
    expect(reply.kind).toBe('command');
    expect(reply.text).toBe('Checked in meditation for today. Streak: 2 days (best 2 days).');
    expect(checkins()).toEqual([{ day: '2026-11-20' }, { day: '2026-11-21' }]);

    const again = await opened.say('check in meditation');
    expect(again.text).toContain('already checked in for today; nothing changed');
    expect(checkins()).toHaveLength(2);

    const stats = await opened.say('habit stats');
    expect(stats.text).toContain('meditation (daily)');
    expect(stats.text).toContain('streak 2 days');
    expect(stats.text).toContain('last 7 days .....##  2/7');
  });

  it('gives the closest names for an unknown habit and writes nothing', async () => {
    opened = await openTestSteward();
    await opened.say('add habit meditation daily');
    const reply = await opened.say('check in meditatoin plus');
    expect(reply.kind).toBe('error');
    expect(reply.text).toBe('No habit named "meditatoin plus". Did you mean: meditation?');
    expect(checkins()).toEqual([]);
  });

  it('accepts a small typo when it can only mean one habit', async () => {
    opened = await openTestSteward();
    await opened.say('add habit meditation daily');
    expect((await opened.say('check in meditaton')).text).toContain('Checked in meditation');
  });

  it('uses the owner\'s local day: a check-in at 07:30 in Singapore is on the local date, not the UTC one', async () => {
    // 2026-11-20T23:30Z is 2026-11-21 07:30 in Asia/Singapore (UTC+8)
    const clock = manualClock('2026-11-20T23:30:00Z');
    opened = await openTestSteward({ clock, env: { STEWARD_TIMEZONE: 'Asia/Singapore' } });
    await opened.say('add habit run daily');
    await opened.say('check in run');
    expect(checkins()).toEqual([{ day: '2026-11-21' }]);
    clock.set('2026-11-21T15:59:00Z'); // 23:59 local, same day
    expect((await opened.say('check in run')).text).toContain('already checked in for today');
    clock.set('2026-11-21T16:01:00Z'); // 00:01 local on the 22nd
    expect((await opened.say('check in run')).text).toContain('Streak: 2 days');
  });

  it('refuses a future day and a malformed command, writing nothing', async () => {
    opened = await openTestSteward();
    await opened.say('add habit read daily');
    expect((await opened.say('check in read 2030-01-01')).text).toContain('in the future');
    expect((await opened.say('add habit daily')).text).toContain('usage: add habit <name>');
    expect((await opened.say('add habit read daily')).text).toContain('already have a habit named "read"');
    expect(checkins()).toEqual([]);
  });
});
