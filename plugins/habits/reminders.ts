import { DateTime } from 'luxon';
import type { PluginContext } from '../../src/plugins/api.js';
import { DeliveryError, describeError } from '../../src/shared/errors.js';
import type { IsoDate } from '../../src/shared/time.js';
import { allReports, habitStore } from './actions.js';
import { describeStatus } from './render.js';
import type { HabitReport } from './report.js';
import type { HabitSettings } from './settings.js';

/**
 * Habit reminders. A habit with a reminder time (`add habit meditation daily
 * at 07:30`) is reminded once on each day it is due and not yet done, at or
 * after that local time. With Signal configured the daemon's schedule sends
 * it through the outbox (idempotency key `habit-reminder:<id>:<day>`);
 * without Signal an open REPL shows it. Each reminder is claimed in
 * `habit_reminders` first, so it goes out once, from one process.
 */

/**
 * The idempotency key of a habit's reminder on a day.
 * @param habitId - the habit's id
 * @param day - the owner's local day
 */
export function reminderKey(habitId: number, day: IsoDate): string {
  return `habit-reminder:${habitId}:${day}`;
}

function minutesOf(time: string): number {
  return Number(time.slice(0, 2)) * 60 + Number(time.slice(3, 5));
}

/**
 * Habits whose reminder is due at `instant`: the reminder time has come
 * (within `lateMinutes` of it, when given), the habit is due today, no
 * reminder went out for it today, and the habit existed at that time (a
 * habit added at 09:00 with a 07:30 reminder is first reminded tomorrow).
 * @param context - the habits plugin's context
 * @param instant - now, or the scheduled time of the run
 * @param lateMinutes - how long after its time a reminder may still go out (undefined: the rest of the day)
 * @returns the reports of the habits to remind, and the local day
 */
export function dueReminders(
  context: PluginContext,
  instant: Date,
  lateMinutes?: number,
): { day: IsoDate; due: HabitReport[] } {
  const local = DateTime.fromJSDate(instant, { zone: context.timeZone });
  const day = local.toISODate() as IsoDate;
  const now = local.hour * 60 + local.minute;
  const store = habitStore(context);
  const due = allReports(context).filter((report) => {
    const time = report.habit.reminder;
    if (time === null || report.today !== day || !report.dueToday) return false;
    const late = now - minutesOf(time);
    if (late < 0 || (lateMinutes !== undefined && late > lateMinutes)) return false;
    const at = DateTime.fromISO(`${day}T${time}`, { zone: context.timeZone });
    if (at.isValid && Date.parse(report.habit.createdAt) > at.toMillis()) return false;
    return store.reminderStatus(report.habit.id, day) === undefined;
  });
  return { day, due };
}

/**
 * The reminder text: `Reminder: meditation (07:30) is not done yet today.
 * Streak: 12 days. Say "check in meditation" when it is.`
 * @param report - the habit's report
 */
export function reminderText(report: HabitReport): string {
  const streak = report.streak > 0 ? ` Your ${report.streak}-day streak ends if you miss it.` : '';
  return `Reminder: ${report.habit.name} (${report.habit.reminder ?? ''}) — ${describeStatus(report)}.${streak} Say "check in ${report.habit.name}" when it is done.`;
}

/**
 * The daemon's reminder job: send every due reminder to the owner on
 * Signal. Without Signal it does nothing (the REPL shows reminders instead).
 * A failed send stays in the outbox, which retries it with backoff; the
 * reminder is recorded as `queued` (or `failed` when Signal refused it for
 * good) and this job does not send it again.
 * @param context - the habits plugin's context
 * @param scheduledFor - the cron time of this run
 * @throws whatever is not a DeliveryError (logged by the plugin's error boundary), after releasing the claim
 */
export async function sendDueReminders(context: PluginContext<HabitSettings>, scheduledFor: Date): Promise<void> {
  const settings = context.settings;
  const missing = context.services.deliveryProblem();
  if (missing !== undefined) {
    context.log.debug({ reason: missing }, 'habit reminders go to the REPL: Signal is not configured');
    return;
  }
  const { day, due } = dueReminders(context, scheduledFor, settings.reminders.lateMinutes);
  const store = habitStore(context);
  for (const report of due) {
    const habitId = report.habit.id;
    if (!store.claimReminder(habitId, day, 'signal', context.clock.now())) continue;
    try {
      const result = await context.services.deliverToOwner({
        idempotencyKey: reminderKey(habitId, day),
        text: reminderText(report),
      });
      store.settleReminder(habitId, day, 'sent');
      context.log.info({ habit: habitId, day, status: result.status }, 'habit reminder sent');
    } catch (error) {
      if (!(error instanceof DeliveryError)) {
        store.releaseReminder(habitId, day);
        throw error;
      }
      store.settleReminder(habitId, day, error.isRetryable ? 'queued' : 'failed', describeError(error));
      context.log.warn(
        { habit: habitId, day, retryable: error.isRetryable },
        `habit reminder not delivered yet: ${describeError(error)}`,
      );
    }
  }
}

/**
 * Reminders for an open REPL when Signal is not configured: every habit
 * whose reminder time has passed today and that is still due, each shown
 * once.
 * @param context - the habits plugin's context
 * @returns the lines to show (empty with Signal configured: the daemon sends them there)
 */
export function replReminders(context: PluginContext<HabitSettings>): string[] {
  if (!context.settings.reminders.enabled) return [];
  if (context.services.deliveryProblem() === undefined) return [];
  const now = context.clock.now();
  const { day, due } = dueReminders(context, now);
  const store = habitStore(context);
  return due.filter((report) => store.claimReminder(report.habit.id, day, 'repl', now)).map(reminderText);
}
