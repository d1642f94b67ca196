import { z } from 'zod';
import { catchUpPolicy, cronExpression } from './fields.js';

/**
 * `plugins.<name>`: each plugin's settings. Most plugins check their own
 * (see `Plugin.settings` in src/plugins/api.ts) when they load; the
 * briefings plugin's are checked here, with the rest of the configuration,
 * so that a bad briefing time stops steward before anything starts, naming
 * the key and the file.
 */

function briefingSchedule(kind: 'morning' | 'weekly') {
  return z.strictObject({
    enabled: z.boolean().describe(`Schedule the ${kind} briefing in the daemon.`),
    cron: cronExpression.describe(`When the ${kind} briefing is sent, in the configured time zone.`),
    catchUp: catchUpPolicy.describe(
      `What the daemon does at start (or after the machine slept) about a ${kind} briefing time it missed.`,
    ),
  });
}

/**
 * `plugins.briefings`: when the morning and weekly briefings are sent. Older
 * configs have it as the top-level key `briefings`, which is still read
 * (see `migrateLegacyKeys`).
 */
export const briefingsSettingsSchema = z
  .strictObject({
    enabled: z
      .boolean()
      .optional()
      .describe('false turns the briefings plugin off: no schedules, no "briefing" command.'),
    morning: briefingSchedule('morning'),
    weekly: briefingSchedule('weekly'),
  })
  .describe(
    'The briefings plugin: when the morning and weekly briefings are sent (formerly the top-level "briefings").',
  );

/** The briefings plugin's settings (see {@link briefingsSettingsSchema}). */
export type BriefingsSettings = z.output<typeof briefingsSettingsSchema>;

/** `plugins`: per-plugin settings, keyed by plugin name. */
export const pluginsSchema = z
  .object({ briefings: briefingsSettingsSchema })
  .catchall(z.record(z.string(), z.unknown()))
  .describe('Per-plugin settings under plugins.<name>; { "enabled": false } turns a plugin off.');

/**
 * Plugin names whose settings this schema declares. The plugin host does not
 * report them as "configured but missing" when a plugins folder lacks them
 * (a test's folder, say): their defaults are always present.
 */
export const CORE_PLUGIN_SETTINGS: readonly string[] = Object.keys(pluginsSchema.shape);
