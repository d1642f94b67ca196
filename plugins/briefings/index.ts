import {
  briefingsSettingsSchema,
  definePlugin,
  type BriefingKind,
  type BriefingsSettings,
  type CatchUpPolicy,
  type PluginContext,
  type PluginSchedule,
} from '../../src/plugins/api.js';
import { DeliveryError, UsageError } from '../../src/shared/errors.js';
import { briefingTopic } from '../../src/shared/messages.js';
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
  return briefingTopic(kind, localDate(scheduledFor, timeZone));
}

type BriefingsContext = PluginContext<BriefingsSettings>;

function catchUpPolicy(kind: BriefingKind, context: BriefingsContext): CatchUpPolicy {
  const { policy, graceMs } = context.settings[kind].catchUp;
  return policy === 'skip' ? { policy } : { policy, graceMs };
}

function schedule(kind: BriefingKind): PluginSchedule<BriefingsSettings> {
  return {
    name: kind,
    cron: (context: BriefingsContext) => context.settings[kind].cron,
    enabled: (context: BriefingsContext) => context.settings[kind].enabled,
    catchUp: (context: BriefingsContext) => catchUpPolicy(kind, context),
    handler: async ({ scheduledFor, signal }, context) => {
      // Say it before a model spends a minute writing a briefing that cannot go anywhere.
      const missing = context.services.deliveryProblem();
      if (missing !== undefined)
        throw new DeliveryError(`the ${kind} briefing cannot be sent: ${missing}`, {
          channel: 'signal',
          retryable: false,
        });
      // The scheduled time's day, not the clock's: a weekly briefing caught up after midnight is still Sunday's.
      const briefing = await context.services.composeBriefing(kind, {
        signal,
        day: localDate(scheduledFor, context.timeZone),
      });
      const idempotencyKey = briefingKey(kind, scheduledFor, context.timeZone);
      try {
        // The key is the topic: no second briefing for the day, even when one was sent by hand.
        const result = await context.services.deliverToOwner({
          idempotencyKey,
          text: briefing.text,
          topic: idempotencyKey,
        });
        if (result.status === 'already-sent')
          context.log.info({ kind, idempotencyKey }, 'briefing not sent: one was sent already for this day');
        else context.log.info({ kind, writtenBy: briefing.writtenBy, status: result.status }, 'briefing delivered');
      } catch (error) {
        // Written to the outbox, which retries with backoff: the job itself is done.
        if (!(error instanceof DeliveryError) || !error.isRetryable) throw error;
        context.log.warn(
          { kind, idempotencyKey, writtenBy: briefing.writtenBy },
          `briefing queued; Signal failed (${error.message}); the outbox retries`,
        );
      }
    },
  };
}

/**
 * The morning and weekly briefings: scheduled delivery on Signal, and
 * `briefing morning|weekly` to read one now. Times in `plugins.briefings`
 * (checked with the rest of the config at load; the old top-level
 * `briefings` key is still read).
 */
export default definePlugin({
  name: 'briefings',
  description: 'Morning and weekly briefings on a schedule',
  settings: briefingsSettingsSchema,
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
  schedules: [schedule('morning'), schedule('weekly')],
});
