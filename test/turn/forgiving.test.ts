import { afterEach, describe, expect, it } from 'vitest';
import { startOpenAIServer, type OpenAIServer } from '../support/openai-server.js';
import { openTestSteward, type TestSteward } from '../support/steward.js';

/**
 * Forgiving commands that never guess wrong: a typo in a command word is
 * asked about, not sent to the model; an ambiguous name lists numbered
 * choices and a number picks one; `help <topic>`.
 */
describe('forgiving commands', () => {
  let opened: TestSteward | undefined;
  let model: OpenAIServer | undefined;
  afterEach(async () => {
    await opened?.close();
    await model?.close();
    opened = undefined;
    model = undefined;
  });

  async function open(): Promise<TestSteward> {
    model = await startOpenAIServer({ model: 'local-model' });
    opened = await openTestSteward({ env: { STEWARD_LOCAL_FAST_URL: model.url } });
    return opened;
  }

  const checkins = (): unknown[] =>
    (opened as TestSteward).steward.database.prepare('SELECT habit_id, day FROM habit_checkins ORDER BY id').all();

  it('asks "did you mean" for a command word one edit away, runs it on yes, and never asks the model', async () => {
    const steward = await open();
    await steward.say('add habit meditation');
    await steward.say('add habit run');
    await steward.say('set goal run a marathon');
    const cases: ReadonlyArray<[string, string]> = [
      ['chek in meditation', 'check in meditation'],
      ['check-in run', 'check in run'],
      ['habit stat run', 'habit stats run'],
      ['goal reveiw', 'goal review'],
      ['remeber my coffee is black', 'remember my coffee is black'],
    ];
    for (const [typed, meant] of cases) {
      const reply = await steward.say(typed);
      expect(reply.text, typed).toBe(`Did you mean "${meant}"? Say yes to run it.`);
    }
    expect(checkins()).toEqual([]);
    // Nothing happens until the owner says yes; the yes runs the last suggestion only.
    await steward.say('chek in meditation');
    expect((await steward.say('yes')).text).toContain('Checked in meditation for today.');
    expect(checkins()).toEqual([{ habit_id: 1, day: '2026-11-21' }]);
    await steward.say('check-in run');
    expect((await steward.say('no')).text).toBe('OK, nothing done.');
    await steward.say('check-in run');
    await steward.say('something else entirely');
    expect(checkins()).toHaveLength(1);
    // Sentences that only look like commands still go to the model.
    expect((await steward.say('check on the kids')).kind).toBe('agent');
    expect((await steward.say('skin care tips please')).kind).toBe('agent');
    expect((await steward.say('goals are hard')).kind).toBe('agent');
    expect(model?.chatRequests.map((request) => request.messages[request.messages.length - 1]?.content)).toEqual([
      expect.stringContaining('something else entirely'),
      expect.stringContaining('check on the kids'),
      expect.stringContaining('skin care tips please'),
      expect.stringContaining('goals are hard'),
    ]);
  });

  it('lists numbered choices with #ids for an ambiguous name, and a number (or #id) picks one', async () => {
    const steward = await open();
    await steward.say('set goal run a marathon');
    await steward.say('set goal run a half marathon');
    const ambiguous = await steward.say('add milestone marathon: run 30 km');
    expect(ambiguous.text).toBe(
      '"marathon" matches more than one goal:\n  1. run a marathon #1\n  2. run a half marathon #2\nSay which one by its number or its #id.',
    );
    const picked = await steward.say('2');
    expect(picked.text).toBe(
      'Milestone added to run a half marathon: run 30 km (milestones 0 of 1 done, next: run 30 km).',
    );
    // Lists show the #ids that name a goal for sure.
    expect((await steward.say('goals')).text).toMatch(/^run a marathon #1 +\[/);
    await steward.say('update progress marathon 10%');
    expect((await steward.say('#1')).text).toContain('run a marathon: 10%');
    // A number with no question pending, or out of range, is an ordinary message.
    await steward.say('update progress marathon 20%');
    expect((await steward.say('7')).kind).toBe('agent');
    const milestones = steward.steward.database.prepare('SELECT goal_id, title FROM goal_milestones').all();
    expect(milestones).toEqual([{ goal_id: 2, title: 'run 30 km' }]);
    // The choices belong to the sender and channel that were asked.
    await steward.say('update progress marathon 30%');
    const other = await steward.steward.handle({
      channel: 'signal',
      sender: '+15551112222',
      text: '1',
      receivedAt: new Date(),
    });
    expect(other.kind).toBe('agent');
  });

  it('checks in the habit an exact or near-exact name means: "runn" is run, not running', async () => {
    const steward = await open();
    await steward.say('add habit run');
    await steward.say('add habit running');
    expect((await steward.say('check in runn')).text).toContain('Checked in run for today.');
    expect((await steward.say('check in running yesterday')).text).toContain('Checked in running for yesterday.');
    expect(checkins()).toEqual([
      { habit_id: 1, day: '2026-11-21' },
      { habit_id: 2, day: '2026-11-20' },
    ]);
  });

  it('answers help <topic> from the command list, and lets other help requests reach the model', async () => {
    const steward = await open();
    const habits = await steward.say('help habits');
    expect(habits.kind).toBe('command');
    expect(habits.text).toContain('  check in <habit> [<day>] [note]\n      Record that you did a habit');
    expect(habits.text).toContain('3 days ago, a week ago');
    expect((await steward.say('help goal')).text).toContain('set goal <title>');
    expect((await steward.say('help check in')).text).toMatch(/^ {2}check in <habit> \[<day>\] \[note\]/);
    expect((await steward.say('help days')).text).toContain('last friday (before today)');
    expect((await steward.say('help me plan my week')).kind).toBe('agent');
    // The short list fits the terminal it is shown on, never cutting a word.
    const narrow = await steward.say('help', { columns: 50 });
    for (const line of narrow.text.split('\n')) expect(line.length, line).toBeLessThanOrEqual(50);
    expect(narrow.text.split('\n').length).toBeLessThan(20);
  });
});
