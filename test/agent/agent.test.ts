import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { runAgentTurn } from '../../src/agent/agent.js';
import type { AgentEvent, AgentRequest, ChatModel } from '../../src/models/chat-model.js';
import type { ResolvedProvider } from '../../src/models/router.js';
import type { HostedTool } from '../../src/plugins/host.js';
import { ProviderError } from '../../src/shared/errors.js';

const provider: ResolvedProvider = {
  id: 'scripted',
  baseUrl: 'http://127.0.0.1:9/v1',
  model: 'scripted-model',
  tier: 'fast',
  kind: 'local',
  apiKey: undefined,
  timeoutMs: 1000,
};

/** A chat model that plays recorded agent events and keeps the requests it got (STYLE.md, point 11). */
class ScriptedChatModel implements ChatModel {
  readonly provider = 'scripted';
  readonly requests: AgentRequest[] = [];
  readonly #events: readonly AgentEvent[];

  constructor(events: readonly AgentEvent[]) {
    this.#events = events;
  }

  streamText(): AsyncIterable<string> {
    throw new Error('not used by an agent turn');
  }

  complete(): Promise<string> {
    return Promise.reject(new Error('not used by an agent turn'));
  }

  async *streamAgent(request: AgentRequest): AsyncIterable<AgentEvent> {
    this.requests.push(request);
    for (const event of this.#events) {
      await Promise.resolve();
      yield event;
    }
  }
}

const noteTool: HostedTool = {
  plugin: 'test',
  tool: {
    name: 'take_note',
    description: 'Take a note',
    schema: z.object({ text: z.string() }),
    handler: () => 'noted',
  },
  run: (args: unknown) => Promise.resolve(`noted ${JSON.stringify(args)}`),
};

describe('runAgentTurn on the ChatModel interface', () => {
  it('streams the text, starts a new line after a tool ran, and lists the tools called', async () => {
    const model = new ScriptedChatModel([
      { type: 'text', text: 'Let me note ', step: 1 },
      { type: 'text', text: 'that.', step: 1 },
      { type: 'tool', name: 'take_note' },
      { type: 'text', text: 'Noted.', step: 3 },
    ]);
    const tokens: string[] = [];
    const result = await runAgentTurn({
      provider,
      model,
      systemPrompt: 'You are a test.',
      history: [{ role: 'assistant', text: 'Hello.' }],
      text: 'note milk',
      tools: [noteTool],
      temperature: 0,
      onToken: (token) => tokens.push(token),
    });
    expect(result).toEqual({ text: 'Let me note that.\nNoted.', toolCalls: ['take_note'] });
    expect(tokens).toEqual(['Let me note ', 'that.', '\nNoted.']);
    const request = model.requests[0];
    expect(request?.messages).toEqual([
      { role: 'assistant', content: 'Hello.' },
      { role: 'user', content: 'note milk' },
    ]);
    expect(request?.tools.map((tool) => tool.name)).toEqual(['take_note']);
    expect(await request?.tools[0]?.run({ text: 'milk' })).toBe('noted {"text":"milk"}');
  });

  it('answers a turn with neither text nor a tool call with a ProviderError of kind malformed', async () => {
    const error = await runAgentTurn({
      provider,
      model: new ScriptedChatModel([]),
      systemPrompt: 'You are a test.',
      history: [],
      text: 'hello',
      tools: [],
      temperature: 0,
    }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ kind: 'malformed', provider: 'scripted', isRetryable: true });
  });
});
