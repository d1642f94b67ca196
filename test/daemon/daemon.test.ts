import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Daemon } from '../../src/daemon/daemon.js';
import { openTestSteward, type TestSteward } from '../support/steward.js';

describe('daemon', () => {
  let opened: TestSteward | undefined;
  afterEach(async () => {
    await opened?.close();
    opened = undefined;
  });

  it('schedules the morning and weekly briefings at their cron times in STEWARD_TIMEZONE', async () => {
    opened = await openTestSteward({ env: { STEWARD_TIMEZONE: 'Asia/Singapore' } });
    const daemon = new Daemon(opened.steward);
    await daemon.start();
    try {
      const runs = daemon.scheduler.nextRuns();
      expect(runs.map((run) => run.job)).toEqual(['briefings:morning', 'briefings:weekly', 'habits:reminders']);
      const morning = runs[0]?.next;
      // 07:00 in Singapore is 23:00 UTC.
      expect(morning?.getUTCHours()).toBe(23);
      expect(morning?.getUTCMinutes()).toBe(0);
      const weekly = runs[1]?.next;
      // Sunday 18:00 in Singapore is Sunday 10:00 UTC.
      expect(weekly?.getUTCDay()).toBe(0);
      expect(weekly?.getUTCHours()).toBe(10);
    } finally {
      await daemon.stop();
    }
    expect(daemon.running).toBe(false);
  });

  it('leaves out a briefing disabled in the config', async () => {
    opened = await openTestSteward({ overrides: { briefings: { weekly: { enabled: false } } } });
    expect(opened.steward.plugins.schedules().map((job) => job.id)).toEqual(['briefings:morning', 'habits:reminders']);
  });

  it('refuses an impossible cron time in the config before anything starts, naming the key', async () => {
    await expect(openTestSteward({ overrides: { briefings: { morning: { cron: '99 99 * * *' } } } })).rejects.toThrow(
      /^config error: briefings\.morning\.cron is not a cron time that can happen/,
    );
  });

  it('refuses to start with a plugin job whose cron expression is invalid, naming the job', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'steward-plugins-'));
    mkdirSync(join(directory, 'ticker'));
    writeFileSync(
      join(directory, 'ticker', 'index.ts'),
      `export default { name: 'ticker', description: 'a bad schedule', schedules: [{ name: 'tick', cron: '99 99 * * *', handler: () => undefined }] };\n`,
    );
    opened = await openTestSteward({ pluginsDirectory: directory });
    const daemon = new Daemon(opened.steward);
    await expect(daemon.start()).rejects.toThrow('job ticker:tick has an invalid cron expression "99 99 * * *"');
    // The lock was released: a corrected daemon can start.
    expect(daemon.running).toBe(false);
  });
});
