import { afterEach, describe, expect, it } from 'vitest';
import { manualClock, openTestSteward, type TestSteward } from '../../support/steward.js';

// 2026-11-21 is a Saturday.
describe('habits through the pipeline', () => {
  let opened: TestSteward | undefined;
  afterEach(async () => {
    await opened?.close();
    opened = undefined;
  });

  function rows(sql: string): unknown[] {
    return (opened as TestSteward).steward.database.prepare(sql).all();
  }

  async function open(instant = '2026-11-21T08:00:00Z'): Promise<TestSteward> {
    opened = await openTestSteward({ clock: manualClock(instant) });
    return opened;
  }

  it('adds a habit, checks in, and reports streak and strength, without any model', async () => {
    const steward = await open();
    expect((await steward.say('add habit meditation daily')).text).toBe(
      'Added habit meditation (daily). Check in with "check in meditation".',
    );
    expect((await steward.say('check in meditation yesterday')).text).toBe(
      'Checked in meditation for yesterday. Streak: 1 day (best 1 day). Strength 5%.',
    );
    const reply = await steward.say('check in meditation');
    expect(reply.kind).toBe('command');
    expect(reply.text).toBe('Checked in meditation for today. Streak: 2 days (best 2 days). Strength 10%.');
    const again = await steward.say('check in meditation');
    expect(again.text).toBe(
      'meditation was already checked in for today; nothing changed. Streak: 2 days (best 2 days). Strength 10%.',
    );
    expect(rows('SELECT day, kind FROM habit_checkins ORDER BY day')).toEqual([
      { day: '2026-11-20', kind: 'done' },
      { day: '2026-11-21', kind: 'done' },
    ]);
  });

  it('checks in on a weekday, a date, "last <weekday>" or "N days ago", with a note; refuses the future', async () => {
    const steward = await open();
    await steward.say('add habit read before bed');
    expect((await steward.say('check in read before bed monday')).text).toContain(
      'Checked in read before bed for Mon 2026-11-16.',
    );
    expect((await steward.say('check in read before bed 2026-11-17 finished the novel')).text).toContain(
      'for Tue 2026-11-17. Note saved.',
    );
    expect((await steward.say('check in read before bed last saturday')).text).toContain('for Sat 2026-11-14.');
    expect((await steward.say('check in read before bed 2 days ago')).text).toContain('for Thu 2026-11-19.');
    expect((await steward.say('check in read before bed: 30 pages')).text).toContain('for today. Note saved.');
    expect((await steward.say('check in read 2030-01-01')).text).toBe(
      '2030-01-01 is in the future; you can only record today or earlier. Nothing was recorded.',
    );
    // An impossible date is an error, not a note on today's check-in.
    expect((await steward.say('check in read before bed 2026-02-30')).text).toBe(
      '2026-02-30 is not a date in the calendar; use YYYY-MM-DD, "yesterday" or a weekday.',
    );
    expect(rows('SELECT day, note FROM habit_checkins WHERE note IS NOT NULL ORDER BY day')).toEqual([
      { day: '2026-11-17', note: 'finished the novel' },
      { day: '2026-11-21', note: '30 pages' },
    ]);
    expect(rows('SELECT COUNT(*) AS n FROM habit_checkins')).toEqual([{ n: 5 }]);
    // The same day words as the agent tools: "last night" is yesterday, "this morning" today.
    await steward.say('add habit stretch');
    expect((await steward.say('check in stretch last night')).text).toContain('Checked in stretch for yesterday.');
    expect((await steward.say('check in stretch this morning')).text).toContain('Checked in stretch for today.');
    expect((await steward.say('check in stretch: felt great')).text).toContain(
      'stretch was already checked in for today; note added.',
    );
    expect(rows('SELECT day, note FROM habit_checkins WHERE habit_id = 2 ORDER BY day')).toEqual([
      { day: '2026-11-20', note: null },
      { day: '2026-11-21', note: 'felt great' },
    ]);
  });

  it('names a habit by #id, exact name, a word, a prefix or a small typo; an ambiguous or unknown name writes nothing', async () => {
    const steward = await open();
    await steward.say('add habit morning run');
    await steward.say('add habit evening run');
    await steward.say('add habit meditation');
    expect((await steward.say('check in #3')).text).toContain('Checked in meditation');
    expect((await steward.say('check in Morning Run yesterday')).text).toContain(
      'Checked in morning run for yesterday',
    );
    expect((await steward.say('check in evening')).text).toContain('Checked in evening run');
    expect((await steward.say('check in meditaton yesterday')).text).toContain('Checked in meditation for yesterday');
    expect((await steward.say('check in medit 2026-11-19')).text).toContain('Checked in meditation for Thu 2026-11-19');
    const before = rows('SELECT habit_id, day FROM habit_checkins ORDER BY id');
    const ambiguous = await steward.say('check in run');
    expect(ambiguous.kind).toBe('error');
    expect(ambiguous.text).toBe(
      '"run" matches more than one habit:\n  1. morning run #1\n  2. evening run #2\nSay which one by its number or its #id.',
    );
    expect((await steward.say('check in meditatoin plus')).text).toBe(
      'No habit named "meditatoin plus". Did you mean: meditation?',
    );
    expect((await steward.say('skip run')).text).toContain('matches more than one habit');
    expect(rows('SELECT habit_id, day FROM habit_checkins ORDER BY id')).toEqual(before);
  });

  it('skips a day (neither counts nor breaks the streak), replaces a skip by a check-in, and undoes either', async () => {
    const steward = await open();
    await steward.say('add habit stretch daily');
    await steward.say('check in stretch 2026-11-18');
    // The 20th is still missed, so there is no current streak yet.
    expect((await steward.say('skip stretch 2026-11-19 ill')).text).toBe(
      'Skipped stretch for Thu 2026-11-19: it neither counts nor breaks the streak. Streak: 0 days (best 1 day). Strength 5%.',
    );
    // With the 20th done, the skipped 19th bridges 18 and 20 without counting.
    expect((await steward.say('check in stretch yesterday')).text).toContain('Streak: 2 days (best 2 days)');
    expect((await steward.say('skip stretch 2026-11-19')).text).toContain(
      'was already skipped for Thu 2026-11-19; nothing changed',
    );
    expect((await steward.say('skip stretch yesterday')).text).toBe(
      'stretch is checked in for yesterday, so it was not skipped. To skip it instead, first say "undo check in stretch 2026-11-20".',
    );
    expect((await steward.say('check in stretch 2026-11-19')).text).toContain(
      'Checked in stretch for Thu 2026-11-19 (it was skipped).',
    );
    expect((await steward.say('undo skip stretch 2026-11-19')).text).toBe(
      'stretch was checked in, not skipped, for Thu 2026-11-19; to remove that, say "undo check in stretch 2026-11-19".',
    );
    expect((await steward.say('undo check in stretch 2026-11-19')).text).toBe(
      'Removed the check-in of stretch for Thu 2026-11-19. Streak: 1 day (best 1 day). Strength 10%.',
    );
    expect((await steward.say('undo check in stretch 2026-11-19')).text).toBe(
      'stretch has no check-in for Thu 2026-11-19; nothing to undo.',
    );
    expect((await steward.say('undo check in stretch 2026-11-18 oops')).text).toContain('usage: undo check in <habit>');
    await steward.say('skip stretch');
    expect((await steward.say('undo skip stretch')).text).toContain('Removed the skip of stretch for today.');
    expect(rows('SELECT day, kind FROM habit_checkins ORDER BY day')).toEqual([
      { day: '2026-11-18', kind: 'done' },
      { day: '2026-11-20', kind: 'done' },
    ]);
  });

  it('"undo" alone takes back the check-in or skip just recorded, and nothing older than an hour', async () => {
    const clock = manualClock('2026-11-21T08:00:00Z');
    opened = await openTestSteward({ clock });
    const steward = opened;
    expect((await steward.say('undo')).text).toBe(
      'Nothing recorded in the last hour to undo. Say "undo check in <habit> [<day>]" or "undo skip <habit> [<day>]".',
    );
    await steward.say('add habit stretch daily');
    await steward.say('add habit reading daily');
    await steward.say('check in stretch');
    clock.advance(60_000);
    await steward.say('check in reading 2 days ago'); // the slip: recorded last, though its day is earlier
    const undone = await steward.say('undo');
    expect(undone.kind).toBe('command');
    expect(undone.text).toBe(
      'Removed the check-in of reading for Thu 2026-11-19. Streak: 0 days (best 0 days). Strength 0%.',
    );
    clock.advance(60_000);
    await steward.say('skip reading yesterday');
    expect((await steward.say('undo')).text).toContain('Removed the skip of reading for yesterday.');
    // Next, the check-in of stretch, two minutes old, would go: an hour later it stays.
    clock.advance(61 * 60_000);
    expect((await steward.say('undo')).text).toContain('Nothing recorded in the last hour to undo.');
    expect((await steward.say('undo that')).kind).not.toBe('command'); // "undo" takes no words after it
    expect(rows('SELECT h.name, c.day, c.kind FROM habit_checkins c JOIN habits h ON h.id = c.habit_id')).toEqual([
      { name: 'stretch', day: '2026-11-21', kind: 'done' },
    ]);
  });

  it('archives, unarchives and renames habits, refusing name clashes', async () => {
    const steward = await open();
    await steward.say('add habit floss daily');
    await steward.say('check in floss');
    expect((await steward.say('archive habit floss')).text).toBe(
      'Archived floss; its history is kept. Bring it back with "unarchive habit floss".',
    );
    expect((await steward.say('habits')).text).toBe('No habits yet. Add one with "add habit meditation daily".');
    expect((await steward.say('habits archived')).text).toBe('floss (daily) — archived (#1)');
    expect((await steward.say('check in floss')).text).toContain('No habit named "floss"');
    await steward.say('add habit floss weekly');
    expect((await steward.say('unarchive habit floss')).text).toBe(
      'An active habit is already named "floss"; rename one of them first.',
    );
    expect((await steward.say('rename habit floss to floss teeth')).text).toBe('Renamed floss to floss teeth.');
    expect((await steward.say('unarchive habit floss')).text).toContain(
      'floss is active again, with its history. Streak: 1 day',
    );
    expect((await steward.say('rename habit floss to floss teeth')).text).toBe(
      'You already have a habit named "floss teeth".',
    );
    expect((await steward.say('rename habit floss teeth')).text).toContain('usage: rename habit <habit> to <new name>');
    expect((await steward.say('rename habit walk to work to commute')).text).toContain('No habit named "walk"');
    await steward.say('add habit walk to work');
    expect((await steward.say('rename habit walk to work to commute')).text).toBe('Renamed walk to work to commute.');
  });

  it('deletes a habit with its check-ins in one transaction, and only when named exactly', async () => {
    const steward = await open();
    await steward.say('add habit journal daily at 21:00');
    for (const day of ['2026-11-18', '2026-11-19', '2026-11-20']) await steward.say(`check in journal ${day}`);
    await steward.say('skip journal');
    const inexact = await steward.say('delete habit journl');
    expect(inexact.kind).toBe('error');
    expect(inexact.text).toBe(
      'Deleting cannot be undone, so name the habit exactly: "delete habit journal" or "delete habit #1" deletes it with its 3 check-ins and 1 skip. "archive habit journal" keeps its history.',
    );

    // A failure in the middle rolls everything back: the check-ins are deleted first, then the habit fails.
    steward.steward.database.exec(
      "CREATE TRIGGER refuse BEFORE DELETE ON habits BEGIN SELECT RAISE(ABORT, 'disk says no'); END",
    );
    const failed = await steward.say('delete habit journal');
    expect(failed.kind).toBe('error');
    expect(failed.text).toBe('The habits plugin failed in command "delete habit": disk says no');
    expect(rows('SELECT COUNT(*) AS n FROM habit_checkins')).toEqual([{ n: 4 }]);
    steward.steward.database.exec('DROP TRIGGER refuse');

    expect((await steward.say('delete habit journal')).text).toBe('Deleted journal with its 3 check-ins and 1 skip.');
    expect(rows('SELECT COUNT(*) AS n FROM habits')).toEqual([{ n: 0 }]);
    expect(rows('SELECT COUNT(*) AS n FROM habit_checkins')).toEqual([{ n: 0 }]);
    expect(rows('PRAGMA foreign_key_check')).toEqual([]);
  });

  it('changes frequency and reminder, and lists habits with their state today', async () => {
    const steward = await open();
    await steward.say('add habit gym');
    expect((await steward.say('habit frequency gym 3 times per week')).text).toBe(
      'gym is now 3 times per week: due: 0 of 3 in the last 7 days. Streak: 0 days (best 0 days). Strength 0%.',
    );
    expect((await steward.say('habit reminder gym at 6pm')).text).toBe(
      "I'll remind you of gym at 18:00 (UTC) on days it is due and not yet done.",
    );
    expect((await steward.say('habit reminder gym 25:00')).text).toContain('usage: habit reminder');
    await steward.say('add habit piano on mon,wed,fri');
    await steward.say('check in gym');
    expect((await steward.say('habits')).text).toBe(
      [
        // One check-in of 6 in 14 days (Loop doubles num/den below daily): (1/6) × (1 − 0.5^(√(3/7)/13)) = 0.6 %.
        'gym (3 times per week, at 18:00) #1 — done today, 1 of 3 in the last 7 days, streak 1 day, strength 1%',
        'piano (on mon, wed, fri) #2 — not due today, streak 0 days, strength 0%',
      ].join('\n'),
    );
    expect((await steward.say('habit reminder gym off')).text).toBe('No more reminders for gym.');
    expect((await steward.say('habit frequency gym sometimes')).text).toContain('usage: habit frequency');
    // Sentences that merely start with a list's name go to the model (none is configured here).
    for (const sentence of ['habits are hard to keep', 'goals for next year?']) {
      const reply = await steward.say(sentence);
      expect(reply.text).toMatch(/^No model is configured/);
    }
  });

  it('shows stats with streaks, strength, completion and a plain heatmap; colours only when the channel asks for them', async () => {
    const steward = await open();
    await steward.say('add habit meditation daily');
    for (const day of ['2026-11-16', '2026-11-17', '2026-11-19', '2026-11-20'])
      await steward.say(`check in meditation ${day}`);
    await steward.say('skip meditation 2026-11-18 travelling');
    const plain = await steward.say('habit stats medit');
    expect(plain.text).toBe(
      [
        'meditation (daily) #1 — not done yet today',
        '  streak 4 days · best 4 days (2026-11-16 – 2026-11-20) · 4 check-ins in all',
        '  strength 19% (+19 in 7 days)',
        '  completion 7 days 100% · 30 days 100% · 90 days 100%',
        '  last note (Wed 2026-11-18): travelling',
        '      Sep     Oct     Nov',
        '  Mo                        #',
        '  Tu                        #',
        '  We                        ~',
        '  Th                        #',
        '  Fr                        #',
        '  Sa                        _',
        '  Su',
        '      # done  ~ skipped  _ today, not yet',
      ].join('\n'),
    );
    const coloured = await steward.say('habit stats meditation', { color: true });
    expect(coloured.text).toContain('\u001b[32m■');
    const stored = rows("SELECT text FROM messages WHERE role = 'assistant' ORDER BY id DESC LIMIT 1") as Array<{
      text: string;
    }>;
    expect(stored[0]?.text).not.toContain('\u001b[');
    expect(stored[0]?.text).toContain('■');
  });
});
