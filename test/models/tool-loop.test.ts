import { afterEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import type { AgentEvent, ChatTool } from '../../src/models/chat-model.js';
import { loadModelStack, openChatModel } from '../../src/models/langchain-chat-model.js';
import { preloadModelStack } from '../../src/models/preload.js';
import type { ResolvedProvider } from '../../src/models/router.js';
import { ProviderError } from '../../src/shared/errors.js';
import { startOpenAIServer, toolCallingReply, type ChatRequest, type OpenAIServer } from '../support/openai-server.js';

function providerAt(url: string): ResolvedProvider {
  return {
    id: 'local-fast',
    baseUrl: url,
    model: 'loop-model',
    tier: 'fast',
    kind: 'local',
    apiKey: undefined,
    timeoutMs: 5000,
  };
}

const ran: unknown[] = [];
const noteTool: ChatTool = {
  name: 'take_note',
  description: 'Take a note',
  schema: z.object({ text: z.string() }),
  run: (args) => {
    ran.push(args);
    return Promise.resolve(`noted ${JSON.stringify(args)}`);
  },
};

async function events(server: OpenAIServer, text: string, maxSteps = 12): Promise<AgentEvent[]> {
  const model = openChatModel(providerAt(server.url), { temperature: 0 });
  const seen: AgentEvent[] = [];
  for await (const event of model.streamAgent({
    systemPrompt: 'You are a test.',
    messages: [{ role: 'user', content: text }],
    tools: [noteTool],
    maxSteps,
  }))
    seen.push(event);
  return seen;
}

/** The tool messages of a request, as the server got them. */
function toolMessages(request: ChatRequest | undefined): Array<{ content: unknown; tool_call_id?: string }> {
  return (request?.messages ?? []).filter((message) => message.role === 'tool');
}

/** The agent loop on ChatOpenAI.bindTools (src/models/langchain-chat-model.ts), against the OpenAI-compatible test server. */
describe('the agent tool loop', () => {
  let server: OpenAIServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
    ran.length = 0;
  });

  it('sends the tools, runs a called tool, sends its result back with the call id, and streams the answer', async () => {
    server = await startOpenAIServer({ model: 'loop-model', respond: toolCallingReply('Noted!') });
    const seen = await events(server, 'call take_note {"text":"milk"}');
    expect(ran).toEqual([{ text: 'milk' }]);
    expect(seen[0]).toEqual({ type: 'tool', name: 'take_note' });
    expect(
      seen
        .filter((event) => event.type === 'text')
        .map((event) => event.text)
        .join(''),
    ).toBe('Noted! noted {"text":"milk"}');
    expect(new Set(seen.filter((event) => event.type === 'text').map((event) => event.step)).size).toBe(1);
    expect(server.chatRequests).toHaveLength(2);
    const [first, second] = server.chatRequests;
    expect(first?.tools?.map((tool) => tool.function.name)).toEqual(['take_note']);
    expect(first?.stream).toBe(true);
    expect(first?.messages[0]).toEqual({ role: 'system', content: 'You are a test.' });
    const call = second?.messages.find((message) => message.tool_calls !== undefined)?.tool_calls?.[0];
    expect(toolMessages(second)).toEqual([
      expect.objectContaining({ content: 'noted {"text":"milk"}', tool_call_id: call?.id }),
    ]);
  });

  it('tells the model when it calls a tool that does not exist, and runs nothing', async () => {
    server = await startOpenAIServer({ model: 'loop-model', respond: toolCallingReply('Sorry:') });
    const seen = await events(server, 'call launch_rocket {"when":"now"}');
    expect(ran).toEqual([]);
    expect(seen.some((event) => event.type === 'tool')).toBe(false);
    expect(toolMessages(server.chatRequests[1])).toEqual([
      expect.objectContaining({ content: 'There is no tool named launch_rocket.' }),
    ]);
  });

  it('stops a model that keeps calling tools after maxSteps, with a ProviderError of kind malformed', async () => {
    server = await startOpenAIServer({
      model: 'loop-model',
      respond: () => ({ toolCalls: [{ name: 'take_note', arguments: { text: 'again' } }] }),
    });
    const error = await events(server, 'note forever', 6).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ kind: 'malformed', provider: 'local-fast' });
    expect((error as Error).message).toMatch(/no answer within 6 steps/);
    // Steps 1, 3 and 5 were model requests; 2, 4 and 6 ran the tool.
    expect(server.chatRequests).toHaveLength(3);
    expect(ran).toHaveLength(3);
  });
});

describe('the model stack preload', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('loads the model stack once per process: a second call gets the same import', () => {
    expect(loadModelStack()).toBe(loadModelStack());
  });

  it('runs one agent turn in memory: fetch reads only a data: URL, and no tool runs', async () => {
    const fetched: string[] = [];
    const realFetch = globalThis.fetch;
    vi.spyOn(globalThis, 'fetch').mockImplementation((input, init) => {
      fetched.push(input instanceof Request ? input.url : String(input));
      return realFetch(input, init);
    });
    const timings = await preloadModelStack([noteTool]);
    expect(timings.turnMs).toBeGreaterThan(0);
    expect(fetched).toHaveLength(1);
    expect(fetched[0]).toMatch(/^data:text\/event-stream;base64,/);
    expect(ran).toEqual([]);
  });
});
