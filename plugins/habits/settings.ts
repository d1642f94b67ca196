import { z } from 'zod';

/**
 * The habits plugin's settings, `plugins.habits` in the config. Every key
 * has a default, so an empty object (or none) is valid. The plugin host
 * parses them with this schema before `setup` (`enabled` is the host's), and
 * a bad value skips the plugin with a config error naming the key, for
 * example `plugins.habits.reminders.lateMinutes`.
 */
export const habitSettingsSchema = z.strictObject({
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
