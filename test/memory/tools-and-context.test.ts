import { afterEach, describe, expect, it } from 'vitest';
import { fitLines } from '../../src/agent/context.js';
import { estimateTokens } from '../../src/memory/text.js';
import { isChatTurn } from '../support/memory.js';
import {
  lastText,
  startOpenAIServer,
  systemText,
  toolCallingReply,
  type OpenAIServer,
} from '../support/openai-server.js';
import { manualClock, openTestSteward, type TestSteward } from '../support/steward.js';

/** A model that calls `call <tool> <json>` and then reports the tool's answer. */
const toolUser = toolCallingReply('Tool said:');

describe('memory tools and the turn context', () => {
  let local: OpenAIServer | undefined;
  let opened: TestSteward | undefined;
  afterEach(async () => {
    await opened?.close();
    await local?.close();
    opened = undefined;
    local = undefined;
  });

  it('remembers, recalls and forgets through agent tools', async () => {
    local = await startOpenAIServer({ model: 'local-model', respond: toolUser });
    opened = await openTestSteward({
      env: { STEWARD_LOCAL_FAST_URL: local.url },
      clock: manualClock('2026-11-21T08:00:00Z'),
    });
    const call = async (tool: string, args: Record<string, unknown>): Promise<string> =>
      (await opened!.say(`call ${tool} ${JSON.stringify(args)}`)).text;
    expect(await call('remember_fact', { key: "Partner's birthday", value: 'March 3', category: 'relationship' })).toBe(
      "Tool said: Remembered (relationship): partner's birthday: March 3.",
    );
    expect(await call('remember_fact', { key: 'wake-up time', value: '6:30' })).toBe(
      'Tool said: Remembered (schedule): wake-up time: 6:30.',
    );
    const recalled = await call('recall_memory', { query: 'birthday' });
    expect(recalled).toMatch(
      /^Tool said: 1\. \[fact #1, 2026-11-21\] partner's birthday: March 3\n {3}why: BM25 #\d+ · vector #1 /,
    );
    expect(await call('forget_fact', { fact: 'birthday' })).toContain("Tool said: Forgot partner's birthday: March 3.");
    expect(await call('recall_memory', { query: 'birthday March' })).not.toMatch(
      /(^|\n)(Tool said: )?\d+\. \[fact #\d+, [\d-]+\] partner's birthday/,
    );
    const tools = local.chatRequests[0]?.tools?.map((tool) => tool.function.name) ?? [];
    expect(tools).toEqual(expect.arrayContaining(['remember_fact', 'recall_memory', 'forget_fact']));
  });

  it('keeps the memory of a turn within memory.contextTokens, profile first and recall after the message', async () => {
    local = await startOpenAIServer({ model: 'local-model' });
    const clock = manualClock('2026-11-21T08:00:00Z');
    opened = await openTestSteward({
      clock,
      env: { STEWARD_LOCAL_FAST_URL: local.url },
      overrides: { memory: { contextTokens: 200 } },
    });
    for (let index = 0; index < 40; index += 1)
      await opened.say(`remember hobby ${index}: collecting vintage fountain pens of series ${index}`);
    await opened.say('add habit meditation daily');
    for (let index = 0; index < 10; index += 1)
      await opened.say(`I found a fountain pen with a gold nib at market stall ${index}`);
    clock.advance(31 * 60_000); // a new conversation: the earlier one can be recalled
    await opened.say('which fountain pens should I collect next?');
    const turn = local.chatRequests.filter(isChatTurn).at(-1)!;
    const system = systemText(turn);
    const memoryPart = system.slice(system.indexOf('What you know about the owner'));
    const user = lastText(turn);
    expect(user.startsWith('which fountain pens should I collect next?\n\n(Recalled from earlier conversations')).toBe(
      true,
    );
    const recalled = user.slice(user.indexOf('(Recalled'), user.lastIndexOf('\n\n['));
    expect(recalled).toContain('said: I found a fountain pen with a gold nib at market stall');
    expect(recalled).not.toContain('remember hobby'); // command lines are not memories (the facts they stored are)
    expect(memoryPart).toContain('What you know about the owner (their profile):\n- other · hobby');
    expect(system).toContain('meditation');
    // Profile, where we left off, today's habits and recall together stay within the budget, headings included.
    expect(estimateTokens(memoryPart) + estimateTokens(recalled)).toBeLessThanOrEqual(200);
    expect(memoryPart.split('\n- other · hobby').length - 1).toBeLessThan(40);
  });

  it('fits lines into a budget, cutting only a first line that is too long', () => {
    expect(fitLines(['a'.repeat(40), 'b'.repeat(40), 'c'.repeat(40)], 25)).toEqual({
      lines: ['a'.repeat(40), 'b'.repeat(40)],
      tokens: 22,
    });
    const cut = fitLines(['x '.repeat(200)], 20);
    expect(cut.lines).toHaveLength(1);
    expect(cut.tokens).toBeLessThanOrEqual(20);
    expect(fitLines(['long line here'], 0)).toEqual({ lines: [], tokens: 0 });
  });
});
