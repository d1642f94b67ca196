import type { ChatOpenAI } from '@langchain/openai';
import type { Logger } from '../shared/log.js';
import type { AgentEvent, AgentRequest, ChatMessage, ChatModel, CompleteOptions, TextOptions } from './chat-model.js';
import { classifyProviderError } from './classify.js';
import { RequestMeter } from './meter.js';
import type { ResolvedProvider } from './router.js';

/** Options of {@link openChatModel}. */
export interface ChatModelOptions {
  /** Sampling temperature 0–2. */
  temperature: number;
  /** Receives the OpenAI client's own diagnostics (which it would otherwise print to the console). */
  log?: Logger | undefined;
  /** Receives the attempt's measurements (time to first content, token usage); default: none kept. */
  meter?: RequestMeter | undefined;
}

/**
 * The {@link ChatModel} of one provider, on LangChain's `ChatOpenAI` (and
 * `createAgent` for agent turns). Nothing is loaded until the first call:
 * `langchain` and `@langchain/openai` are imported then, so command-only runs
 * never pay for loading them (ARCHITECTURE.md, "Facts about this environment").
 *
 * @param provider - the provider, with its model settled
 * @param options - temperature, logger and meter
 * @returns the chat model; its methods fail with a `ProviderError` (see {@link ChatModel})
 */
export function openChatModel(provider: ResolvedProvider, options: ChatModelOptions): ChatModel {
  return new LangChainChatModel(provider, options);
}

/** A stream chunk of `createAgent(...).stream(..., {streamMode: "messages"})`, with its metadata. */
type AgentStreamItem = [unknown, Record<string, unknown>];

class LangChainChatModel implements ChatModel {
  readonly provider: string;
  readonly #resolved: ResolvedProvider;
  readonly #options: ChatModelOptions;
  readonly #meter: RequestMeter;

  constructor(provider: ResolvedProvider, options: ChatModelOptions) {
    this.provider = provider.id;
    this.#resolved = provider;
    this.#options = options;
    this.#meter = options.meter ?? new RequestMeter();
  }

  async *streamText(messages: readonly ChatMessage[], options: TextOptions = {}): AsyncIterable<string> {
    try {
      const model = await this.#client({ streaming: true });
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
      for await (const chunk of stream)
        if (typeof chunk.content === 'string' && chunk.content !== '') yield chunk.content;
    } catch (error) {
      throw this.#fault(error, options.signal);
    }
  }

  async complete(messages: readonly ChatMessage[], options: CompleteOptions): Promise<string> {
    try {
      const model = await this.#client({ streaming: false, maxTokens: options.maxTokens });
      const answer = await model.invoke(
        messages.map((message) => [message.role, message.content] as [string, string]),
        { signal: options.signal },
      );
      return typeof answer.content === 'string' ? answer.content : '';
    } catch (error) {
      throw this.#fault(error, options.signal);
    }
  }

  async *streamAgent(request: AgentRequest): AsyncIterable<AgentEvent> {
    try {
      const [{ createAgent, tool }, { SystemMessage, AIMessageChunk, ToolMessage }, model] = await Promise.all([
        import('langchain'),
        import('@langchain/core/messages'),
        this.#client({ streaming: true }),
      ]);
      const tools = request.tools.map((chatTool) =>
        tool(async (args: unknown) => chatTool.run(args), {
          name: chatTool.name,
          description: chatTool.description,
          schema: chatTool.schema,
        }),
      );
      // A plain-string system message: some local servers reject content-part arrays for the system role.
      const agent = createAgent({ model, tools, systemPrompt: new SystemMessage(request.systemPrompt) });
      const stream = await agent.stream(
        { messages: request.messages.map((message) => ({ role: message.role, content: message.content })) },
        { streamMode: 'messages', signal: request.signal, recursionLimit: request.maxSteps },
      );
      for await (const [chunk, metadata] of stream as AsyncIterable<AgentStreamItem>) {
        if (ToolMessage.isInstance(chunk)) {
          if (typeof chunk.name === 'string') yield { type: 'tool', name: chunk.name };
          continue;
        }
        if (!AIMessageChunk.isInstance(chunk)) continue;
        // Text of the model's answer only: createAgent's model node is `model_request`.
        if (metadata.langgraph_node !== undefined && metadata.langgraph_node !== 'model_request') continue;
        if (typeof chunk.content !== 'string' || chunk.content === '') continue;
        const step = typeof metadata.langgraph_step === 'number' ? metadata.langgraph_step : 0;
        yield { type: 'text', text: chunk.content, step };
      }
    } catch (error) {
      throw this.#fault(error, request.signal);
    }
  }

  /**
   * What to throw for an error of LangChain or the openai SDK: the abort
   * reason when the caller cancelled (the router aborts a hung server's
   * request with a `ProviderError` of kind `timeout`), else the error mapped
   * by `classifyProviderError`.
   */
  #fault(error: unknown, signal: AbortSignal | undefined): unknown {
    if (signal?.aborted === true) return signal.reason ?? error;
    const { id, timeoutMs, apiKey } = this.#resolved;
    return classifyProviderError(error, id, timeoutMs, [apiKey]);
  }

  /**
   * A LangChain ChatOpenAI for the provider. `maxRetries` is 0 and the
   * timeout is the provider's: the router owns retries (LangChain's default
   * of 6 retries turned a dead server into a wait of 81 s). Requests go
   * through `guardedFetch` (stream-guard.ts), so a stream that ends before
   * `[DONE]` or goes quiet for the provider's timeout is an error, and the
   * attempt is metered.
   */
  async #client(settings: { streaming: boolean; maxTokens?: number }): Promise<ChatOpenAI> {
    const [{ ChatOpenAI }, { guardedFetch }] = await Promise.all([
      import('@langchain/openai'),
      import('./stream-guard.js'),
    ]);
    const provider = this.#resolved;
    const log = this.#options.log;
    return new ChatOpenAI({
      model: provider.model,
      apiKey: provider.apiKey ?? 'not-needed',
      configuration: {
        baseURL: provider.baseUrl,
        fetch: guardedFetch({ provider: provider.id, idleTimeoutMs: provider.timeoutMs, meter: this.#meter }),
        // The openai client prints parse problems with console.error, which would
        // garble the REPL; send them to steward's log instead.
        logger: {
          error: (message: string, ...rest: unknown[]) => log?.warn({ provider: provider.id, detail: rest }, message),
          warn: (message: string, ...rest: unknown[]) => log?.warn({ provider: provider.id, detail: rest }, message),
          info: (message: string, ...rest: unknown[]) => log?.debug({ provider: provider.id, detail: rest }, message),
          debug: (message: string, ...rest: unknown[]) => log?.trace({ provider: provider.id, detail: rest }, message),
        },
      },
      maxRetries: 0,
      timeout: provider.timeoutMs,
      temperature: this.#options.temperature,
      streaming: settings.streaming,
      ...(settings.maxTokens === undefined ? {} : { maxTokens: settings.maxTokens }),
    });
  }
}
