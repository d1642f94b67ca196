import { afterAll, describe, expect, it } from 'vitest';
import { runCli, temporaryDataDir } from '../support/steward.js';

/** `--json` on every command that lists or reports, through the built CLI: one JSON document on stdout. */
describe('--json on lists and reports (the built CLI)', () => {
  const { dataDir, remove } = temporaryDataDir();
  const env = { STEWARD_DATA_DIR: dataDir, STEWARD_TIMEZONE: 'UTC' };
  afterAll(remove);

  it('prints the outbox, memory, doctor, health and history as JSON', async () => {
    await runCli(['run', 'add habit meditation daily'], { env });
    const outbox = await runCli(['outbox', '--json'], { env });
    expect(outbox.code, outbox.stderr).toBe(0);
    expect(JSON.parse(outbox.stdout)).toEqual({ counts: { pending: 0, failed: 0, sent: 0 }, entries: [] });

    const memory = await runCli(['memory', 'status', '--json'], { env });
    expect(memory.code, memory.stderr).toBe(0);
    expect(JSON.parse(memory.stdout)).toMatchObject({
      embedder: { id: expect.stringMatching(/^glove:/) },
      queue: { pending: 0 },
      counts: { messages: 2 },
    });

    const doctor = await runCli(['doctor', '--json'], { env });
    const report = JSON.parse(doctor.stdout) as { ok: boolean; checks: Array<{ name: string; status: string }> };
    expect(report.ok).toBe(false); // no model configured
    expect(doctor.code).toBe(1);
    expect(report.checks.find((check) => check.name === 'models')).toMatchObject({ status: 'fail' });

    const health = await runCli(['health', '--json'], { env });
    expect(JSON.parse(health.stdout)).toMatchObject({ status: 'down' });

    const history = await runCli(['history', '--json'], { env });
    expect(JSON.parse(history.stdout)).toMatchObject({ total: 1, sessions: [{ channel: 'cli', messages: 2 }] });
  });

  it('answers the plugin lists with their data through "steward run --json"', async () => {
    await runCli(['run', 'check in meditation'], { env });
    await runCli(['run', 'set goal run a marathon by 2027-05-01'], { env });
    await runCli(['run', 'remember my coffee order is a cortado'], { env });
    const habits = JSON.parse((await runCli(['run', '--json', 'habits'], { env })).stdout) as {
      kind: string;
      data: { habits: Array<Record<string, unknown>> };
    };
    expect(habits.kind).toBe('command');
    expect(habits.data.habits[0]).toMatchObject({
      name: 'meditation',
      frequencyText: 'daily',
      today: 'done',
      streak: { current: 1, best: 1 },
    });
    const goals = JSON.parse((await runCli(['run', '--json', 'goals'], { env })).stdout) as {
      data: { goals: Array<Record<string, unknown>> };
    };
    expect(goals.data.goals[0]).toMatchObject({ title: 'run a marathon', progress: 0, deadline: '2027-05-01' });
    const profile = JSON.parse((await runCli(['run', '--json', 'profile'], { env })).stdout) as {
      data: { facts: Array<Record<string, unknown>> };
    };
    expect(profile.data.facts[0]).toMatchObject({ key: 'coffee order', value: 'a cortado' });
    // A command with no data answers with its text; a mistake is an error, exit 1.
    const checkIn = JSON.parse((await runCli(['run', '--json', 'check in meditation'], { env })).stdout) as {
      text: string;
    };
    expect(checkIn.text).toContain('meditation');
    const unknown = await runCli(['run', '--json', 'habit stats swimming'], { env });
    expect(unknown.code).toBe(1);
    expect(JSON.parse(unknown.stdout)).toMatchObject({ kind: 'error' });
  });
});
