import { z } from 'zod';

/**
 * `limits`: the most steward takes in one piece of input, so that no input
 * can block the process or flood Signal (issue 10, item 7: a 1 MB `check
 * in` took 166 s, and a 1 MB `remember` over Signal was answered in 184
 * messages). Each limit, when exceeded, gets a one-line message naming it.
 */
export const limitsSchema = z.strictObject({
  commandLine: z
    .number()
    .int()
    .min(100)
    .describe('Most characters in one REPL line or `steward run` text; a longer one is refused with a message.'),
  signalMessage: z
    .number()
    .int()
    .min(100)
    .describe('Most characters in one Signal message to steward; a longer one is answered with a message, not read.'),
  name: z
    .number()
    .int()
    .min(10)
    .describe(
      'Most characters in a habit name, a goal title or a milestone; also the longest name a lookup tries to match.',
    ),
  fact: z.number().int().min(20).describe('Most characters in a fact to remember (key and value together).'),
  signalReplyParts: z
    .number()
    .int()
    .min(1)
    .max(20)
    .describe(
      'A long reply goes out on Signal as at most this many messages; the rest is kept, and sent when the owner answers "more".',
    ),
});

/** The input limits (see {@link limitsSchema}). */
export type InputLimits = z.output<typeof limitsSchema>;
