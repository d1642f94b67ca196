import { afterEach, describe, expect, it } from 'vitest';
import { manualClock, openTestSteward, type TestSteward } from '../support/steward.js';

describe('habit and goal sections of the briefings', () => {
  let opened: TestSteward | undefined;
  afterEach(async () => {
    await opened?.close();
    opened = undefined;
  });

  it('morning: says that nothing is due and that goals are on track, instead of "no habits or goals yet"', async () => {
    const clock = manualClock('2026-11-21T06:00:00Z');
    opened = await openTestSteward({ clock });
    await opened.say('add habit meditation daily');
    await opened.say('check in meditation');
    await opened.say('set goal run a marathon by 2027-05-01');
    await opened.say('update progress marathon 50%');
    const briefing = await opened.steward.composeBriefing('morning');
    expect(briefing.text).toBe(
      [
        'Good morning — 2026-11-21',
        '',
        'Habits due today:',
        '- None: your habit is done or not due today.',
        '',
        'Goals:',
        '- Your goal is on track; the next deadline is run a marathon on 2027-05-01 (161 days).',
        '',
        '(Plain rendering: no model answered.)',
      ].join('\n'),
    );
  });

  it('morning: habits due today, streaks at risk, and goals due within 14 days or behind pace', async () => {
    const clock = manualClock('2026-11-01T08:00:00Z');
    opened = await openTestSteward({ clock });
    const say = opened.say;
    await say('add habit meditation daily');
    await say('add habit read daily');
    await say('add habit gym 3 times per week');
    await say('add habit piano on mon,wed,fri');
    await say('set goal run a marathon by 2027-05-01');
    await say('update progress marathon 10%');
    await say('set goal read a book by 2026-12-31');
    await say('update progress book 10%');
    await say('set goal learn Spanish');
    clock.set('2026-11-21T06:00:00Z'); // Saturday
    for (const day of ['2026-11-18', '2026-11-19', '2026-11-20']) await say(`check in meditation ${day}`);
    for (const day of ['2026-11-16', '2026-11-18', '2026-11-20']) await say(`check in gym ${day}`);
    await say('add habit floss daily');
    await say('check in read');
    await say('set goal run a 10k by 2026-12-01');

    const briefing = await opened.steward.composeBriefing('morning');
    expect(briefing.text).toBe(
      [
        'Good morning — 2026-11-21',
        '',
        'Habits due today:',
        '- meditation (daily) — not done yet today',
        '- floss (daily) — not done yet today',
        '',
        'Streaks at risk:',
        '- meditation: the 3-day streak ends if it is not done today',
        '',
        'Goals needing attention:',
        // Set 1 Nov, due 31 Dec: 20 of 60 days gone, so an even pace is at 33 %.
        '- read a book — 10%, by 2026-12-31 (40 days left), behind by 23%',
        '- run a 10k — 0%, by 2026-12-01 (10 days left), on track',
        '',
        '(Plain rendering: no model answered.)',
      ].join('\n'),
    );
  });

  it('weekly: each habit against the week before with its strength trend, goal progress this week, and milestones reached', async () => {
    const clock = manualClock('2026-11-01T08:00:00Z');
    opened = await openTestSteward({ clock });
    const say = opened.say;
    await say('add habit meditation daily');
    await say('set goal run a marathon by 2027-05-01 #health');
    await say('update progress marathon 10%');
    await say('add milestone marathon: run 10k');
    await say('add milestone marathon: run 20k');
    await say('set goal learn piano');
    clock.set('2026-11-18T08:00:00Z');
    await say('update progress marathon 30%');
    await say('complete milestone marathon: 10k');
    clock.set('2026-11-20T08:00:00Z');
    await say('complete goal piano');
    clock.set('2026-11-22T18:00:00Z'); // Sunday evening
    for (const day of ['2026-11-09', '2026-11-11', '2026-11-13']) await say(`check in meditation ${day}`);
    for (let date = 16; date <= 22; date += 1) await say(`check in meditation 2026-11-${date}`);

    const briefing = await opened.steward.composeBriefing('weekly');
    expect(briefing.text).toBe(
      [
        'Your week — 2026-11-22',
        '',
        'Habits this week:',
        // 7 of 7 against 3 of 7; strength (1 − m) steps: 13 % at the end of the 15th, 40 % today.
        '- meditation (daily): 100% this week (last week 43%), strength 40%, up 27 points',
        '',
        'Goals this week:',
        '- run a marathon — 30% (+20% this week), by 2027-05-01 (160 days left), on track (ahead by 18%)',
        '- learn piano — completed this week',
        '',
        'Milestones reached:',
        '- run 10k (run a marathon), 2026-11-18',
        '',
        '(Plain rendering: no model answered.)',
      ].join('\n'),
    );
  });
});
