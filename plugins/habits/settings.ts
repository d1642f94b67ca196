import { z } from 'zod';
import { ConfigError } from '../../src/shared/errors.js';

/**
 * The habits plugin's settings, `plugins.habits` in the config. Every key
 * has a default, so an empty object (or none) is valid.
 */
export const habitSettingsSchema = z.strictObject({
  enabled: z.boolean().optional().describe('false turns the habits plugin off.'),
  reminders: z
    .strictObject({
      enabled: z
        .boolean()
        .default(true)
        .describe("Send each habit's reminder at its time (`add habit meditation daily at 07:30`)."),
      cron: z
        .string()
        .regex(/^(\S+\s+){4,5}\S+$/, 'must be a cron expression with 5 or 6 fields')
        .default('* * * * *')
        .describe('How often the daemon looks for reminders that are due, in STEWARD_TIMEZONE (default every minute).'),
      lateMinutes: z
        .number()
        .int()
        .min(1)
        .max(720)
        .default(60)
        .describe(
          'A reminder whose time passed while the daemon was down is still sent within this many minutes of it.',
        ),
    })
    .prefault({})
    .describe('Habit reminders: on Signal when it is configured, else shown in an open REPL.'),
});

/** The habits plugin's settings, defaults applied. */
export type HabitSettings = z.output<typeof habitSettingsSchema>;

/**
 * Parse `plugins.habits`.
 * @param settings - the raw `plugins.habits` object
 * @returns the settings with defaults
 * @throws ConfigError naming the first bad key, for example `plugins.habits.reminders.lateMinutes`
 */
export function readHabitSettings(settings: Record<string, unknown>): HabitSettings {
  const parsed = habitSettingsSchema.safeParse(settings);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const path =
    issue === undefined
      ? []
      : [...issue.path.map(String), ...(issue.code === 'unrecognized_keys' ? [issue.keys[0] ?? ''] : [])];
  const key = ['plugins', 'habits', ...path].join('.');
  const problem = issue?.code === 'unrecognized_keys' ? 'is not a known setting' : (issue?.message ?? 'is invalid');
  throw new ConfigError(`config error: ${key} ${problem}`, { key, source: 'plugins.habits' });
}
