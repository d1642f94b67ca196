import type { AIMessageChunk, BaseMessage } from '@langchain/core/messages';
import type { ChatOpenAI } from '@langchain/openai';
import { ProviderError } from '../shared/errors.js';
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
  /** The fetch under the stream guard; default: the global one (the preload passes an answer made in memory). */
  fetch?: typeof fetch | undefined;
}

/** The modules a model call needs, loaded once per process. */
type ModelStack = [
  typeof import('@langchain/openai'),
  typeof import('@langchain/core/messages'),
  typeof import('@langchain/core/tools'),
  typeof import('./stream-guard.js'),
];

let stack: Promise<ModelStack> | undefined;

/**
 * Import the model stack: LangChain's `ChatOpenAI` (with the openai client
 * under it), its messages and tools, and the stream guard: only these
 * entry points, not the `langchain` package's agent runtime (LangGraph),
 * which a turn does not need. One import per process; a call while it
 * loads waits for the same promise, so a turn that comes in during the
 * background preload waits only for the rest of it.
 * @returns the modules
 */
export function loadModelStack(): Promise<ModelStack> {
  stack ??= Promise.all([
    import('@langchain/openai'),
    import('@langchain/core/messages'),
    import('@langchain/core/tools'),
    import('./stream-guard.js'),
  ]).catch((error: unknown) => {
    stack = undefined;
    throw error;
  });
  return stack;
}

/**
 * The {@link ChatModel} of one provider, on LangChain's `ChatOpenAI`, with
 * the tools bound to it for agent turns (see {@link LangChainChatModel.streamAgent}).
 * Nothing is loaded until the first call (or the background preload of a
 * REPL or daemon, `preloadModelStack`): command-only runs never pay for
 * loading LangChain (ARCHITECTURE.md, "Facts about this environment").
 *
 * @param provider - the provider, with its model settled
 * @param options - temperature, logger and meter
 * @returns the chat model; its methods fail with a `ProviderError` (see {@link ChatModel})
 */
export function openChatModel(provider: ResolvedProvider, options: ChatModelOptions): ChatModel {
  return new LangChainChatModel(provider, options);
}

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

  /**
   * The agent loop of LangChain's tool-calling guide on `ChatOpenAI.bindTools`:
   * stream the model's answer; when it calls tools, run them, send their
   * results back as `ToolMessage`s and ask again; stop at an answer without
   * tool calls. Each model request and each round of tools is one step of
   * `request.maxSteps` (as a LangGraph agent counts its graph steps). It
   * stands in for the `langchain` package's `createAgent`, whose LangGraph
   * runtime cost about 10 ms before each request's first token and a
   * third of the model stack's load time, for the same loop.
   */
  async *streamAgent(request: AgentRequest): AsyncIterable<AgentEvent> {
    try {
      const [, { SystemMessage, HumanMessage, AIMessage, ToolMessage }, { tool }] = await loadModelStack();
      const model = await this.#client({ streaming: true });
      const byName = new Map(request.tools.map((chatTool) => [chatTool.name, chatTool]));
      // LangChain tools for their JSON schemas only: the ChatTool validates its arguments when it runs.
      const definitions = request.tools.map((chatTool) =>
        tool(() => '', { name: chatTool.name, description: chatTool.description, schema: chatTool.schema }),
      );
      const bound = definitions.length > 0 ? model.bindTools(definitions) : model;
      // A plain-string system message: some local servers reject content-part arrays for the system role.
      const messages: BaseMessage[] = [
        new SystemMessage(request.systemPrompt),
        ...request.messages.map((message) =>
          message.role === 'user' ? new HumanMessage(message.content) : new AIMessage(message.content),
        ),
      ];
      for (let step = 1; ; step += 2) {
        if (step > request.maxSteps)
          throw new ProviderError(`no answer within ${request.maxSteps} steps: the model kept calling tools`, {
            provider: this.provider,
            kind: 'malformed',
          });
        let answer: AIMessageChunk | undefined;
        for await (const chunk of await bound.stream(messages, { signal: request.signal })) {
          answer = answer === undefined ? chunk : answer.concat(chunk);
          if (typeof chunk.content === 'string' && chunk.content !== '')
            yield { type: 'text', text: chunk.content, step };
        }
        const calls = [...(answer?.tool_calls ?? []), ...(answer?.invalid_tool_calls ?? [])];
        if (answer === undefined || calls.length === 0) return;
        messages.push(answer);
        for (const call of calls) {
          request.signal?.throwIfAborted();
          const chatTool = call.name === undefined ? undefined : byName.get(call.name);
          const result =
            chatTool === undefined
              ? `There is no tool named ${call.name ?? '(none)'}.`
              : 'args' in call && typeof call.args === 'object'
                ? await chatTool.run(call.args)
                : `Invalid arguments for ${chatTool.name}: not a JSON object.`;
          messages.push(new ToolMessage({ content: result, tool_call_id: call.id ?? '', name: call.name ?? '' }));
          if (chatTool !== undefined) yield { type: 'tool', name: chatTool.name };
        }
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
    const [{ ChatOpenAI }, , , { guardedFetch }] = await loadModelStack();
    const provider = this.#resolved;
    const log = this.#options.log;
    return new ChatOpenAI({
      model: provider.model,
      apiKey: provider.apiKey ?? 'not-needed',
      configuration: {
        baseURL: provider.baseUrl,
        fetch: guardedFetch({
          provider: provider.id,
          idleTimeoutMs: provider.timeoutMs,
          meter: this.#meter,
          ...(this.#options.fetch === undefined ? {} : { fetch: this.#options.fetch }),
        }),
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
