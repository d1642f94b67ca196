import { definePlugin, type BriefingKind, type PluginContext, type PluginSchedule } from '../../src/plugins/api.js';
import { UsageError } from '../../src/shared/errors.js';
import { localDate } from '../../src/shared/time.js';

const USAGE = 'briefing morning|weekly';

function parseKind(text: string): BriefingKind {
  const kind = text.trim().toLowerCase();
  if (kind === '' || kind === 'morning') return 'morning';
  if (kind === 'weekly' || kind === 'week') return 'weekly';
  throw new UsageError(`There is no "${text}" briefing.`, USAGE);
}

/**
 * The idempotency key of a scheduled briefing: one per kind and local day.
 * @param kind - `morning` or `weekly`
 * @param scheduledFor - the cron time of the run
 * @param timeZone - the owner's zone
 */
export function briefingKey(kind: BriefingKind, scheduledFor: Date, timeZone: string): string {
  return `briefing:${kind}:${localDate(scheduledFor, timeZone)}`;
}

function schedule(kind: BriefingKind, graceMs: number): PluginSchedule {
  return {
    name: kind,
    cron: (context: PluginContext) => context.config.briefings[kind].cron,
    enabled: (context: PluginContext) => context.config.briefings[kind].enabled,
    catchUp: { policy: 'run-if-within', graceMs },
    handler: async ({ scheduledFor }, context) => {
      const briefing = await context.services.composeBriefing(kind);
      const result = await context.services.deliverToOwner({ idempotencyKey: briefingKey(kind, scheduledFor, context.timeZone), text: briefing.text });
      context.log.info({ kind, writtenBy: briefing.writtenBy, status: result.status }, 'briefing delivered');
    },
  };
}

/** The morning and weekly briefings: scheduled delivery on Signal, and `briefing morning|weekly` to read one now. */
export default definePlugin({
  name: 'briefings',
  description: 'Morning and weekly briefings on a schedule',
  commands: [
    {
      name: 'briefing',
      phrases: ['briefing'],
      usage: USAGE,
      description: 'Show a briefing now (steward briefing sends it)',
      args: 'optional',
      handler: async ({ args }, context) => {
        const briefing = await context.services.composeBriefing(parseKind(args));
        return briefing.text;
      },
    },
  ],
  schedules: [schedule('morning', 3 * 3_600_000), schedule('weekly', 12 * 3_600_000)],
});
