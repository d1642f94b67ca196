import { afterEach, describe, expect, it } from 'vitest';
import { isChatTurn, isExtraction, memoryModel, promptText, type ScriptedFact } from '../support/memory.js';
import { startOpenAIServer, type OpenAIServer } from '../support/openai-server.js';
import { manualClock, openTestSteward, type TestSteward } from '../support/steward.js';

/** The semantic profile through the pipeline: remember, forget, profile, extraction and reconciliation. */
describe('semantic profile', () => {
  let opened: TestSteward | undefined;
  let local: OpenAIServer | undefined;
  afterEach(async () => {
    await opened?.close();
    await local?.close();
    opened = undefined;
    local = undefined;
  });

  it('remembers an explicit fact, supersedes it with a dated history, and forgets softly with an audit record', async () => {
    const clock = manualClock('2026-11-01T09:00:00Z');
    opened = await openTestSteward({ clock });
    expect((await opened.say('remember my coffee order is an oat flat white')).text).toBe(
      'Remembered (preference): coffee order: an oat flat white.',
    );
    expect((await opened.say('remember my coffee order is an oat flat white')).text).toContain('I already knew that');
    clock.set('2026-11-20T09:00:00Z');
    const updated = await opened.say('remember my coffee order is a long black');
    expect(updated.text).toBe(
      'Updated coffee order: a long black (was "an oat flat white" since 2026-11-01; "profile coffee order" shows the history).',
    );

    const rows = opened.steward.database
      .prepare('SELECT value, source, confidence, valid_from, valid_to, superseded_by FROM facts ORDER BY id')
      .all();
    expect(rows).toEqual([
      {
        value: 'an oat flat white',
        source: 'explicit',
        confidence: 1,
        valid_from: '2026-11-01T09:00:00.000Z',
        valid_to: '2026-11-20T09:00:00.000Z',
        superseded_by: 2,
      },
      {
        value: 'a long black',
        source: 'explicit',
        confidence: 1,
        valid_from: '2026-11-20T09:00:00.000Z',
        valid_to: null,
        superseded_by: null,
      },
    ]);
    const history = (await opened.say('profile coffee order')).text;
    expect(history).toMatch(/2026-11-01 {2}an oat flat white {2}\(explicit, 100%, until 2026-11-20\)/);
    expect(history).toMatch(/2026-11-20 {2}a long black {2}\(explicit, 100%, current\)/);
    expect(history).toContain('#1 superseded: "an oat flat white" → "a long black"');

    expect((await opened.say('forget coffee')).text).toBe(
      'Forgot coffee order: a long black. It will not be used again; "profile coffee order" still shows its history.',
    );
    expect((await opened.say('profile')).text).toContain('Your profile is empty');
    expect(opened.steward.database.prepare('SELECT count(*) AS n FROM facts').get()).toEqual({ n: 2 });
    expect(
      opened.steward.database.prepare('SELECT action FROM fact_audit WHERE fact_id = 2 ORDER BY id').all(),
    ).toEqual([{ action: 'created' }, { action: 'forgotten' }]);
    expect((await opened.steward.memory.recall('coffee order')).hits.filter((hit) => hit.ref.type === 'fact')).toEqual(
      [],
    );
  });

  it('lists the profile by category with source and date, reads #categories and rejects unknown ones without writing', async () => {
    opened = await openTestSteward({ clock: manualClock('2026-11-21T08:00:00Z') });
    await opened.say('remember my sister is called Ana');
    await opened.say('remember dentist: Dr Lee on Tuesdays #schedule');
    await opened.say('remember I like hiking on weekends');
    const bad = await opened.say('remember gym at 6 #fitness');
    expect(bad.kind).toBe('error');
    expect(bad.text).toContain('#fitness is not a category');
    expect((await opened.say('profile')).text).toBe(
      [
        'preference:',
        '  I like hiking on weekends  (explicit, since 2026-11-21, #3)',
        'relationship:',
        "  sister's name: Ana  (explicit, since 2026-11-21, #1)",
        'schedule:',
        '  dentist: Dr Lee on Tuesdays  (explicit, since 2026-11-21, #2)',
      ].join('\n'),
    );
    const ambiguous = await opened.say('forget #99');
    expect(ambiguous.kind).toBe('error');
    expect(opened.steward.memory.facts.current()).toHaveLength(3);
    expect((await opened.say('remember to call mum on Sunday')).text).toBe(
      'Remembered (relationship): to call mum on Sunday. It is kept in your profile, but steward will not remind you of it at a time (habits have reminders: "add habit <name> daily at 18:00").',
    );
    // A question is answered from memory, not stored.
    expect((await opened.say('remember when I said something about the dentist?')).text).toMatch(
      /^\d+ memor(y|ies) for "I said something about the dentist"/,
    );
    expect(opened.steward.memory.facts.current()).toHaveLength(4);
  });

  it('extracts facts after a model turn, off the reply path, and reconciles them: confirm, supersede, reject', async () => {
    let facts: ScriptedFact[] = [{ category: 'relationship', key: "Sister's name", value: 'Ana', confidence: 0.8 }];
    local = await startOpenAIServer({
      model: 'local-model',
      respond: memoryModel({ model: 'local-model', facts: () => facts }),
    });
    opened = await openTestSteward({
      env: { STEWARD_LOCAL_FAST_URL: local.url },
      overrides: { memory: { extraction: { enabled: true } } },
    });

    const reply = await opened.say('my sister Ana is visiting next week');
    expect(reply.text).toContain('You said: my sister Ana is visiting next week');
    await opened.steward.memory.idle();
    const extraction = local.chatRequests.find(isExtraction);
    expect(extraction).toBeDefined();
    expect(promptText(extraction!)).toContain('my sister Ana is visiting next week');
    expect(extraction!.response_format).toMatchObject({
      type: 'json_schema',
      json_schema: { name: 'extracted_facts' },
    });
    expect(opened.steward.memory.facts.currentByKey("sister's name")).toMatchObject({
      value: 'Ana',
      source: 'inferred',
      confidence: 0.8,
    });
    expect(
      opened.steward.database.prepare("SELECT facts_state FROM messages WHERE text LIKE 'my sister%'").get(),
    ).toEqual({ facts_state: 'done' });

    // The same value again raises the confidence (noisy-OR: 1 - 0.2 * 0.5 = 0.9).
    facts = [{ category: 'relationship', key: "sister's name", value: 'Ana', confidence: 0.5 }];
    await opened.say('Ana called me today');
    await opened.steward.memory.idle();
    expect(opened.steward.memory.facts.currentByKey("sister's name")?.confidence).toBeCloseTo(0.9, 5);

    // A weaker contradiction is rejected and audited; a stronger one supersedes.
    facts = [{ category: 'relationship', key: "sister's name", value: 'Anna', confidence: 0.6 }];
    await opened.say('I wrote a card to Anna');
    await opened.steward.memory.idle();
    expect(opened.steward.memory.facts.currentByKey("sister's name")?.value).toBe('Ana');
    facts = [{ category: 'relationship', key: "sister's name", value: 'Anastasia', confidence: 0.95 }];
    await opened.say('actually my sister goes by Anastasia now');
    await opened.steward.memory.idle();
    const history = opened.steward.memory.facts.history("sister's name");
    expect(history.map((fact) => [fact.value, fact.validTo === null])).toEqual([
      ['Ana', false],
      ['Anastasia', true],
    ]);
    const actions = opened.steward.memory.facts.audit(history.map((fact) => fact.id)).map((entry) => entry.action);
    expect(actions).toEqual(['created', 'confirmed', 'rejected', 'superseded', 'created']);

    // The profile reaches the next turn's prompt.
    await opened.say('what should I get her?');
    const turn = local.chatRequests.filter(isChatTurn).at(-1)!;
    expect(promptText(turn)).toContain("relationship · sister's name: Anastasia");
  });

  it('keeps a message for extraction while no model is up, and extracts it later; gives up on junk after 3 tries', async () => {
    local = await startOpenAIServer({
      model: 'local-model',
      respond: memoryModel({
        model: 'local-model',
        facts: () => [{ category: 'schedule', key: 'wake-up time', value: '6:30', confidence: 0.9 }],
      }),
    });
    const url = local.url;
    local.mode = 'error500';
    const clock = manualClock();
    opened = await openTestSteward({
      clock,
      env: { STEWARD_LOCAL_FAST_URL: url },
      overrides: { memory: { extraction: { enabled: true } } },
    });
    const failed = await opened.say('I wake up at 6:30 every day');
    expect(failed.kind).toBe('error');
    await opened.steward.memory.idle();
    expect(opened.steward.database.prepare("SELECT facts_state FROM messages WHERE text LIKE 'I wake%'").get()).toEqual(
      { facts_state: 'pending' },
    );
    expect(opened.steward.memory.facts.current()).toEqual([]);

    local.mode = 'ok';
    clock.advance(31_000); // past the breaker's first cooldown: a half-open probe lets the next request through
    await opened.steward.memory.background();
    expect(opened.steward.memory.facts.currentByKey('wake-up time')).toMatchObject({
      value: '6:30',
      category: 'schedule',
      source: 'inferred',
    });

    // Junk: the message is tried three times, then marked failed; the breaker stays closed (the server is fine).
    local.respond = (request) =>
      isExtraction(request) ? { content: 'Sure! The owner wakes up early.' } : { content: 'ok' };
    await opened.say('I go to bed at 11');
    for (let pass = 0; pass < 3; pass += 1) await opened.steward.memory.background();
    expect(
      opened.steward.database
        .prepare("SELECT facts_state, facts_attempts FROM messages WHERE text LIKE 'I go to bed%'")
        .get(),
    ).toEqual({ facts_state: 'failed', facts_attempts: 3 });
    expect(opened.steward.providers.health('local-fast')?.state).toBe('closed');
  });

  it('does not send background memory work to the cloud by default', async () => {
    const cloud = await startOpenAIServer({
      flavor: 'openai',
      model: 'gpt-test',
      apiKey: 'sk-test-background-1',
      respond: memoryModel({
        model: 'gpt-test',
        facts: () => [{ category: 'other', key: 'x', value: 'y', confidence: 1 }],
      }),
    });
    try {
      opened = await openTestSteward({
        env: { OPENAI_API_KEY: 'sk-test-background-1', OPENAI_BASE_URL: cloud.url },
        overrides: { memory: { extraction: { enabled: true } } },
      });
      const reply = await opened.say('hello from the cloud');
      expect(reply.via?.provider).toBe('openai-fast');
      await opened.steward.memory.idle();
      expect(cloud.chatRequests.filter(isExtraction)).toEqual([]);
      expect(
        opened.steward.database.prepare("SELECT facts_state FROM messages WHERE text = 'hello from the cloud'").get(),
      ).toEqual({ facts_state: 'pending' });
    } finally {
      await cloud.close();
    }
  });
});
