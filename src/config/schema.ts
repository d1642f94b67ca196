import { z } from 'zod';
import { backupSchema } from './sections/backup.js';
import { isValidTimeZone } from './sections/fields.js';
import { limitsSchema, type InputLimits } from './sections/limits.js';
import { embeddingsSchema, memorySchema } from './sections/memory.js';
import { modelsSchema, providerSchema } from './sections/models.js';
import { briefingsSettingsSchema, pluginsSchema, type BriefingsSettings } from './sections/plugins.js';
import { signalSchema } from './sections/signal.js';

/**
 * The one zod schema of steward's configuration. Defaults live in
 * `config/default.json`; this schema validates the merged result and documents
 * every key (`pnpm config:schema` turns it into `config/schema.json`). Each
 * section has its own file in `sections/`: fields shared between sections,
 * models, embeddings and memory, Signal, and plugins.
 *
 * Objects are strict: an unknown key is reported, so a typo never passes
 * silently.
 */

export { isValidTimeZone, providerSchema, briefingsSettingsSchema, type BriefingsSettings, type InputLimits };

/** The whole configuration, after defaults and overrides are merged. */
export const configSchema = z.strictObject({
  dataDir: z
    .string()
    .min(1)
    .describe(
      'Directory of the database, vector indexes, REPL history and log. Relative paths in config files are relative to the checkout; STEWARD_DATA_DIR is relative to the working directory.',
    ),
  timezone: z
    .string()
    .refine(isValidTimeZone, { message: 'must be an IANA time zone such as "Europe/Berlin"' })
    .nullable()
    .describe('IANA time zone for schedules and "today"; null = the system zone.'),
  log: z.strictObject({
    level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).describe('Log level.'),
    file: z.string().min(1).describe('Log file name inside dataDir (the daemon also logs to stderr).'),
    format: z
      .enum(['auto', 'pretty', 'json'])
      .describe(
        "How the daemon's log lines look on stderr: auto = readable (pino-pretty) on a terminal, JSON otherwise; pretty; json. The log file is always JSON.",
      ),
  }),
  models: modelsSchema,
  embeddings: embeddingsSchema,
  memory: memorySchema,
  signal: signalSchema,
  limits: limitsSchema,
  daemon: z.strictObject({
    outboxIntervalMs: z
      .number()
      .int()
      .positive()
      .describe('How often the daemon looks for outbox messages due for a retry, in ms.'),
    heartbeatMs: z
      .number()
      .int()
      .positive()
      .describe('How often the daemon renews its lock and writes its health snapshot, in ms.'),
    lockStaleMs: z
      .number()
      .int()
      .positive()
      .describe(
        'A daemon lock not renewed for this long is taken over by a new daemon, in ms (at once when its process is gone on this host). Keep it several heartbeats long.',
      ),
    shutdownGraceMs: z
      .number()
      .int()
      .min(0)
      .describe(
        'On SIGTERM/SIGINT, how long jobs and replies in progress may run before they are cancelled, in ms; a cancelled job is caught up at the next start, a cancelled reply answered then.',
      ),
    keepJobRunsDays: z
      .number()
      .int()
      .min(1)
      .describe(
        "Successful and skipped job run records older than this many days are deleted (errors and each job's latest run stay).",
      ),
  }),
  agent: z.strictObject({
    historyMessages: z
      .number()
      .int()
      .min(0)
      .max(200)
      .describe('How many earlier messages of the session go into each turn.'),
  }),
  backup: backupSchema,
  repl: z.strictObject({
    historyFile: z.string().min(1).describe('REPL history file name inside dataDir.'),
    historySize: z.number().int().min(0).describe('Lines of REPL history kept.'),
  }),
  plugins: pluginsSchema,
});

/** The validated configuration (see {@link configSchema}); `dataDir` is absolute. */
export type StewardConfig = z.output<typeof configSchema>;

/** One configured model provider (see {@link providerSchema}). */
export type ProviderConfig = z.output<typeof providerSchema>;
