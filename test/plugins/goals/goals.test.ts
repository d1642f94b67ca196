import { afterEach, describe, expect, it } from 'vitest';
import { parseDeadline, splitGoalSpec } from '../../../plugins/goals/deadline.js';
import { manualClock, openTestSteward, type TestSteward } from '../../support/steward.js';

describe('deadlines', () => {
  it('reads ISO dates and natural dates relative to the owner\'s today', async () => {
    expect(await parseDeadline('2027-05-01', '2026-11-21')).toBe('2027-05-01');
    expect(await parseDeadline('in 6 weeks', '2026-11-21')).toBe('2027-01-02');
    expect(await parseDeadline('March 3rd 2027', '2026-11-21')).toBe('2027-03-03');
    expect(await parseDeadline('my friends', '2026-11-21')).toBeUndefined();
  });

  it('keeps "by" in the title when what follows is not a date', async () => {
    expect(await splitGoalSpec('run a marathon by 2027-05-01', '2026-11-21')).toEqual({ title: 'run a marathon', deadline: '2027-05-01' });
    expect(await splitGoalSpec('stand by my friends', '2026-11-21')).toEqual({ title: 'stand by my friends', deadline: null });
  });
});

describe('goals plugin through the pipeline', () => {
  let opened: TestSteward | undefined;
  afterEach(async () => {
    await opened?.close();
    opened = undefined;
  });

  it('sets a goal with a deadline, updates progress by a partial name, and lists it', async () => {
    opened = await openTestSteward({ clock: manualClock('2026-11-21T08:00:00Z') });
    const set = await opened.say('set goal run a marathon by 2027-05-01');
    expect(set.text).toContain('Goal set: run a marathon, by 2027-05-01 (161 days left)');
    const progress = await opened.say('update progress marathon 10%');
    expect(progress.text).toBe('run a marathon: 10% (was 0%), by 2027-05-01 (161 days left).');
    const list = await opened.say('goals');
    expect(list.text).toBe('run a marathon  [#---------] 10%  by 2027-05-01 (161 days left)');
    const history = opened.steward.database.prepare('SELECT progress FROM goal_progress').all();
    expect(history).toEqual([{ progress: 10 }]);
  });

  it('writes nothing for an unknown or ambiguous goal, or a bad percentage', async () => {
    opened = await openTestSteward();
    await opened.say('set goal run a marathon');
    await opened.say('set goal run a half marathon');
    expect((await opened.say('update progress marathon 10%')).text).toContain('matches more than one goal');
    expect((await opened.say('update progress swimming 10%')).text).toContain('No goal named "swimming"');
    expect((await opened.say('update progress half 120%')).text).toContain('0 to 100');
    expect((await opened.say('update progress half')).text).toContain('usage: update progress <goal> <N>%');
    expect(opened.steward.database.prepare('SELECT COUNT(*) AS n FROM goal_progress').get()).toEqual({ n: 0 });
  });

  it('refuses a deadline in the past', async () => {
    opened = await openTestSteward({ clock: manualClock('2026-11-21T08:00:00Z') });
    expect((await opened.say('set goal learn piano by 2025-01-01')).text).toContain('in the past');
    expect(opened.steward.database.prepare('SELECT COUNT(*) AS n FROM goals').get()).toEqual({ n: 0 });
  });
});
