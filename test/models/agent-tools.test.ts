import { afterEach, describe, expect, it } from 'vitest';
import { lastText, startOpenAIServer, type ChatRequest, type OpenAIServer, type ScriptedReply } from '../support/openai-server.js';
import { openTestSteward, type TestSteward } from '../support/steward.js';

/** A model that checks in "run" when told about a run, and reports tool results. */
function runner(request: ChatRequest): ScriptedReply {
  const last = request.messages[request.messages.length - 1];
  if (last?.role === 'tool') return { content: `Noted! ${typeof last.content === 'string' ? last.content : ''}` };
  if (/went for a run/i.test(lastText(request))) return { toolCalls: [{ name: 'habit_check_in', arguments: { habit: 'run' } }] };
  if (/40% through the marathon/i.test(lastText(request))) return { toolCalls: [{ name: 'goal_update_progress', arguments: { goal: 'marathon', percent: 40 } }] };
  return { content: 'ok' };
}

describe('agent tools', () => {
  let local: OpenAIServer | undefined;
  let opened: TestSteward | undefined;
  afterEach(async () => {
    await opened?.close();
    await local?.close();
  });

  it('checks in a habit through a tool call', async () => {
    local = await startOpenAIServer({ model: 'local-model', respond: runner });
    opened = await openTestSteward({ env: { STEWARD_LOCAL_FAST_URL: local.url } });
    await opened.say('add habit run 3 times per week');
    const reply = await opened.say('I went for a run this morning');
    expect(reply.kind).toBe('agent');
    expect(reply.text).toContain('Noted! Checked in run for today. 1 of 3 this week. Streak: 0 weeks');
    const tools = local.chatRequests[0]?.tools?.map((tool) => tool.function.name);
    expect(tools).toEqual(expect.arrayContaining(['habit_check_in', 'habit_add', 'habit_stats', 'goal_set', 'goal_update_progress', 'goals_list']));
    expect(opened.steward.database.prepare('SELECT COUNT(*) AS n FROM habit_checkins').get()).toEqual({ n: 1 });
  });

  it('updates goal progress through a tool call', async () => {
    local = await startOpenAIServer({ model: 'local-model', respond: runner });
    opened = await openTestSteward({ env: { STEWARD_LOCAL_FAST_URL: local.url } });
    await opened.say('set goal run a marathon');
    const reply = await opened.say("I'm 40% through the marathon plan");
    expect(reply.text).toContain('run a marathon: 40% (was 0%)');
    expect(opened.steward.database.prepare('SELECT progress FROM goals').get()).toEqual({ progress: 40 });
  });

  it('tells the model when the habit does not exist, and writes nothing', async () => {
    local = await startOpenAIServer({ model: 'local-model', respond: runner });
    opened = await openTestSteward({ env: { STEWARD_LOCAL_FAST_URL: local.url } });
    await opened.say('add habit running daily');
    await opened.say('add habit rowing daily');
    const reply = await opened.say('I went for a run');
    expect(reply.text).toContain('No habit named "run"');
    expect(opened.steward.database.prepare('SELECT COUNT(*) AS n FROM habit_checkins').get()).toEqual({ n: 0 });
  });
});
