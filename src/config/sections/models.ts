import { z } from 'zod';
import { httpUrl, providerId } from './fields.js';

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
  model: z
    .string()
    .min(1)
    .nullable()
    .describe(
      "Model name to request; null = the model the server says it serves (llama.cpp, vLLM, the one loaded in Ollama or LM Studio, the one running on exo, mlx_lm.server's --model); steward stops with a clear error rather than guess.",
    ),
  apiKey: z
    .string()
    .min(1)
    .nullable()
    .describe(
      'Bearer key, when the server was started with one (llama-server or vLLM --api-key, LM Studio); null = none.',
    ),
});

/** `models`: the providers, their health probes, the fallback chains and how a turn picks its tier. */
export const modelsSchema = z.strictObject({
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
    fast: localTier.describe(
      'The local fast tier (STEWARD_LOCAL_FAST_URL / STEWARD_LOCAL_FAST_MODEL / STEWARD_LOCAL_FAST_API_KEY).',
    ),
    quality: localTier.describe(
      'The local quality tier (STEWARD_LOCAL_QUALITY_URL / STEWARD_LOCAL_QUALITY_MODEL / STEWARD_LOCAL_QUALITY_API_KEY).',
    ),
  }),
  openai: z.strictObject({
    baseUrl: httpUrl.describe('OpenAI base URL (OPENAI_BASE_URL).'),
    apiKey: z.string().min(1).nullable().describe('OpenAI API key (OPENAI_API_KEY); null = no cloud fallback.'),
    fastModel: z.string().min(1).describe('OpenAI model used for the fast tier.'),
    qualityModel: z.string().min(1).describe('OpenAI model used for the quality tier.'),
  }),
  providers: z.array(providerSchema).describe('Extra OpenAI-compatible endpoints, in addition to the shortcuts above.'),
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
});
