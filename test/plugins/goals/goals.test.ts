import { afterEach, describe, expect, it } from 'vitest';
import { parseDeadline, splitGoalSpec } from '../../../plugins/goals/deadline.js';
import { paceOf } from '../../../plugins/goals/pace.js';
import { manualClock, openTestSteward, type ManualClock, type TestSteward } from '../../support/steward.js';

describe('deadlines', () => {
  it("reads ISO dates and natural dates relative to the owner's today", async () => {
    expect(await parseDeadline('2027-05-01', '2026-11-21')).toBe('2027-05-01');
    expect(await parseDeadline('in 6 weeks', '2026-11-21')).toBe('2027-01-02');
    expect(await parseDeadline('March 3rd 2027', '2026-11-21')).toBe('2027-03-03');
    expect(await parseDeadline('end of March', '2026-11-21')).toBe('2027-03-31');
    expect(await parseDeadline('the end of the year', '2026-11-21')).toBe('2026-12-31');
    expect(await parseDeadline('my friends', '2026-11-21')).toBeUndefined();
  });

  it('takes a deadline after " by " or a trailing "in N weeks", and keeps other words in the title', async () => {
    expect(await splitGoalSpec('run a marathon by 2027-05-01', '2026-11-21')).toEqual({
      title: 'run a marathon',
      deadline: '2027-05-01',
    });
    expect(await splitGoalSpec('learn piano in 6 weeks', '2026-11-21')).toEqual({
      title: 'learn piano',
      deadline: '2027-01-02',
    });
    expect(await splitGoalSpec('stand by my friends', '2026-11-21')).toEqual({
      title: 'stand by my friends',
      deadline: null,
    });
    expect(await splitGoalSpec('get fluent in Spanish', '2026-11-21')).toEqual({
      title: 'get fluent in Spanish',
      deadline: null,
    });
    expect(await splitGoalSpec('bake a stollen by christmas', '2026-11-21')).toEqual({
      title: 'bake a stollen',
      deadline: null,
      unreadable: 'christmas',
    });
  });
});

describe('pace', () => {
  // Set on 1 Nov with a deadline on 1 Dec (30 days); on 16 Nov (15 days in) an even pace is at 50 %.
  const goal = { startedOn: '2026-11-01', deadline: '2026-12-01' };

  it('compares progress with an even pace from the day the goal was set to its deadline', () => {
    expect(paceOf({ ...goal, progress: 40 }, '2026-11-16')).toEqual({ status: 'behind', expected: 50, behindBy: 10 });
    expect(paceOf({ ...goal, progress: 46 }, '2026-11-16')).toEqual({ status: 'on-track', expected: 50, behindBy: 4 });
    expect(paceOf({ ...goal, progress: 70 }, '2026-11-16')).toEqual({
      status: 'on-track',
      expected: 50,
      behindBy: -20,
    });
    expect(paceOf({ ...goal, progress: 90 }, '2026-12-02')).toMatchObject({ status: 'overdue', expected: 100 });
    expect(paceOf({ ...goal, progress: 100 }, '2026-12-02')).toMatchObject({ status: 'reached' });
    expect(paceOf({ startedOn: '2026-11-01', deadline: null, progress: 10 }, '2026-11-16')).toEqual({
      status: 'no-deadline',
      expected: null,
      behindBy: 0,
    });
  });
});

describe('goals through the pipeline', () => {
  let opened: TestSteward | undefined;
  let clock: ManualClock;
  afterEach(async () => {
    await opened?.close();
    opened = undefined;
  });

  async function open(): Promise<TestSteward> {
    clock = manualClock('2026-11-21T08:00:00Z');
    opened = await openTestSteward({ clock });
    return opened;
  }

  function count(table: string): unknown {
    return (opened as TestSteward).steward.database.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get();
  }

  it('sets a goal with a deadline and a category, updates progress by a partial name, and lists it with its pace', async () => {
    const steward = await open();
    const set = await steward.say('set goal run a marathon by 2027-05-01 #health');
    expect(set.text).toBe(
      'Goal set: run a marathon (health), by 2027-05-01 (161 days left). Report progress with "update progress run a marathon 10%".',
    );
    expect((await steward.say('update progress marathon 10%')).text).toBe(
      'run a marathon: 10% (was 0%), by 2027-05-01 (161 days left), on track (ahead by 10%).',
    );
    expect((await steward.say('goals')).text).toBe(
      'run a marathon (health) #1  [#---------]  10%  by 2027-05-01 (161 days left), on track (ahead by 10%)',
    );
    expect((await steward.say('set goal learn Rust in 6 weeks (study)')).text).toContain(
      'Goal set: learn Rust (learning), by 2027-01-02 (42 days left).',
    );
    expect((await steward.say('set goal save money #bank')).text).toBe(
      '"bank" is not a category; use one of health, finance, career, personal, learning, relationships, other.\nusage: set goal <title> [by <date> | in <N> weeks] [#category]',
    );
    expect((await steward.say('set goal learn piano by 2025-01-01')).text).toBe(
      'The deadline 2025-01-01 is in the past.',
    );
    expect((await steward.say('set goal paint the shed by mid-spring')).text).toBe(
      'Goal set: paint the shed, no deadline. Report progress with "update progress paint the shed 10%".\nI could not read "mid-spring" as a date, so it has no deadline yet: say "goal deadline paint the shed <date>" (for example 2027-03-31, end of March, in 6 weeks).',
    );
    expect(steward.steward.database.prepare('SELECT title, category, started_on FROM goals ORDER BY id').all()).toEqual(
      [
        { title: 'run a marathon', category: 'health', started_on: '2026-11-21' },
        { title: 'learn Rust', category: 'learning', started_on: '2026-11-21' },
        { title: 'paint the shed', category: 'other', started_on: '2026-11-21' },
      ],
    );
  });

  it('records absolute and relative progress with notes, capped at 0–100, and says when the goal is behind', async () => {
    const steward = await open();
    await steward.say('set goal read 12 books by 2026-12-21');
    clock.set('2026-12-06T08:00:00Z'); // 15 of 30 days: an even pace is at 50 %
    expect((await steward.say('update progress books 30% finished Dune')).text).toBe(
      'read 12 books: 30% (was 0%), by 2026-12-21 (15 days left), behind by 20%. Note saved.',
    );
    expect((await steward.say('update progress read 12 books +25%: two more')).text).toBe(
      'read 12 books: 55% (was 30%), by 2026-12-21 (15 days left), on track. Note saved.',
    );
    expect((await steward.say('update progress books -5%')).text).toContain('read 12 books: 50% (was 55%)');
    expect((await steward.say('update progress books by 5%')).text).toContain('read 12 books: 55% (was 50%)');
    expect((await steward.say('update progress books to 50%')).text).toContain('read 12 books: 50% (was 55%)');
    expect((await steward.say('update progress books +80%')).text).toBe(
      'read 12 books: 100% (capped at 100%) (was 50%), by 2026-12-21 (15 days left), reached. Goal reached, well done! Say "complete goal read 12 books" to close it.',
    );
    expect((await steward.say('update progress books 120%')).text).toContain('whole percentage from 0 to 100');
    expect(steward.steward.database.prepare('SELECT progress, note FROM goal_progress ORDER BY id').all()).toEqual([
      { progress: 30, note: 'finished Dune' },
      { progress: 55, note: 'two more' },
      { progress: 50, note: null },
      { progress: 55, note: null },
      { progress: 50, note: null },
      { progress: 100, note: null },
    ]);
  });

  it('adds and completes milestones, and reviews every active goal', async () => {
    const steward = await open();
    await steward.say('set goal run a marathon by 2027-05-01 #health');
    await steward.say('set goal learn Spanish');
    expect((await steward.say('add milestone marathon: run 10k')).text).toBe(
      'Milestone added to run a marathon: run 10k (milestones 0 of 1 done, next: run 10k).',
    );
    await steward.say('add milestone marathon: run a half marathon');
    expect((await steward.say('add milestone marathon: Run 10k')).text).toBe(
      'run a marathon already has the milestone "Run 10k".',
    );
    expect((await steward.say('add milestone marathon')).text).toContain('usage: add milestone <goal>: <title>');
    expect((await steward.say('complete milestone marathon: 10k')).text).toBe(
      'Milestone reached: run 10k (run a marathon); milestones 1 of 2 done, next: run a half marathon. Progress is 0%; update it with "update progress run a marathon <N>%".',
    );
    expect((await steward.say('complete milestone marathon: run 10k')).text).toBe(
      '"run 10k" of run a marathon was already reached on 2026-11-21; nothing changed.',
    );
    expect((await steward.say('complete milestone marathon: swim')).text).toContain(
      'No open milestone of run a marathon named "swim"',
    );
    expect((await steward.say('complete milestone spanish: B1 exam')).text).toBe(
      'learn Spanish has no milestones yet; add one with "add milestone learn Spanish: B1 exam".',
    );
    await steward.say('update progress marathon 5% first long run');
    clock.set('2026-12-21T08:00:00Z');
    expect((await steward.say('goal review')).text).toBe(
      [
        'Goal review, 2026-12-21: 2 active goals, 1 behind.',
        '',
        'run a marathon (health) #1  [#---------]   5%  by 2027-05-01 (131 days left), behind by 14%',
        '  milestones 1 of 2 done, next: run a half marathon',
        '  last update 2026-11-21, 5%: first long run',
        '',
        // The bars line up: the labels are padded to the longest one.
        'learn Spanish #2            [----------]   0%  no deadline',
        '  no progress reported yet',
      ].join('\n'),
    );
    const shown = await steward.say('show goal marathon');
    expect(shown.text).toBe(
      [
        'run a marathon (health) #1 — active',
        // Each parenthesis stands alone: the pace, then the even pace after a semicolon.
        '  [#---------] 5%  by 2027-05-01 (131 days left), behind by 14%; an even pace would be at 19% today',
        '  set on 2026-11-21',
        '  milestones:',
        '    [x] run 10k (2026-11-21)',
        '    [ ] run a half marathon',
        '  progress:',
        '    2026-11-21 5%  first long run',
      ].join('\n'),
    );
  });

  it('completes, abandons and reopens goals, and lists them by status', async () => {
    const steward = await open();
    await steward.say('set goal run a marathon');
    await steward.say('set goal learn piano');
    expect((await steward.say('complete goal marathon')).text).toBe('Completed run a marathon. Well done!');
    expect((await steward.say('abandon goal piano')).text).toBe(
      'Abandoned learn piano at 0%. Its history is kept; "reopen goal learn piano" brings it back.',
    );
    expect((await steward.say('goals')).text).toBe(
      'No active goals. Set one with "set goal run a marathon by 2027-05-01".',
    );
    expect((await steward.say('goals completed')).text).toBe('run a marathon #1  [##########] 100%  completed');
    expect((await steward.say('goals all')).text.split('\n')).toHaveLength(2);
    expect((await steward.say('update progress piano 10%')).text).toContain('No goal named "piano"');
    expect((await steward.say('reopen goal piano')).text).toBe('learn piano is active again, at 0%, no deadline.');
    expect((await steward.say('goal deadline piano by end of March')).text).toBe(
      'learn piano: by 2027-03-31 (130 days left), on track.',
    );
    expect((await steward.say('goal deadline piano none')).text).toBe('learn piano: no deadline.');
    expect((await steward.say('goal category piano learning')).text).toBe('learn piano is now in learning.');
    expect((await steward.say('goal category piano hobbies')).text).toContain('"hobbies" is not a category');
    expect(steward.steward.database.prepare('SELECT status, progress, category FROM goals ORDER BY id').all()).toEqual([
      { status: 'completed', progress: 100, category: 'other' },
      { status: 'active', progress: 0, category: 'learning' },
    ]);
  });

  it('writes nothing for an unknown or ambiguous goal, or a bad percentage', async () => {
    const steward = await open();
    await steward.say('set goal run a marathon');
    await steward.say('set goal run a half marathon');
    expect((await steward.say('update progress marathon 10%')).text).toBe(
      '"marathon" matches more than one goal:\n  1. run a marathon #1\n  2. run a half marathon #2\nSay which one by its number or its #id.',
    );
    expect((await steward.say('update progress #1 10%')).text).toContain('run a marathon: 10%');
    expect((await steward.say('update progress swimming 10%')).text).toContain('No goal named "swimming"');
    expect((await steward.say('update progress half 120%')).text).toContain('0 to 100');
    expect((await steward.say('update progress half')).text).toContain('usage: update progress <goal> <N>%');
    expect((await steward.say('add milestone marathon: 10k')).text).toContain('matches more than one goal');
    expect(count('goal_progress')).toEqual({ n: 1 });
    expect(count('goal_milestones')).toEqual({ n: 0 });
  });
});
