import type { HostedTool } from '../plugins/host.js';
import type { Logger } from '../shared/log.js';
import { ProviderError } from '../shared/errors.js';
import type { ChatModel, ChatTool } from '../models/chat-model.js';
import { openChatModel } from '../models/langchain-chat-model.js';
import { preloadModelStack, type PreloadTimings } from '../models/preload.js';
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
  /** The chat model to run on; default: LangChain on `provider` ({@link openChatModel}). */
  model?: ChatModel | undefined;
}

/** Output of {@link runAgentTurn}. */
export interface AgentTurnResult {
  /** The whole reply text. */
  text: string;
  /** Names of the tools the model called, in order. */
  toolCalls: string[];
}

/** A plugin tool as the chat model sees it. */
function chatTool(hosted: HostedTool): ChatTool {
  return {
    name: hosted.tool.name,
    description: hosted.tool.description,
    schema: hosted.tool.schema,
    run: (args: unknown) => hosted.run(args),
  };
}

/**
 * Load the model stack and run one agent turn with these tools against an
 * answer made up in memory (see `preloadModelStack`), so that the first
 * real turn of a REPL or daemon costs what the tenth does. No tool runs.
 * @param tools - the plugins' tools
 * @returns how long the import and the turn took, in ms
 * @throws what the import throws (a broken install)
 */
export function preloadAgent(tools: readonly HostedTool[]): Promise<PreloadTimings> {
  return preloadModelStack(tools.map(chatTool));
}

/** Most graph steps of one turn (model requests and tool runs together). */
const MAX_STEPS = 12;

/**
 * One agent turn: the {@link ChatModel}'s agent loop with the plugin tools,
 * streamed. Text that follows a tool call starts on a new line.
 *
 * @param request - provider, prompt, history, message, tools and callbacks
 * @returns the reply and the tools called
 * @throws ProviderError from the provider (refused, timeout, HTTP status, ...), for the router
 * @throws ProviderError of kind `malformed` when the model returns neither text nor a tool call
 */
export async function runAgentTurn(request: AgentTurnRequest): Promise<AgentTurnResult> {
  const model =
    request.model ??
    openChatModel(request.provider, { temperature: request.temperature, log: request.log, meter: request.meter });
  const events = model.streamAgent({
    systemPrompt: request.systemPrompt,
    messages: [
      ...request.history.map((message) => ({ role: message.role, content: message.text })),
      { role: 'user' as const, content: request.text },
    ],
    tools: request.tools.map(chatTool),
    signal: request.signal,
    maxSteps: MAX_STEPS,
  });

  let text = '';
  let lastStep: number | undefined;
  const toolCalls: string[] = [];
  for await (const event of events) {
    if (event.type === 'tool') {
      toolCalls.push(event.name);
      continue;
    }
    let token = event.text;
    if (lastStep !== undefined && event.step !== lastStep && text !== '' && !text.endsWith('\n')) token = '\n' + token;
    lastStep = event.step;
    text += token;
    request.onToken?.(token);
  }
  if (text.trim() === '' && toolCalls.length === 0)
    throw new ProviderError('malformed response: the model returned no text', {
      provider: request.provider.id,
      kind: 'malformed',
    });
  return { text: text.trim(), toolCalls };
}
