import { CronExpressionParser } from 'cron-parser';
import { z } from 'zod';

/**
 * Field types that several sections of the configuration share: URLs,
 * provider ids, time zones, cron expressions, Signal addresses and the
 * catch-up policy of a scheduled job.
 */

/** True when `zone` is an IANA time zone that this Node.js knows, for example `Europe/Berlin`. */
export function isValidTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** An `http://` or `https://` URL with a host. */
export const httpUrl = z
  .string()
  .refine((value) => /^https?:\/\/[^\s/]+/.test(value), { message: 'must be an http:// or https:// URL' });

/** A provider id as chains, logs and `/status` show it, for example `local-fast`. */
export const providerId = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]*$/, 'must be lower-case letters, digits, ".", "_" or "-"');

/**
 * Why a cron expression cannot run ("61 7 * * *": minute 61), or undefined
 * when cron-parser (the parser of the scheduler's catch-up) reads it.
 * @param expression - 5 or 6 fields
 */
function cronProblem(expression: string): string | undefined {
  try {
    CronExpressionParser.parse(expression);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

/** A cron expression of 5 or 6 fields that cron-parser accepts, for example `0 7 * * *`. */
export const cronExpression = z
  .string()
  .regex(/^(\S+\s+){4,5}\S+$/, 'must be a cron expression with 5 or 6 fields, for example "0 7 * * *"')
  .superRefine((value, context) => {
    if (!/^(\S+\s+){4,5}\S+$/.test(value)) return;
    const problem = cronProblem(value);
    if (problem !== undefined)
      context.addIssue({
        code: 'custom',
        message: `is not a cron time that can happen (${problem}); for example "0 7 * * *"`,
      });
  });

/** An E.164 phone number (`+15551234567`) or a Signal UUID. */
export const signalAddress = z
  .string()
  .regex(
    /^(\+[1-9]\d{6,14}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i,
    'must be an E.164 number such as +15551234567 or a Signal UUID',
  );

/** What the daemon does about a scheduled time it missed (see docs/daemon.md, "Catch-up"). */
export const catchUpPolicy = z.strictObject({
  policy: z
    .enum(['run-if-within', 'skip'])
    .describe('run-if-within: run a missed time late if it is at most graceMs old; skip: never run a missed time.'),
  graceMs: z.number().int().min(0).describe('How late a missed run may still start, in ms (run-if-within only).'),
});
