import { afterEach, describe, expect, it } from 'vitest';
import type { ImportBatch } from '../../src/memory/index.js';
import { InvalidImportError } from '../../src/shared/errors.js';
import { openTestSteward, type TestSteward } from '../support/steward.js';

function batch(): ImportBatch {
  return {
    source: 'chatgpt',
    conversations: [
      {
        externalId: 'conv-a',
        title: 'Rowing plans',
        messages: [
          {
            role: 'user',
            speaker: 'owner',
            text: 'I usually wake up at 5:40 to go rowing',
            at: '2025-03-02T05:50:00Z',
          },
          {
            role: 'assistant',
            speaker: 'ChatGPT',
            text: 'Early rowing sessions suit a steady sleep schedule.',
            at: '2025-03-02T05:50:20Z',
          },
        ],
      },
      {
        externalId: 'conv-b',
        title: null,
        messages: [
          // Out of order on purpose: stored in time order.
          {
            role: 'user',
            speaker: 'owner',
            text: 'and the dentist is on Friday',
            at: new Date('2025-04-10T09:01:00Z'),
          },
          {
            role: 'user',
            speaker: 'owner',
            text: 'my sister Ana visits in April',
            at: Date.parse('2025-04-10T09:00:00Z'),
          },
        ],
      },
      { externalId: 'conv-empty', messages: [] },
    ],
  };
}

/** The memory import API: past conversations as sessions and messages with their times, through a turn's path. */
describe('memory import', () => {
  let opened: TestSteward | undefined;
  afterEach(async () => {
    await opened?.close();
    opened = undefined;
  });

  it('stores each conversation as an ended session with its original times, embeds it in the background and writes its episode', async () => {
    opened = await openTestSteward();
    const { memory } = opened.steward;
    const result = memory.importConversations(batch());
    expect(result).toMatchObject({ added: 2, skipped: 0, empty: 1, messages: 4 });
    expect(result.sessions.map((session) => [session.externalId, session.added])).toEqual([
      ['conv-a', true],
      ['conv-b', true],
    ]);
    const database = opened.steward.database;
    const sessions = database
      .prepare('SELECT channel, peer, title, import_key, started_at, ended_at FROM sessions ORDER BY id')
      .all();
    expect(sessions).toEqual([
      {
        channel: 'chatgpt',
        peer: 'ChatGPT',
        title: 'Rowing plans',
        import_key: 'chatgpt:conv-a',
        started_at: '2025-03-02T05:50:00.000Z',
        ended_at: '2025-03-02T05:50:20.000Z',
      },
      {
        channel: 'chatgpt',
        peer: 'chatgpt',
        title: null,
        import_key: 'chatgpt:conv-b',
        started_at: '2025-04-10T09:00:00.000Z',
        ended_at: '2025-04-10T09:01:00.000Z',
      },
    ]);
    const messages = database.prepare('SELECT sender, role, text, created_at, meta FROM messages ORDER BY id').all();
    expect(messages).toEqual([
      expect.objectContaining({ sender: 'owner', role: 'user', created_at: '2025-03-02T05:50:00.000Z' }),
      expect.objectContaining({ sender: 'ChatGPT', role: 'assistant', created_at: '2025-03-02T05:50:20.000Z' }),
      expect.objectContaining({ text: 'my sister Ana visits in April', created_at: '2025-04-10T09:00:00.000Z' }),
      expect.objectContaining({ text: 'and the dentist is on Friday', created_at: '2025-04-10T09:01:00.000Z' }),
    ]);
    expect(JSON.parse((messages[1] as { meta: string }).meta)).toEqual({ kind: 'imported', source: 'chatgpt' });

    await memory.idle();
    while (memory.status().counts.unsummarizedSessions > 0) await memory.background();
    await memory.idle();
    // Every message (the assistant's answer too) and both episodes have a vector; nothing is left queued.
    const vectors = database
      .prepare('SELECT owner_type, count(*) AS count FROM embeddings GROUP BY owner_type ORDER BY owner_type')
      .all();
    expect(vectors).toEqual([
      { owner_type: 'episode', count: 2 },
      { owner_type: 'message', count: 4 },
    ]);
    expect(memory.status().queue.pending).toBe(0);
    const episode = memory.episodes.bySession(result.sessions[0]!.sessionId);
    expect(episode).toMatchObject({ started: '2025-03-02T05:50:00.000Z', ended: '2025-03-02T05:50:20.000Z' });

    // Recall finds the imported answer by its words, dated when it was said.
    const recalled = await memory.recall('steady sleep schedule');
    const hit = recalled.hits.find((found) => found.ref.type === 'message' && found.text.startsWith('Early rowing'));
    expect(hit?.at).toBe('2025-03-02T05:50:20.000Z');
  });

  it('is idempotent by source and external id: a second import adds nothing', async () => {
    opened = await openTestSteward();
    const { memory } = opened.steward;
    memory.importConversations(batch());
    const again = memory.importConversations({
      ...batch(),
      conversations: [
        ...batch().conversations,
        { externalId: 'conv-c', messages: [{ role: 'user', speaker: 'me', text: 'new one', at: '2025-05-01' }] },
        { externalId: 'conv-c', messages: [{ role: 'user', speaker: 'me', text: 'same id twice', at: '2025-05-01' }] },
      ],
    });
    expect(again).toMatchObject({ added: 1, skipped: 3, empty: 1, messages: 1 });
    expect(again.sessions.filter((session) => !session.added).map((session) => session.externalId)).toEqual([
      'conv-a',
      'conv-b',
      'conv-c',
    ]);
    const count = opened.steward.database.prepare('SELECT count(*) AS count FROM messages').get() as {
      count: number;
    };
    expect(count.count).toBe(5);
    // The same external id from another source is another conversation.
    expect(memory.importConversations({ ...batch(), source: 'transcript' }).added).toBe(2);
  });

  it('refuses a malformed batch with one line naming the conversation and message, and writes none of it', async () => {
    opened = await openTestSteward();
    const { memory } = opened.steward;
    const bad = batch();
    const broken: ImportBatch = {
      source: 'chatgpt',
      conversations: [
        ...bad.conversations,
        {
          externalId: 'conv-bad',
          messages: [
            { role: 'user', speaker: 'owner', text: 'fine', at: '2025-01-01T00:00:00Z' },
            { role: 'user', speaker: 'owner', text: 'when?', at: 'last Tuesday-ish' },
          ],
        },
      ],
    };
    expect(() => memory.importConversations(broken)).toThrow(InvalidImportError);
    expect(() => memory.importConversations(broken)).toThrow(
      'import: conversation conv-bad: message 2.at is not a date ("last Tuesday-ish"); nothing was imported',
    );
    expect(() =>
      memory.importConversations({
        source: 'chatgpt',
        conversations: [{ externalId: 'x', messages: [{ role: 'user', speaker: 'owner', text: '  ', at: 0 }] }],
      }),
    ).toThrow('import: conversation x: message 1.text is blank; nothing was imported');
    expect(() => memory.importConversations({ source: 'Chat GPT', conversations: [] })).toThrow(
      'import: the source must be a lower-case name',
    );
    const count = opened.steward.database.prepare('SELECT count(*) AS count FROM sessions').get() as { count: number };
    expect(count.count).toBe(0);
  });
});
