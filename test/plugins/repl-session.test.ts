import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { runRepl } from '../../src/channels/repl.js';
import { replHost } from '../../src/app/repl-host.js';
import { manualClock, openTestSteward, type TestSteward } from '../support/steward.js';

/** Every habit and goal command, typed into the REPL (piped), with a part of the reply the owner sees. */
const SESSION: ReadonlyArray<[string, string]> = [
  ['add habit meditation daily at 07:00', 'Added habit meditation (daily, at 07:00).'],
  ['add habit gym 3 times per week', 'Added habit gym (3 times per week).'],
  ['new habit piano on mon,wed,fri', 'Added habit piano (on mon, wed, fri).'],
  ['check in meditation yesterday', 'Checked in meditation for yesterday.'],
  ['checkin meditation felt calm', 'Checked in meditation for today. Note saved. Streak: 2 days'],
  ['check in gym wednesday', 'Checked in gym for Wed 2026-11-18. 1 of 3 in the last 7 days.'],
  ['skip piano friday ill', 'Skipped piano for yesterday: it neither counts nor breaks the streak.'],
  ['undo skip piano friday', 'Removed the skip of piano for yesterday.'],
  ['undo check in gym wednesday', 'Removed the check-in of gym for Wed 2026-11-18.'],
  ['habit stats meditation', '  strength 10% (+10 in 7 days)'],
  ['habits', 'gym (3 times per week) #2 — due: 0 of 3 in the last 7 days, streak 0 days, strength 0%'],
  ['habit reminder gym 18:30', "I'll remind you of gym at 18:30"],
  ['habit frequency gym weekly', 'gym is now weekly'],
  ['rename habit piano to keys', 'Renamed piano to keys.'],
  ['archive habit keys', 'Archived keys; its history is kept.'],
  ['habits archived', 'keys (on mon, wed, fri) — archived (#3)'],
  ['unarchive habit keys', 'keys is active again'],
  ['delete habit keys', 'Deleted keys with its 0 check-ins.'],
  [
    'set goal run a marathon by end of March #health',
    'Goal set: run a marathon (health), by 2027-03-31 (130 days left).',
  ],
  ['add goal learn piano in 6 weeks', 'Goal set: learn piano, by 2027-01-02 (42 days left).'],
  [
    'update progress marathon 10% first long run',
    'run a marathon: 10% (was 0%), by 2027-03-31 (130 days left), on track (ahead by 10%). Note saved.',
  ],
  ['add milestone marathon: half marathon', 'Milestone added to run a marathon: half marathon'],
  ['complete milestone marathon: half', 'Milestone reached: half marathon (run a marathon)'],
  ['goals', 'learn piano #2              [----------]   0%  by 2027-01-02 (42 days left), on track'],
  ['goal review', 'Goal review, 2026-11-21: 2 active goals, all on track.'],
  ['show goal marathon', '    [x] half marathon (2026-11-21)'],
  ['goal deadline piano 2027-02-01', 'learn piano: by 2027-02-01 (72 days left), on track.'],
  ['goal category piano learning', 'learn piano is now in learning.'],
  ['abandon goal piano', 'Abandoned learn piano at 0%.'],
  ['reopen goal piano', 'learn piano is active again, at 0%'],
  ['complete goal marathon', 'Completed run a marathon. Well done!'],
  ['goals completed', 'run a marathon (health) #1  [##########] 100%  completed'],
  ['briefing morning', 'Habits due today:\n- gym (weekly, at 18:30) — due: 0 of 1 in the last 7 days'],
  ['briefing weekly', 'Milestones reached:\n- half marathon (run a marathon), 2026-11-21'],
  ['help', '  habits     add habit, check in, skip, undo check in, undo skip, undo, habit\n'],
  ['help habits', '  undo check in <habit> [<day>]\n      Remove a check-in recorded by mistake'],
];

describe('every habit and goal command through the REPL', () => {
  let opened: TestSteward | undefined;
  afterEach(async () => {
    await opened?.close();
    opened = undefined;
  });

  it('answers each line in order, with no model configured', async () => {
    opened = await openTestSteward({ clock: manualClock('2026-11-21T08:00:00Z') });
    const input = new PassThrough();
    const output = new PassThrough();
    let text = '';
    output.on('data', (chunk: Buffer) => (text += chunk.toString()));
    input.end(SESSION.map(([line]) => line).join('\n') + '\n');
    expect(await runRepl({ host: replHost(opened.steward), input, output, terminal: false, sender: 'owner' })).toBe(0);
    let cursor = 0;
    for (const [line, expected] of SESSION) {
      const at = text.indexOf(expected, cursor);
      expect(
        at,
        `reply to "${line}" should contain ${JSON.stringify(expected)} after position ${cursor}:\n${text.slice(cursor, cursor + 400)}`,
      ).toBeGreaterThanOrEqual(0);
      cursor = at + expected.length;
    }
    const commands = opened.steward.database
      .prepare("SELECT json_extract(meta, '$.command') AS command FROM messages WHERE role = 'assistant'")
      .all() as Array<{ command: string | null }>;
    expect(commands.every((row) => row.command !== null)).toBe(true);
    expect(commands).toHaveLength(SESSION.length);
  });
});
