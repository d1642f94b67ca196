import { afterEach, describe, expect, it } from 'vitest';
import { manualClock, openTestSteward, type TestSteward } from '../../support/steward.js';

/**
 * Every day phrase goes through one parser for check in, skip and undo, in
 * the owner's zone. The zone here is Pacific/Kiritimati (UTC+14): at
 * 2026-11-21T20:00Z it is already Sunday 2026-11-22 10:00 there, while the
 * UTC day is still Saturday the 21st, so a phrase read in UTC would be a day off.
 */
describe('day phrases for check in, skip and undo, at UTC+14', () => {
  let opened: TestSteward | undefined;
  afterEach(async () => {
    await opened?.close();
    opened = undefined;
  });

  async function open(): Promise<TestSteward> {
    opened = await openTestSteward({
      clock: manualClock('2026-11-21T20:00:00Z'),
      env: { STEWARD_TIMEZONE: 'Pacific/Kiritimati' },
    });
    await opened.say('add habit run daily');
    await opened.say('add habit running daily');
    return opened;
  }

  function entries(): Array<{ day: string; kind: string; note: string | null }> {
    return (opened as TestSteward).steward.database
      .prepare('SELECT day, kind, note FROM habit_checkins WHERE habit_id = 1 ORDER BY day')
      .all() as Array<{ day: string; kind: string; note: string | null }>;
  }

  const FORMS: ReadonlyArray<[phrase: string, day: string]> = [
    ['yesterday', '2026-11-21'],
    ['today', '2026-11-22'],
    ['friday', '2026-11-20'],
    ['on friday', '2026-11-20'],
    ['sunday', '2026-11-22'],
    ['last friday', '2026-11-20'],
    ['last sunday', '2026-11-15'],
    ['3 days ago', '2026-11-19'],
    ['a week ago', '2026-11-15'],
    ['nov 3', '2026-11-03'],
    ['on dec 3 2025', '2025-12-03'],
    ['2026-11-01', '2026-11-01'],
    ['the day before yesterday', '2026-11-20'],
  ];

  it('reads every form the same way for check in, undo check in, skip and undo skip', async () => {
    const steward = await open();
    for (const [phrase, day] of FORMS) {
      const checked = await steward.say(`check in run ${phrase}`);
      expect(checked.text, phrase).toMatch(/^Checked in run for /);
      expect(entries(), phrase).toEqual([{ day, kind: 'done', note: null }]);
      expect((await steward.say(`undo check in run ${phrase}`)).text, phrase).toMatch(/^Removed the check-in of run/);
      expect((await steward.say(`skip run ${phrase}`)).text, phrase).toMatch(/^Skipped run for /);
      expect(entries(), phrase).toEqual([{ day, kind: 'skip', note: null }]);
      expect((await steward.say(`undo skip run ${phrase}`)).text, phrase).toMatch(/^Removed the skip of run/);
      expect(entries(), phrase).toEqual([]);
    }
  });

  it('refuses a future day, naming it, and records nothing (the cases that used to be recorded as today)', async () => {
    const steward = await open();
    const refusals: ReadonlyArray<[string, string]> = [
      ['check in run next tuesday', '"next tuesday" is Tue 2026-11-24, which is in the future'],
      ['check in run tomorrow', '"tomorrow" is tomorrow, which is in the future'],
      ['check in run dec 3', '"dec 3" is Thu 2026-12-03, which is in the future'],
      ['skip run in 3 days', '"in 3 days" is Wed 2026-11-25, which is in the future'],
      ['undo check in run next friday', '"next friday" is Fri 2026-11-27, which is in the future'],
      ['check in run felt great tomorrow', '"tomorrow" is tomorrow, which is in the future'],
    ];
    for (const [line, message] of refusals) {
      const reply = await steward.say(line);
      expect(reply.kind, line).toBe('error');
      expect(reply.text, line).toContain(message);
      expect(reply.text, line).toContain('Nothing was recorded.');
    }
    expect((await steward.say('check in run dec 3')).text).toContain("For last year's, say 2025-12-03.");
    expect(entries()).toEqual([]);
  });

  it('keeps words that are not a day as the note, and takes a day that ends the note', async () => {
    const steward = await open();
    await steward.say('check in run felt great after work');
    await steward.say('check in run 5 km in the park yesterday');
    await steward.say('check in run on friday: slow and easy');
    await steward.say('check in run at 7am with Ana 3 days ago');
    expect(entries()).toEqual([
      { day: '2026-11-19', kind: 'done', note: 'at 7am with Ana' },
      { day: '2026-11-20', kind: 'done', note: 'slow and easy' },
      { day: '2026-11-21', kind: 'done', note: '5 km in the park' },
      { day: '2026-11-22', kind: 'done', note: 'felt great after work' },
    ]);
    // undo takes no note: words that are not a day are a usage error, and nothing is removed.
    const undo = await steward.say('undo check in run felt great');
    expect(undo.text).toContain('"felt great" is not a day');
    expect(entries()).toHaveLength(4);
  });
});
