import { createRequire } from 'node:module';
import { z } from 'zod';

/**
 * The one zod schema of steward's configuration. Defaults live in
 * `config/default.json`; this schema validates the merged result and documents
 * every key (`pnpm config:schema` turns it into `config/schema.json`).
 *
 * Objects are strict: an unknown key is reported, so a typo never passes
 * silently.
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

const httpUrl = z
  .string()
  .refine((value) => /^https?:\/\/[^\s/]+/.test(value), { message: 'must be an http:// or https:// URL' });

const providerId = z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, 'must be lower-case letters, digits, ".", "_" or "-"');

/** One OpenAI-compatible endpoint given in full in `models.providers`. */
export const providerSchema = z
  .strictObject({
    id: providerId.describe('Unique id used in chains, logs and /status, for example "studio-qwen".'),
    baseUrl: httpUrl.describe('OpenAI-compatible base URL ending in /v1, for example http://127.0.0.1:8080/v1.'),
    model: z.string().min(1).describe('Model name sent in each request.'),
    tier: z.enum(['fast', 'quality']).describe('Which tier this provider serves.'),
    kind: z
      .enum(['local', 'cloud'])
      .describe('local providers are tried before cloud ones; cloud ones obey models.allowCloud.'),
    apiKey: z.string().min(1).optional().describe('Bearer key, if the server needs one.'),
    timeoutMs: z
      .number()
      .int()
      .positive()
      .optional()
      .describe('Request timeout in ms (default models.requestTimeoutMs).'),
  })
  .describe('An OpenAI-compatible model endpoint.');

const localTier = z.strictObject({
  baseUrl: httpUrl.nullable().describe('OpenAI-compatible base URL ending in /v1; null = not configured.'),
  model: z.string().min(1).nullable().describe('Model name to request; null = the server default ("default").'),
});

const requireModule = createRequire(import.meta.url);

/**
 * Why a cron expression cannot run ("61 7 * * *": minute 61), or undefined
 * when cron-parser (the parser of the scheduler's catch-up) reads it.
 * @param expression - 5 or 6 fields
 */
function cronProblem(expression: string): string | undefined {
  try {
    (requireModule('cron-parser') as typeof import('cron-parser')).CronExpressionParser.parse(expression);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

const cronExpression = z
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

const signalAddress = z
  .string()
  .regex(
    /^(\+[1-9]\d{6,14}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i,
    'must be an E.164 number such as +15551234567 or a Signal UUID',
  );

const catchUpPolicy = z.strictObject({
  policy: z
    .enum(['run-if-within', 'skip'])
    .describe('run-if-within: run a missed time late if it is at most graceMs old; skip: never run a missed time.'),
  graceMs: z.number().int().min(0).describe('How late a missed run may still start, in ms (run-if-within only).'),
});

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
  }),
  models: z.strictObject({
    allowCloud: z
      .boolean()
      .describe('false keeps every request on local providers; nothing is sent to a cloud provider.'),
    requestTimeoutMs: z.number().int().positive().describe('Default timeout of one model request, in ms.'),
    health: z.strictObject({
      timeoutMs: z.number().int().positive().describe('Timeout of a GET {baseUrl}/models health probe, in ms.'),
      intervalMs: z.number().int().positive().describe('Background probe interval, in ms.'),
      cooldownsMs: z
        .array(z.number().int().positive())
        .min(1)
        .describe('Wait after each consecutive failure before the next probe, in ms; the last one is the cap.'),
    }),
    local: z.strictObject({
      fast: localTier.describe('The local fast tier (STEWARD_LOCAL_FAST_URL / STEWARD_LOCAL_FAST_MODEL).'),
      quality: localTier.describe('The local quality tier (STEWARD_LOCAL_QUALITY_URL / STEWARD_LOCAL_QUALITY_MODEL).'),
    }),
    openai: z.strictObject({
      baseUrl: httpUrl.describe('OpenAI base URL (OPENAI_BASE_URL).'),
      apiKey: z.string().min(1).nullable().describe('OpenAI API key (OPENAI_API_KEY); null = no cloud fallback.'),
      fastModel: z.string().min(1).describe('OpenAI model used for the fast tier.'),
      qualityModel: z.string().min(1).describe('OpenAI model used for the quality tier.'),
    }),
    providers: z
      .array(providerSchema)
      .describe('Extra OpenAI-compatible endpoints, in addition to the shortcuts above.'),
    chains: z
      .strictObject({
        fast: z.array(providerId).min(1).describe('Provider ids tried in order for a fast turn.'),
        quality: z.array(providerId).min(1).describe('Provider ids tried in order for a quality turn.'),
      })
      .describe('Fallback chain per tier: local first, then cloud. Ids that are not configured are skipped.'),
    temperature: z.number().min(0).max(2).describe('Sampling temperature for chat turns.'),
    routing: z
      .strictObject({
        qualityThreshold: z
          .number()
          .min(0)
          .max(1)
          .describe(
            'Score (0-1) from which the rules send a turn to the quality tier; see docs/models.md for how the score is made.',
          ),
        routerModel: z
          .strictObject({
            enabled: z
              .boolean()
              .describe(
                'Ask a small router model for the tier of each turn (off by default); the rules decide when it is slow, down or unclear.',
              ),
            provider: providerId.describe('Provider id of the router model, for example "local-fast".'),
            budgetMs: z
              .number()
              .int()
              .positive()
              .max(5000)
              .describe('Time budget of one router-model request, in ms; past it the rules decide.'),
          })
          .describe('The optional router-model classifier.'),
      })
      .describe('How each turn picks the fast or the quality tier.'),
    warmUp: z
      .boolean()
      .describe(
        'When the daemon starts, send each local provider a one-token request so the first turn does not pay for loading the model.',
      ),
  }),
  embeddings: z.strictObject({
    provider: z
      .enum(['auto', 'offline', 'http', 'openai'])
      .describe(
        'auto: the HTTP embedder when embeddings.url is set, else the offline one; offline: the hashing embedder (no server); http: an OpenAI-compatible /v1/embeddings at embeddings.url; openai: OpenAI itself (models.openai.baseUrl and apiKey; obeys models.allowCloud).',
      ),
    url: httpUrl
      .nullable()
      .describe(
        'OpenAI-compatible /v1 base URL for embeddings (STEWARD_EMBEDDINGS_URL); null = the offline hashing embedder.',
      ),
    model: z
      .string()
      .min(1)
      .nullable()
      .describe(
        'Embedding model name (STEWARD_EMBEDDINGS_MODEL); null = the server default, or text-embedding-3-small for openai.',
      ),
    apiKey: z.string().min(1).nullable().describe('Bearer key of the HTTP embeddings server, if it needs one.'),
    batchSize: z.number().int().min(1).max(2048).describe('Texts per embeddings request.'),
    timeoutMs: z.number().int().positive().describe('Timeout of one embeddings request, in ms.'),
    retries: z
      .number()
      .int()
      .min(0)
      .max(10)
      .describe('Retries of a failed embeddings request (refused, timeout, 429, 5xx), with exponential backoff.'),
    offlineDimensions: z.number().int().min(16).max(4096).describe('Vector size of the offline hashing embedder.'),
  }),
  memory: z.strictObject({
    sessionIdleMinutes: z
      .number()
      .positive()
      .describe(
        'A conversation session ends after this many minutes without a message (the daemon then writes its episode); /end and leaving the REPL end one at once.',
      ),
    contextTokens: z
      .number()
      .int()
      .min(0)
      .describe(
        'Token budget of the memory given to each model turn: profile facts, "where we left off", today\'s habits and goals, and recalled memories (about 4 characters a token).',
      ),
    profileMinConfidence: z
      .number()
      .min(0)
      .max(1)
      .describe('Profile facts with at least this confidence (0-1) go into every turn.'),
    recall: z.strictObject({
      limit: z.number().int().min(1).max(100).describe('Recalled memories offered to a turn (and shown by "recall").'),
      candidates: z
        .number()
        .int()
        .min(1)
        .max(1000)
        .describe('Candidates taken from BM25 and from the vector index before fusion.'),
      rrfK: z
        .number()
        .positive()
        .describe('k of reciprocal rank fusion: score = sum of 1/(k + rank) (Cormack et al. 2009 use 60).'),
      recencyHalfLifeDays: z
        .number()
        .positive()
        .describe(
          'Half-life of recency, in days: a message or episode this old has lost half of recencyWeight (its factor is 1 - recencyWeight/2).',
        ),
      recencyWeight: z
        .number()
        .min(0)
        .max(1)
        .describe('Share of the score (0-1) that recency can take away from an old memory.'),
      weights: z
        .strictObject({
          fact: z.number().min(0).describe('Weight of profile facts.'),
          episode: z.number().min(0).describe('Weight of episode summaries.'),
          message: z.number().min(0).describe('Weight of single messages.'),
          inferred: z
            .number()
            .min(0)
            .max(1)
            .describe('Extra factor for facts the model inferred (explicit ones count 1).'),
        })
        .describe('Source weights multiplied into the fused score.'),
      queryTimeoutMs: z
        .number()
        .int()
        .positive()
        .describe('Time budget for embedding the query of a turn, in ms; past it recall uses BM25 alone.'),
      minSimilarity: z
        .number()
        .min(-1)
        .max(1)
        .describe(
          'Vector neighbours below this cosine similarity are dropped (BM25 matches are kept). The offline embedder scores unrelated texts 0; raise it for models whose unrelated texts score high (about 0.5 for nomic-embed-text).',
        ),
    }),
    index: z.strictObject({
      m: z.number().int().min(4).max(64).describe('HNSW M: links per node (hnswlib).'),
      efConstruction: z
        .number()
        .int()
        .min(10)
        .max(1000)
        .describe('HNSW efConstruction: build-time candidate list size.'),
      ef: z
        .number()
        .int()
        .min(10)
        .max(1000)
        .describe('HNSW ef: search-time candidate list size (not saved in the index file; set after loading).'),
      saveEvery: z
        .number()
        .int()
        .min(1)
        .describe('Write the index file after this many new vectors (and always when closing).'),
    }),
    extraction: z.strictObject({
      enabled: z
        .boolean()
        .describe(
          'After each model turn, have the fast tier pull facts about the owner out of the message (prompts/extract-facts.md), off the reply path.',
        ),
      minConfidence: z.number().min(0).max(1).describe('Extracted facts below this confidence (0-1) are dropped.'),
    }),
    episodes: z.strictObject({
      summarizeWithModel: z
        .boolean()
        .describe(
          'Have the fast tier summarize each finished session (prompts/summarize-episode.md); off or with no model, a heuristic summary is stored and upgraded later.',
        ),
    }),
    backgroundLocalOnly: z
      .boolean()
      .describe(
        'Fact extraction and episode summaries use local models only; with none up, the work waits (true keeps that traffic off the cloud).',
      ),
    closeTimeoutMs: z
      .number()
      .int()
      .min(0)
      .describe(
        'How long closing steward waits for background memory work (embeddings, extraction, summaries) before leaving it for the next start, in ms.',
      ),
  }),
  signal: z.strictObject({
    url: httpUrl
      .nullable()
      .describe('Base URL of the signal-cli HTTP daemon or of signal-cli-rest-api; null = Signal off.'),
    api: z
      .enum(['jsonrpc', 'rest'])
      .describe('jsonrpc = signal-cli daemon --http; rest = bbernhard/signal-cli-rest-api.'),
    account: signalAddress.nullable().describe("The assistant's own Signal number."),
    to: z.array(signalAddress).describe("The owner's numbers: briefings go there and only they may talk to steward."),
    timeoutMs: z.number().int().positive().describe('Timeout of one Signal HTTP request, in ms.'),
    allowFrom: z
      .array(signalAddress)
      .describe(
        'More senders (E.164 numbers or Signal UUIDs) who may talk to steward, besides signal.to. Anyone else is ignored and logged.',
      ),
    allowGroups: z
      .array(z.string().min(1))
      .describe(
        'Signal group ids (as signal-cli reports them in groupInfo.groupId) whose messages from allowed senders are answered, in the group. Other group messages are ignored.',
      ),
    receive: z.strictObject({
      enabled: z
        .boolean()
        .describe(
          'Receive messages in the daemon (the JSON-RPC SSE stream or the REST API websocket) and answer them.',
        ),
      backoffMs: z
        .array(z.number().int().positive())
        .min(1)
        .describe(
          'Wait before each reconnect after the receive stream fails, in ms; the last one repeats. Reset once a connection opens.',
        ),
      idleTimeoutMs: z
        .number()
        .int()
        .positive()
        .describe(
          'A receive stream with no data, keep-alive or pong for this long is taken as dead and reconnected, in ms (signal-cli sends a keep-alive every 15 s).',
        ),
    }),
  }),
  briefings: z.strictObject({
    morning: z.strictObject({
      enabled: z.boolean().describe('Schedule the morning briefing in the daemon.'),
      cron: cronExpression.describe('When the morning briefing is sent, in the configured time zone.'),
      catchUp: catchUpPolicy.describe(
        'What the daemon does at start (or after the machine slept) about a morning briefing time it missed.',
      ),
    }),
    weekly: z.strictObject({
      enabled: z.boolean().describe('Schedule the weekly briefing in the daemon.'),
      cron: cronExpression.describe('When the weekly briefing is sent, in the configured time zone.'),
      catchUp: catchUpPolicy.describe(
        'What the daemon does at start (or after the machine slept) about a weekly briefing time it missed.',
      ),
    }),
  }),
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
  repl: z.strictObject({
    historyFile: z.string().min(1).describe('REPL history file name inside dataDir.'),
    historySize: z.number().int().min(0).describe('Lines of REPL history kept.'),
  }),
  plugins: z
    .record(z.string(), z.record(z.string(), z.unknown()))
    .describe('Per-plugin settings under plugins.<name>; { "enabled": false } turns a plugin off.'),
});

/** The validated configuration (see {@link configSchema}); `dataDir` is absolute. */
export type StewardConfig = z.output<typeof configSchema>;

/** One configured model provider (see {@link providerSchema}). */
export type ProviderConfig = z.output<typeof providerSchema>;
