import { describe, expect, it } from 'vitest';
import { promptTokensOf } from '../support/openai-server.js';
import { modelTestFixture } from '../support/model-fixture.js';
import { runCli, temporaryDataDir, type TestSteward } from '../support/steward.js';

/**
 * The prompt fitted to each server's context (issue 11, item 11): Ollama's
 * OpenAI endpoint drops the start of a prompt that does not fit without a
 * word, and llama.cpp refuses it; steward reads the context where the server
 * says it and fits the prompt before sending it.
 */
describe('prompts fitted to the context of the server', () => {
  const { start, open, cleanups } = modelTestFixture();
  let opened: TestSteward;

  const LONG = 'Today I thought at length about the garden, the new job and the trip to Lisbon. '.repeat(12);

  it('Ollama (num_ctx 8192, read from /api/ps): a long conversation is fitted, so Ollama drops nothing', async () => {
    const ollama = await start({
      flavor: 'ollama',
      model: 'qwen3:8b',
      models: [{ id: 'qwen3:8b', loaded: true }],
      contextTokens: 8192,
    });
    opened = await open({ env: { STEWARD_LOCAL_FAST_URL: ollama.url } });
    for (let turn = 0; turn < 12; turn += 1) await opened.say(`entry ${turn}: ${LONG}`);
    const reply = await opened.say('what did I say about Lisbon?');
    expect(reply.via?.provider).toBe('local-fast');
    expect(ollama.truncations).toEqual([]);
    const last = ollama.chatRequests[ollama.chatRequests.length - 1]!;
    expect(promptTokensOf(last)).toBeLessThanOrEqual(8192);
    expect(last.tools?.length ?? 0).toBeGreaterThan(0); // the tools fit, so they stay
    expect(last.messages[0]?.role).toBe('system');
  });

  it('Ollama before its model is loaded: steward has it loaded to read its context, and leaves out tools that do not fit 4096 tokens', async () => {
    const ollama = await start({ flavor: 'ollama', model: 'qwen3:8b', models: [{ id: 'qwen3:8b' }] });
    opened = await open({ env: { STEWARD_LOCAL_FAST_URL: ollama.url } });
    const reply = await opened.say('hello');
    expect(reply.via?.provider).toBe('local-fast');
    expect(ollama.loads).toEqual(['qwen3:8b']);
    expect(ollama.requests).toContain('POST /api/generate');
    expect(opened.steward.providers.health('local-fast')?.server).toMatchObject({
      contextTokens: 4096,
      contextSource: 'Ollama /api/ps context_length',
    });
    expect(ollama.chatRequests[0]?.tools).toBeUndefined();
    expect(ollama.truncations).toEqual([]);

    const { dataDir, remove } = temporaryDataDir();
    cleanups.push(remove);
    const doctor = await runCli(['doctor'], { env: { STEWARD_DATA_DIR: dataDir, STEWARD_LOCAL_FAST_URL: ollama.url } });
    expect(doctor.stdout).toMatch(
      /warn {2}context local-fast +the system prompt and \d+ tools take about \d+ tokens, more than the 4096-token context \(Ollama \/api\/ps context_length\) leaves besides room for the answer: turns run without tools; set OLLAMA_CONTEXT_LENGTH/,
    );
  });

  it('llama.cpp (n_ctx 7000 from /props): the oldest turns are left out before sending, so it never refuses', async () => {
    const llama = await start({ model: 'qwen3-8b', contextTokens: 7000 });
    opened = await open({ env: { STEWARD_LOCAL_FAST_URL: llama.url } });
    for (let turn = 0; turn < 10; turn += 1) await opened.say(`entry ${turn}: ${LONG}`);
    const sent = llama.chatRequests.length;
    const reply = await opened.say('and now?');
    expect(reply.via?.provider).toBe('local-fast');
    expect(llama.chatRequests).toHaveLength(sent + 1); // no refusal, no second try
    const last = llama.chatRequests[sent]!;
    expect(promptTokensOf(last)).toBeLessThanOrEqual(7000);
    expect(last.messages.some((message) => message.content === `entry 0: ${LONG}`)).toBe(false);
    expect(last.messages.some((message) => message.content === `entry 9: ${LONG}`)).toBe(true);
  });
});
