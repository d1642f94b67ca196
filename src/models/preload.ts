import type { ChatTool } from './chat-model.js';
import { loadModelStack, openChatModel } from './langchain-chat-model.js';
import type { ResolvedProvider } from './router.js';

/** How long {@link preloadModelStack} took. */
export interface PreloadTimings {
  /** Importing the model stack, in ms (0 when it was loaded already). */
  importMs: number;
  /** The agent turn against the answer made up in memory, in ms. */
  turnMs: number;
}

/** The made-up provider of the preload's turn; no request leaves the process. */
const PRELOAD_PROVIDER: ResolvedProvider = {
  id: 'preload',
  baseUrl: 'http://127.0.0.1:9/v1',
  model: 'preload',
  tier: 'fast',
  kind: 'local',
  apiKey: undefined,
  timeoutMs: 60_000,
};

/**
 * The streamed answer of an OpenAI-compatible server to a chat request
 * (one role chunk, one text chunk, the finish reason, the usage, `[DONE]`),
 * as llama.cpp and mlx_lm.server send it.
 */
function cannedStream(): string {
  const chunk = (choices: unknown[], extra: Record<string, unknown> = {}): string =>
    `data: ${JSON.stringify({ id: 'preload', object: 'chat.completion.chunk', created: 0, model: 'preload', choices, ...extra })}\n\n`;
  return [
    chunk([{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }]),
    chunk([{ index: 0, delta: { content: 'ok' }, finish_reason: null }]),
    chunk([{ index: 0, delta: {}, finish_reason: 'stop' }]),
    chunk([], { usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } }),
    'data: [DONE]\n\n',
  ].join('');
}

/**
 * A fetch that answers every request with {@link cannedStream}, through
 * Node's own fetch on a `data:` URL: the response is a real undici
 * `Response` with a streamed body, and nothing goes over the network.
 */
const cannedFetch: typeof fetch = () =>
  fetch(`data:text/event-stream;base64,${Buffer.from(cannedStream()).toString('base64')}`);

/**
 * Load the model stack and run one agent turn through it, in the
 * background of a long-lived process (the REPL once its prompt is shown,
 * the daemon once it is ready), so that the owner's first turn costs what
 * the tenth does. The turn runs the code a real one runs (the `ChatOpenAI`
 * client with the tools bound, the openai client's request and its SSE
 * parser, Node's fetch, the stream guard, the tool loop) against an answer
 * made up in memory: V8 compiles it, and LangChain converts the tool
 * schemas, before the first message. No tool runs and no request leaves
 * the process. (The idea of a warm-up run is the JIT warm-up of
 * benchmark harnesses such as JMH; the daemon's one-token request to each
 * local server, `warmLocalProviders`, warms the servers themselves.)
 * @param tools - the tools a turn binds (the plugins' tools)
 * @returns how long the import and the turn took, in ms
 * @throws what the import or the turn throws (a broken install); callers log it
 */
export async function preloadModelStack(tools: readonly ChatTool[]): Promise<PreloadTimings> {
  const started = performance.now();
  await loadModelStack();
  const imported = performance.now();
  const model = openChatModel(PRELOAD_PROVIDER, { temperature: 0, fetch: cannedFetch });
  const events = model.streamAgent({
    systemPrompt: 'preload',
    messages: [{ role: 'user', content: 'preload' }],
    tools,
    maxSteps: 2,
  });
  for await (const event of events) void event;
  return { importMs: imported - started, turnMs: performance.now() - imported };
}
