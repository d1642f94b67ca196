import type { HostedTool } from '../plugins/host.js';
import type { Logger } from '../shared/log.js';
import { createChatModel } from '../models/chat.js';
import type { ResolvedProvider } from '../models/router.js';
import type { RequestMeter } from '../models/meter.js';

/** One earlier message of the conversation. */
export interface HistoryMessage {
  /** `user` (the owner) or `assistant` (steward). */
  role: 'user' | 'assistant';
  /** Text. */
  text: string;
}

/** Input of {@link runAgentTurn}. */
export interface AgentTurnRequest {
  /** Provider to run on, with its model settled. */
  provider: ResolvedProvider;
  /** System prompt: stable parts first, so servers can reuse the KV cache of the prefix. */
  systemPrompt: string;
  /** Earlier messages, oldest first. */
  history: readonly HistoryMessage[];
  /** The owner's new message. */
  text: string;
  /** Plugin tools the model may call. */
  tools: readonly HostedTool[];
  /** Sampling temperature 0–2. */
  temperature: number;
  /** Cancels the turn (Ctrl-C). */
  signal?: AbortSignal | undefined;
  /** Receives the reply's text as it streams, token by token. */
  onToken?: ((token: string) => void) | undefined;
  /** Logger for the model client's diagnostics. */
  log?: Logger | undefined;
  /** Receives the attempt's measurements (from the router). */
  meter?: RequestMeter | undefined;
}

/** Output of {@link runAgentTurn}. */
export interface AgentTurnResult {
  /** The whole reply text. */
  text: string;
  /** Names of the tools the model called, in order. */
  toolCalls: string[];
}

interface StreamChunk {
  content?: unknown;
  type?: unknown;
  name?: unknown;
  _getType?: () => string;
}

/**
 * One agent turn: LangChain `createAgent` with the plugin tools on a
 * ChatOpenAI pointed at `request.provider`, streamed with
 * `streamMode: "messages"`. LangChain is imported lazily, on the first turn.
 *
 * @param request - provider, prompt, history, message, tools and callbacks
 * @returns the reply and the tools called
 * @throws the provider's error (connection refused, timeout, HTTP status, ...) for the router to classify
 * @throws SyntaxError when the model returns neither text nor a tool call
 */
export async function runAgentTurn(request: AgentTurnRequest): Promise<AgentTurnResult> {
  const [{ createAgent, tool }, model] = await Promise.all([
    import('langchain'),
    createChatModel(request.provider, { temperature: request.temperature, log: request.log, meter: request.meter }),
  ]);
  const tools = request.tools.map((hosted) =>
    tool(async (args: unknown) => hosted.run(args), {
      name: hosted.tool.name,
      description: hosted.tool.description,
      schema: hosted.tool.schema,
    }),
  );
  const { SystemMessage } = await import('@langchain/core/messages');
  // A plain-string system message: some local servers reject content-part arrays for the system role.
  const agent = createAgent({ model, tools, systemPrompt: new SystemMessage(request.systemPrompt) });
  const messages = [
    ...request.history.map((message) => ({ role: message.role, content: message.text })),
    { role: 'user' as const, content: request.text },
  ];
  const stream = await agent.stream(
    { messages },
    { streamMode: 'messages', signal: request.signal, recursionLimit: 12 },
  );

  let text = '';
  let lastStep: unknown;
  const toolCalls: string[] = [];
  for await (const [chunk, metadata] of stream as AsyncIterable<[StreamChunk, Record<string, unknown>]>) {
    const type = typeof chunk._getType === 'function' ? chunk._getType() : chunk.type;
    if (type === 'tool') {
      if (typeof chunk.name === 'string') toolCalls.push(chunk.name);
      continue;
    }
    if (metadata.langgraph_node !== undefined && metadata.langgraph_node !== 'model_request') continue;
    if (typeof chunk.content !== 'string' || chunk.content === '') continue;
    let token = chunk.content;
    if (lastStep !== undefined && metadata.langgraph_step !== lastStep && text !== '' && !text.endsWith('\n'))
      token = '\n' + token;
    lastStep = metadata.langgraph_step;
    text += token;
    request.onToken?.(token);
  }
  if (text.trim() === '' && toolCalls.length === 0)
    throw new SyntaxError('malformed response: the model returned no text');
  return { text: text.trim(), toolCalls };
}
