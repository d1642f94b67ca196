import { CronExpressionParser } from 'cron-parser';
import { DateTime } from 'luxon';
import type { CatchUpPolicy } from '../plugins/api.js';

/**
 * The latest time at or before `at` that a cron expression names, in a time
 * zone. node-cron only looks forward, so this uses cron-parser's `prev()`
 * (which follows the zone's DST rules).
 * @param cron - 5 or 6 fields, as node-cron accepts
 * @param timeZone - IANA zone the expression is read in
 * @param at - the instant to look back from (inclusive)
 * @returns the scheduled time, or undefined when the expression cannot be read or names no earlier time
 */
export function previousScheduledTime(cron: string, timeZone: string, at: Date): Date | undefined {
  try {
    const expression = CronExpressionParser.parse(cron, { currentDate: new Date(at.getTime() + 1), tz: timeZone });
    return expression.prev().toDate();
  } catch (error) {
    if (error instanceof Error) return undefined;
    throw error;
  }
}

/** What to do about one missed scheduled time. */
export interface CatchUpDecision {
  /** `run` it now (late), or `skip` it. */
  action: 'run' | 'skip';
  /** One line for the log and the daemon's start-up output. */
  reason: string;
}

/**
 * Apply a job's catch-up policy to one scheduled time that did not run.
 * @param policy - `skip`, or `run-if-within` a grace period
 * @param scheduledFor - the missed time
 * @param now - the current instant
 * @param timeZone - the owner's zone, for the message
 * @returns run or skip, with the reason in words
 */
export function decideCatchUp(policy: CatchUpPolicy, scheduledFor: Date, now: Date, timeZone: string): CatchUpDecision {
  const late = now.getTime() - scheduledFor.getTime();
  const when = `${describeTime(scheduledFor, timeZone)} (${formatDuration(late)} ago)`;
  if (policy.policy === 'skip') return { action: 'skip', reason: `missed ${when}; its policy is to skip missed runs` };
  if (policy.policy === 'ignore')
    return { action: 'skip', reason: `missed ${when}; a polling job ignores missed runs` };
  if (late <= policy.graceMs)
    return {
      action: 'run',
      reason: `missed ${when}, within its ${formatDuration(policy.graceMs)} grace: running it now`,
    };
  return { action: 'skip', reason: `missed ${when}, past its ${formatDuration(policy.graceMs)} grace: skipped` };
}

/**
 * A scheduled time in the owner's zone, for messages: `Sat 2026-11-21 07:00`.
 * @param instant - the time
 * @param timeZone - IANA zone
 */
export function describeTime(instant: Date, timeZone: string): string {
  return DateTime.fromJSDate(instant, { zone: timeZone }).setLocale('en').toFormat('ccc yyyy-LL-dd HH:mm');
}

/**
 * A duration in words: `45 s`, `12 min`, `2 h 30 min`, `5 days 15 h`.
 * @param ms - the duration in ms
 */
export function formatDuration(ms: number): string {
  const seconds = Math.round(Math.abs(ms) / 1000);
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  if (hours < 48) return rest === 0 ? `${hours} h` : `${hours} h ${rest} min`;
  return hours % 24 === 0 ? `${hours / 24} days` : `${Math.floor(hours / 24)} days ${hours % 24} h`;
}
