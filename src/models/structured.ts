import { z } from 'zod';
import { ModelOutputError } from '../shared/errors.js';
import type { Logger } from '../shared/log.js';
import { completeText, type CompletionMessage } from './chat.js';
import type { Tier } from './providers.js';
import type { ModelRouter, RoutedResult } from './router.js';

/**
 * `{ success: true, value }` or `{ success: false, error }` with a one-line
 * reason: untrusted model output parsed into a result, after the Vercel AI
 * SDK's `ParseResult` (STYLE.md, point 5).
 */
export type ParseResult<T> = { success: true; value: T } | { success: false; error: string };

/**
 * Parse a model's answer as JSON of the given schema. Lenient about the
 * wrapping small local models add (a ```json fence, a sentence before or
 * after the object), strict about the content: zod decides.
 *
 * @param text - the model's whole answer
 * @param schema - the zod schema the JSON must match
 * @returns the parsed value, or why it is not one
 */
export function parseModelJson<T>(text: string, schema: z.ZodType<T>): ParseResult<T> {
  const unfenced = text.replace(/```(?:json)?/gi, '');
  const start = unfenced.indexOf('{');
  const end = unfenced.lastIndexOf('}');
  if (start < 0 || end <= start) return { success: false, error: 'the answer holds no JSON object' };
  let json: unknown;
  try {
    json = JSON.parse(unfenced.slice(start, end + 1));
  } catch (error) {
    return { success: false, error: `the answer is not valid JSON (${(error as Error).message})` };
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return {
      success: false,
      error: `the JSON does not match the schema: ${issue === undefined ? 'invalid' : `${issue.path.join('.') || '(root)'} ${issue.message}`}`,
    };
  }
  return { success: true, value: parsed.data };
}

/** Options of {@link completeStructured}. */
export interface StructuredOptions {
  /** Name of the schema, sent in `response_format.json_schema.name` (letters, digits, _ and -). */
  name: string;
  /** Sampling temperature 0–2 (structured work uses a low one). */
  temperature: number;
  /** Only local providers (background memory work). */
  localOnly?: boolean | undefined;
  /** Cancels the request. */
  signal?: AbortSignal | undefined;
  /** Logger for the model client. */
  log?: Logger | undefined;
}

/**
 * Ask the tier for JSON that matches `schema`: the request carries the JSON
 * schema as OpenAI's `response_format` (`json_schema`), and the answer is
 * parsed with {@link parseModelJson}. Provider faults fall back along the
 * chain as for any turn; a junk answer is not a provider fault, so it does
 * not open the breaker: it is thrown as {@link ModelOutputError}.
 *
 * @param router - the model router
 * @param tier - `fast` or `quality`
 * @param messages - the conversation (the prompt should also describe the JSON)
 * @param schema - zod schema of the answer
 * @param options - schema name, temperature, cancellation
 * @returns the parsed value with the routing result
 * @throws NoModelAvailableError when no provider answered
 * @throws ModelOutputError when the answer is not JSON of the schema
 * @throws the abort reason when `options.signal` fires
 */
export async function completeStructured<T>(
  router: ModelRouter,
  tier: Tier,
  messages: readonly CompletionMessage[],
  schema: z.ZodType<T>,
  options: StructuredOptions,
): Promise<RoutedResult<string> & { parsed: T }> {
  const jsonSchema = z.toJSONSchema(schema, { target: 'draft-7' }) as Record<string, unknown>;
  const routed = await router.run(
    tier,
    (provider, attempt) =>
      completeText(provider, messages, {
        temperature: options.temperature,
        signal: attempt.signal,
        log: options.log,
        meter: attempt.meter,
        jsonSchema: { name: options.name, schema: jsonSchema },
      }),
    { signal: options.signal, localOnly: options.localOnly },
  );
  const parsed = parseModelJson(routed.value, schema);
  if (!parsed.success) {
    throw new ModelOutputError(
      `${routed.provider.id} answered the ${options.name} request with junk: ${parsed.error}`,
      { provider: routed.provider.id, excerpt: routed.value.slice(0, 200) },
    );
  }
  return { ...routed, parsed: parsed.value };
}
