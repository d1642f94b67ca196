import { afterEach, describe, expect, it } from 'vitest';
import { manualClock, openTestSteward, type TestSteward } from '../../support/steward.js';

/**
 * Days are the owner's local days in STEWARD_TIMEZONE, never UTC days: the
 * fault of an older assistant whose streaks broke at UTC+8.
 */
describe("habit days in the owner's time zone", () => {
  let opened: TestSteward | undefined;
  afterEach(async () => {
    await opened?.close();
    opened = undefined;
  });

  function days(): string[] {
    return (
      (opened as TestSteward).steward.database.prepare('SELECT day FROM habit_checkins ORDER BY day').all() as Array<{
        day: string;
      }>
    ).map((row) => row.day);
  }

  it('uses the local date at UTC+8 (Singapore): 07:30 local is still the previous UTC day', async () => {
    const clock = manualClock('2026-11-20T23:30:00Z'); // 2026-11-21 07:30 in Asia/Singapore
    opened = await openTestSteward({ clock, env: { STEWARD_TIMEZONE: 'Asia/Singapore' } });
    await opened.say('add habit run daily');
    await opened.say('check in run');
    expect(days()).toEqual(['2026-11-21']);
    clock.set('2026-11-21T15:59:00Z'); // 23:59 local, same day
    expect((await opened.say('check in run')).text).toContain('already checked in for today');
    clock.set('2026-11-21T16:01:00Z'); // 00:01 local on the 22nd
    expect((await opened.say('check in run')).text).toContain('Streak: 2 days');
    expect(days()).toEqual(['2026-11-21', '2026-11-22']);
  });

  it('uses the local date at UTC−10 (Honolulu): 23:30 local is already the next UTC day', async () => {
    const clock = manualClock('2026-11-21T09:30:00Z'); // 2026-11-20 23:30 in Pacific/Honolulu
    opened = await openTestSteward({ clock, env: { STEWARD_TIMEZONE: 'Pacific/Honolulu' } });
    await opened.say('add habit read daily');
    expect((await opened.say('check in read')).text).toContain('Checked in read for today');
    clock.set('2026-11-21T17:00:00Z'); // 07:00 local on the 21st
    expect((await opened.say('check in read')).text).toContain('Streak: 2 days');
    clock.set('2026-11-22T01:00:00Z'); // 15:00 local, still the 21st: "yesterday" is the 20th
    expect((await opened.say('check in read yesterday')).text).toContain('already checked in for yesterday');
    expect(days()).toEqual(['2026-11-20', '2026-11-21']);
    const stats = await opened.say('habit stats read');
    expect(stats.text).toContain('streak 2 days · best 2 days (2026-11-20 – 2026-11-21)');
  });

  it('keeps a daily streak across the spring-forward DST change (New York, 2026-03-08 has 23 hours)', async () => {
    const clock = manualClock('2026-03-08T04:30:00Z'); // 2026-03-07 23:30 EST
    opened = await openTestSteward({ clock, env: { STEWARD_TIMEZONE: 'America/New_York' } });
    await opened.say('add habit stretch daily');
    await opened.say('check in stretch');
    clock.set('2026-03-09T03:30:00Z'); // 2026-03-08 23:30 EDT
    await opened.say('check in stretch');
    clock.set('2026-03-09T16:00:00Z'); // 2026-03-09 12:00 EDT
    expect((await opened.say('check in stretch')).text).toBe(
      'Checked in stretch for today. Streak: 3 days (best 3 days). Strength 15%.',
    );
    expect(days()).toEqual(['2026-03-07', '2026-03-08', '2026-03-09']);
  });

  it('keeps one check-in per local day across the fall-back DST change (New York, 2026-11-01 has 25 hours)', async () => {
    const clock = manualClock('2026-11-01T03:30:00Z'); // 2026-10-31 23:30 EDT
    opened = await openTestSteward({ clock, env: { STEWARD_TIMEZONE: 'America/New_York' } });
    await opened.say('add habit stretch daily');
    await opened.say('check in stretch');
    clock.set('2026-11-01T04:30:00Z'); // 2026-11-01 00:30 EDT
    await opened.say('check in stretch');
    clock.set('2026-11-02T04:59:00Z'); // 2026-11-01 23:59 EST, 25 hours after midnight
    expect((await opened.say('check in stretch')).text).toContain('already checked in for today');
    clock.set('2026-11-02T05:01:00Z'); // 2026-11-02 00:01 EST
    expect((await opened.say('check in stretch')).text).toContain('Streak: 3 days');
    expect(days()).toEqual(['2026-10-31', '2026-11-01', '2026-11-02']);
  });
});
