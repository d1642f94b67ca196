import type { ChatOpenAI } from '@langchain/openai';
import type { Logger } from '../shared/log.js';
import type { ResolvedProvider } from './router.js';
import { RequestMeter } from './meter.js';

/** Options of {@link createChatModel}. */
export interface ChatModelOptions {
  /** Sampling temperature 0–2. */
  temperature: number;
  /** Receives the OpenAI client's own diagnostics (which it would otherwise print to the console). */
  log?: Logger | undefined;
  /** Receives the attempt's measurements (time to first content, token usage); default: none kept. */
  meter?: RequestMeter | undefined;
}

/**
 * A LangChain ChatOpenAI for one provider. `@langchain/openai` is imported
 * here, lazily, so that command-only runs never pay for loading it.
 *
 * `maxRetries` is 0 and the timeout is the provider's: the router owns
 * retries (LangChain's default of 6 retries turned a dead server into a wait
 * of 81 s). Requests go through `guardedFetch` (stream-guard.ts), so a stream that ends
 * before `[DONE]` or goes quiet for the provider's timeout is an error, and
 * the attempt is metered.
 *
 * @param provider - the provider, with its model settled
 * @param options - temperature, logger and meter
 * @returns a streaming chat model
 */
export async function createChatModel(provider: ResolvedProvider, options: ChatModelOptions): Promise<ChatOpenAI> {
  const [{ ChatOpenAI }, { guardedFetch }] = await Promise.all([
    import('@langchain/openai'),
    import('./stream-guard.js'),
  ]);
  return new ChatOpenAI({
    model: provider.model,
    apiKey: provider.apiKey ?? 'not-needed',
    configuration: {
      baseURL: provider.baseUrl,
      fetch: guardedFetch({
        provider: provider.id,
        idleTimeoutMs: provider.timeoutMs,
        meter: options.meter ?? new RequestMeter(),
      }),
      // The openai client prints parse problems with console.error, which would
      // garble the REPL; send them to steward's log instead.
      logger: {
        error: (message: string, ...rest: unknown[]) =>
          options.log?.warn({ provider: provider.id, detail: rest }, message),
        warn: (message: string, ...rest: unknown[]) =>
          options.log?.warn({ provider: provider.id, detail: rest }, message),
        info: (message: string, ...rest: unknown[]) =>
          options.log?.debug({ provider: provider.id, detail: rest }, message),
        debug: (message: string, ...rest: unknown[]) =>
          options.log?.trace({ provider: provider.id, detail: rest }, message),
      },
    },
    maxRetries: 0,
    timeout: provider.timeoutMs,
    temperature: options.temperature,
    streaming: true,
  });
}

/** One message of a plain completion. */
export interface CompletionMessage {
  /** `system`, `user` or `assistant`. */
  role: 'system' | 'user' | 'assistant';
  /** Text. */
  content: string;
}

/**
 * A plain chat completion without tools (briefings, summaries).
 * @param provider - the provider, with its model settled
 * @param messages - the conversation
 * @param options - temperature, cancellation, and an optional JSON schema the
 *   reply must follow (sent as OpenAI's `response_format: {type: "json_schema"}`,
 *   which llama.cpp, vLLM, Ollama and OpenAI honour and others ignore)
 * @returns the reply text, trimmed
 * @throws Error from the provider (the router classifies it); an empty reply is an error too
 */
export async function completeText(
  provider: ResolvedProvider,
  messages: readonly CompletionMessage[],
  options: ChatModelOptions & {
    signal?: AbortSignal | undefined;
    jsonSchema?: { name: string; schema: Record<string, unknown> } | undefined;
  },
): Promise<string> {
  const model = await createChatModel(provider, options);
  let text = '';
  const stream = await model.stream(
    messages.map((message) => [message.role, message.content] as [string, string]),
    {
      signal: options.signal,
      ...(options.jsonSchema === undefined
        ? {}
        : {
            response_format: {
              type: 'json_schema' as const,
              json_schema: { name: options.jsonSchema.name, schema: options.jsonSchema.schema },
            },
          }),
    },
  );
  for await (const chunk of stream) {
    if (typeof chunk.content === 'string') text += chunk.content;
  }
  const trimmed = text.trim();
  if (trimmed === '') throw new SyntaxError('malformed response: the model returned no text');
  return trimmed;
}
