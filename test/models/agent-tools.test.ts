import { afterEach, describe, expect, it } from 'vitest';
import { startOpenAIServer, toolCallingReply, type OpenAIServer } from '../support/openai-server.js';
import { manualClock, openTestSteward, type TestSteward } from '../support/steward.js';

/**
 * A model that turns what the owner says into tool calls: natural sentences
 * for the two examples of the issue, and `call <tool> <json>` for every
 * other tool; after a tool result it reports it.
 */
const toolUser = toolCallingReply('Noted!', (said) => {
  if (/went for a run/i.test(said)) return { toolCalls: [{ name: 'habit_check_in', arguments: { habit: 'run' } }] };
  if (/meditated this morning/i.test(said))
    return { toolCalls: [{ name: 'habit_check_in', arguments: { habit: 'meditation' } }] };
  if (/40% through the marathon/i.test(said))
    return { toolCalls: [{ name: 'goal_update_progress', arguments: { goal: 'marathon', percent: 40 } }] };
  return undefined;
});

describe('agent tools', () => {
  let local: OpenAIServer | undefined;
  let opened: TestSteward | undefined;
  afterEach(async () => {
    await opened?.close();
    await local?.close();
    opened = undefined;
    local = undefined;
  });

  async function open(): Promise<TestSteward> {
    local = await startOpenAIServer({ model: 'local-model', respond: toolUser });
    opened = await openTestSteward({
      env: { STEWARD_LOCAL_FAST_URL: local.url },
      clock: manualClock('2026-11-21T08:00:00Z'),
    });
    return opened;
  }

  function query(sql: string): unknown[] {
    return (opened as TestSteward).steward.database.prepare(sql).all();
  }

  it('checks in a habit from "I meditated this morning" and updates a goal from "I\'m 40% through the marathon plan"', async () => {
    const steward = await open();
    await steward.say('add habit meditation daily');
    await steward.say('set goal run a marathon by 2027-05-01');
    const meditated = await steward.say('I meditated this morning');
    expect(meditated.kind).toBe('agent');
    expect(meditated.text).toBe('Noted! Checked in meditation for today. Streak: 1 day (best 1 day). Strength 5%.');
    const marathon = await steward.say("I'm 40% through the marathon plan");
    expect(marathon.text).toBe(
      'Noted! run a marathon: 40% (was 0%), by 2027-05-01 (161 days left), on track (ahead by 40%).',
    );
    expect(query('SELECT day FROM habit_checkins')).toEqual([{ day: '2026-11-21' }]);
    expect(query('SELECT progress FROM goals')).toEqual([{ progress: 40 }]);
    const tools = local?.chatRequests[0]?.tools?.map((tool) => tool.function.name) ?? [];
    expect(tools).toEqual(
      expect.arrayContaining([
        'habit_check_in',
        'habit_skip',
        'habit_undo',
        'habit_add',
        'habit_stats',
        'habit_list',
        'habit_set_reminder',
        'habit_set_frequency',
        'habit_rename',
        'habit_archive',
        'habit_unarchive',
        'habit_delete',
        'goal_update_progress',
        'goal_set',
        'goal_add_milestone',
        'goal_complete_milestone',
        'goal_review',
        'goals_list',
        'goal_show',
        'goal_complete',
        'goal_abandon',
        'goal_reopen',
        'goal_set_deadline',
        'goal_set_category',
      ]),
    );
  });

  it('runs every habit action as a tool', async () => {
    const steward = await open();
    const call = async (tool: string, args: Record<string, unknown>): Promise<string> =>
      (await steward.say(`call ${tool} ${JSON.stringify(args)}`)).text;
    expect(await call('habit_add', { name: 'yoga', frequency: 'on mon,wed,fri', reminder: '07:00' })).toBe(
      'Noted! Added habit yoga (on mon, wed, fri, at 07:00). Check in with "check in yoga".',
    );
    expect(await call('habit_add', { name: 'stretch', reminder: '7.30' })).toContain('"7.30" is not a time of day');
    expect(await call('habit_add', { name: 'stretch', frequency: 'now and then' })).toContain(
      '"now and then" is not a frequency.',
    );
    expect(query('SELECT name FROM habits')).toEqual([{ name: 'yoga' }]);
    expect(await call('habit_check_in', { habit: 'yoga', date: 'last night', note: 'hard class' })).toContain(
      'Noted! Checked in yoga for yesterday. Note saved.',
    );
    expect(await call('habit_skip', { habit: 'yoga', date: 'wednesday', reason: 'ill' })).toContain(
      'Noted! Skipped yoga for Wed 2026-11-18',
    );
    expect(await call('habit_undo', { habit: 'yoga', date: '2026-11-18', what: 'skip' })).toContain(
      'Noted! Removed the skip of yoga for Wed 2026-11-18.',
    );
    expect(await call('habit_check_in', { habit: 'yoga', date: 'someday' })).toBe(
      'Noted! "someday" is not a day; use "today", "yesterday", a weekday, "3 days ago", "dec 3" or YYYY-MM-DD.\nusage: check in <habit> [<day>] [note]',
    );
    expect(await call('habit_stats', { habit: 'yoga' })).toContain(
      'yoga (on mon, wed, fri, at 07:00) #1 — not due today',
    );
    expect(await call('habit_list', {})).toBe(
      'Noted! yoga (on mon, wed, fri, at 07:00) #1 — not due today, streak 1 day, strength 5%',
    );
    expect(await call('habit_set_reminder', { habit: 'yoga', time: 'off' })).toBe('Noted! No more reminders for yoga.');
    expect(await call('habit_set_frequency', { habit: 'yoga', frequency: 'twice a week' })).toContain(
      'Noted! yoga is now 2 times per week',
    );
    expect(await call('habit_rename', { habit: 'yoga', new_name: 'hot yoga' })).toBe(
      'Noted! Renamed yoga to hot yoga.',
    );
    expect(await call('habit_archive', { habit: 'hot yoga' })).toContain('Noted! Archived hot yoga');
    expect(await call('habit_list', { archived: true })).toBe('Noted! hot yoga (2 times per week) — archived (#1)');
    expect(await call('habit_unarchive', { habit: 'yoga' })).toContain('Noted! hot yoga is active again');
    expect(await call('habit_delete', { habit: 'yoga' })).toContain(
      'Deleting cannot be undone, so name the habit exactly',
    );
    expect(query('SELECT COUNT(*) AS n FROM habits')).toEqual([{ n: 1 }]);
    expect(await call('habit_delete', { habit: '#1' })).toBe('Noted! Deleted hot yoga with its 1 check-in.');
    expect(query('SELECT COUNT(*) AS n FROM habit_checkins')).toEqual([{ n: 0 }]);
  });

  it('runs every goal action as a tool', async () => {
    const steward = await open();
    const call = async (tool: string, args: Record<string, unknown>): Promise<string> =>
      (await steward.say(`call ${tool} ${JSON.stringify(args)}`)).text;
    expect(await call('goal_set', { title: 'learn Italian', deadline: 'in 6 weeks', category: 'learning' })).toBe(
      'Noted! Goal set: learn Italian (learning), by 2027-01-02 (42 days left). Report progress with "update progress learn Italian 10%".',
    );
    expect(await call('goal_set', { title: 'x', deadline: 'whenever' })).toContain(
      '"whenever" is not a date I can read',
    );
    expect(await call('goal_update_progress', { goal: 'italian', change: 15, note: 'first lessons' })).toContain(
      'Noted! learn Italian: 15% (was 0%)',
    );
    expect(await call('goal_update_progress', { goal: 'italian' })).toContain('Give either percent or change.');
    expect(await call('goal_add_milestone', { goal: 'italian', milestone: 'A1 exam' })).toContain(
      'Noted! Milestone added to learn Italian: A1 exam',
    );
    expect(await call('goal_complete_milestone', { goal: 'italian', milestone: 'a1' })).toContain(
      'Noted! Milestone reached: A1 exam (learn Italian)',
    );
    expect(await call('goal_review', {})).toContain('learn Italian (learning) #1  [##--------]  15%');
    expect(await call('goal_show', { goal: 'italian' })).toContain('[x] A1 exam (2026-11-21)');
    expect(await call('goal_set_deadline', { goal: 'italian', deadline: 'none' })).toBe(
      'Noted! learn Italian: no deadline.',
    );
    expect(await call('goal_set_category', { goal: 'italian', category: 'personal' })).toBe(
      'Noted! learn Italian is now in personal.',
    );
    expect(await call('goal_set_category', { goal: 'italian', category: 'hobbies' })).toBe(
      'Noted! "hobbies" is not a category; use one of health, finance, career, personal, learning, relationships, other.\nusage: goal category <goal> <category>',
    );
    expect(await call('goal_abandon', { goal: 'italian' })).toContain('Noted! Abandoned learn Italian at 15%.');
    expect(await call('goals_list', { status: 'abandoned' })).toBe(
      'Noted! learn Italian (personal) #1  [##--------]  15%  abandoned',
    );
    expect(await call('goal_reopen', { goal: 'italian' })).toContain('Noted! learn Italian is active again');
    expect(await call('goal_complete', { goal: 'italian' })).toBe('Noted! Completed learn Italian. Well done!');
    expect(query('SELECT status, progress, category FROM goals')).toEqual([
      { status: 'completed', progress: 100, category: 'personal' },
    ]);
  });

  it('tells the model when the habit does not exist or is ambiguous, and writes nothing', async () => {
    const steward = await open();
    await steward.say('add habit swimming daily');
    await steward.say('add habit rowing daily');
    expect((await steward.say('I went for a run')).text).toBe(
      'Noted! No habit named "run". Your habits: swimming, rowing.',
    );
    await steward.say('add habit morning run daily');
    await steward.say('add habit evening run daily');
    expect((await steward.say('I went for a run')).text).toBe(
      'Noted! "run" matches more than one habit:\n  1. morning run #3\n  2. evening run #4\nSay which one by its number or its #id.',
    );
    expect(query('SELECT COUNT(*) AS n FROM habit_checkins')).toEqual([{ n: 0 }]);
  });
});
