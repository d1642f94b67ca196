import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOpenAIServer, type OpenAIServer } from '../support/openai-server.js';
import { runCli, temporaryDataDir } from '../support/steward.js';

/**
 * Export, import and history through the built CLI: a data directory with
 * conversations answered by a model (the OpenAI-compatible test server),
 * habits, goals, facts, a Loop backup and a ChatGPT export; exported as
 * JSON and imported into an empty data directory, nothing is lost and
 * nothing changes; imported twice, nothing is added; a file cut short or
 * with a bad field adds nothing and says where.
 */

const LOOP_DB = join(process.cwd(), '..', 'shared', 'data', 'loop', 'loop.db');

/**
 * A ChatGPT `conversations.json` in the format of the data export (see
 * src/data/chatgpt.ts): a tree of nodes, a regenerated answer on a side
 * branch, a hidden system message, Unix-second times.
 */
function chatGptExport(): unknown {
  const node = (
    id: string,
    parent: string | null,
    children: string[],
    role: string,
    text: string,
    time: number | null,
    hidden = false,
  ): unknown => ({
    id,
    parent,
    children,
    message: {
      id,
      author: { role, name: null, metadata: {} },
      create_time: time,
      content: { content_type: 'text', parts: [text] },
      metadata: hidden ? { is_visually_hidden_from_conversation: true } : {},
      recipient: 'all',
    },
  });
  return [
    {
      title: 'Rowing schedule',
      create_time: 1709358600.5,
      update_time: 1709358700.1,
      conversation_id: '6f1c2a4e-0000-4000-8000-000000000001',
      id: '6f1c2a4e-0000-4000-8000-000000000001',
      current_node: 'n4',
      mapping: {
        root: { id: 'root', parent: null, children: ['n1'], message: null },
        n1: node('n1', 'root', ['n2'], 'system', 'You are ChatGPT.', null, true),
        n2: node(
          'n2',
          'n1',
          ['n3', 'n3b'],
          'user',
          'I row on the Charles river every Tuesday at dawn with the Riverside Oars club.',
          1709358610.2,
        ),
        n3b: node('n3b', 'n2', [], 'assistant', 'An answer that was regenerated away.', 1709358615),
        n3: node('n3', 'n2', ['n4'], 'assistant', 'Dawn rowing suits a steady sleep schedule.', 1709358620),
        n4: node('n4', 'n3', [], 'user', 'Thanks, that helps.', 1709358690),
      },
    },
  ];
}

function withoutExportTime(text: string): unknown {
  const document = JSON.parse(text) as Record<string, unknown>;
  delete document.exportedAt;
  return document;
}

describe('export and import (the built CLI)', () => {
  let model: OpenAIServer;
  const cleanups: Array<() => void> = [];
  const work = mkdtempSync(join(tmpdir(), 'steward-export-'));
  const source = { STEWARD_DATA_DIR: '', STEWARD_TIMEZONE: 'UTC', STEWARD_LOCAL_FAST_URL: '' };
  let exported: string;

  function dataDir(): string {
    const { dataDir: directory, remove } = temporaryDataDir();
    cleanups.push(remove);
    return directory;
  }

  beforeAll(async () => {
    model = await startOpenAIServer({ model: 'local-model' });
    source.STEWARD_DATA_DIR = dataDir();
    source.STEWARD_LOCAL_FAST_URL = model.url;
    const session = await runCli(['chat'], {
      env: source,
      input: [
        'add habit meditation daily at 07:30',
        'check in meditation',
        'skip meditation yesterday travelling',
        'remember my coffee order is an oat flat white',
        'remember my coffee order is a cortado',
        'set goal run a marathon by 2027-05-01 #health',
        'update progress marathon 10% first long run',
        'add milestone marathon: 10k race',
        'what should I cook for dinner tonight?',
        '/end',
        'tell me about rowing',
      ].join('\n'),
    });
    expect(session.code, session.stderr).toBe(0);
    writeFileSync(join(work, 'conversations.json'), JSON.stringify(chatGptExport()));
    for (const file of [LOOP_DB, join(work, 'conversations.json')]) {
      const result = await runCli(['import', file], { env: source });
      expect(result.code, result.stderr).toBe(0);
    }
    const result = await runCli(['export', '--format', 'json', '-o', join(work, 'export.json')], { env: source });
    expect(result.code, result.stderr).toBe(0);
    exported = readFileSync(join(work, 'export.json'), 'utf8');
  }, 120_000);
  afterAll(async () => {
    await model.close();
    cleanups.forEach((cleanup) => cleanup());
    rmSync(work, { recursive: true, force: true });
  });

  it('exports everything, with a version, and into an empty data directory it loses and changes nothing', async () => {
    const document = JSON.parse(exported) as {
      format: string;
      version: number;
      sessions: unknown[];
      facts: unknown[];
      plugins: unknown;
    };
    expect(document.format).toBe('steward-export');
    expect(document.version).toBe(1);
    expect(document.sessions.length).toBeGreaterThanOrEqual(3);
    expect(document.facts.length).toBe(2);
    expect(JSON.stringify(document.plugins)).toContain('"progressHistory"');

    const target = { STEWARD_DATA_DIR: dataDir(), STEWARD_TIMEZONE: 'UTC' };
    const imported = await runCli(['import', join(work, 'export.json'), '--no-embed'], { env: target });
    expect(imported.code, imported.stderr).toBe(0);
    const again = await runCli(['export', '--format', 'json'], { env: target });
    expect(again.code, again.stderr).toBe(0);
    expect(withoutExportTime(again.stdout)).toEqual(withoutExportTime(exported));

    // Importing the same file again adds nothing.
    const twice = await runCli(['import', join(work, 'export.json'), '--json', '--no-embed'], { env: target });
    const added = (JSON.parse(twice.stdout) as { added: Record<string, number> }).added;
    expect(
      Object.values(added).every((count) => count === 0),
      JSON.stringify(added),
    ).toBe(true);
    const third = await runCli(['export', '--format', 'json'], { env: target });
    expect(withoutExportTime(third.stdout)).toEqual(withoutExportTime(exported));
  });

  it('imports an export into a database with its own records, adding each record once', async () => {
    const target = { STEWARD_DATA_DIR: dataDir(), STEWARD_TIMEZONE: 'UTC' };
    await runCli(['run', 'remember my coffee order is a flat white'], { env: target });
    await runCli(['run', 'add habit meditation weekly'], { env: target });
    const first = await runCli(['import', join(work, 'export.json'), '--json', '--no-embed'], { env: target });
    expect(first.code, first.stderr).toBe(0);
    const added = (JSON.parse(first.stdout) as { added: Record<string, number> }).added;
    expect(added.habits).toBe(10);
    const second = await runCli(['import', join(work, 'export.json'), '--json', '--no-embed'], { env: target });
    const none = (JSON.parse(second.stdout) as { added: Record<string, number> }).added;
    expect(
      Object.values(none).every((count) => count === 0),
      JSON.stringify(none),
    ).toBe(true);
    // Both meditations are kept: the imported one gets a free name.
    const habits = await runCli(['run', '--json', 'habits'], { env: target });
    const names = (JSON.parse(habits.stdout) as { data: { habits: Array<{ name: string }> } }).data.habits.map(
      (habit) => habit.name,
    );
    expect(names.slice(0, 2)).toEqual(['meditation', 'meditation (2)']);
    // The later coffee order is current; the other is in its dated history.
    const profile = await runCli(['run', '--json', 'profile coffee order'], { env: target });
    const history = (
      JSON.parse(profile.stdout) as { data: { history: Array<{ value: string; validTo: string | null }> } }
    ).data.history;
    expect(history.filter((fact) => fact.validTo === null).map((fact) => fact.value)).toEqual(['a flat white']);
    expect(history.map((fact) => fact.value).sort()).toEqual(['a cortado', 'a flat white', 'an oat flat white']);
  });

  it("writes Markdown with each reply's time, provider and model", async () => {
    const markdown = await runCli(['export'], { env: source });
    expect(markdown.code, markdown.stderr).toBe(0);
    expect(markdown.stdout).toContain('# Rowing schedule');
    expect(markdown.stdout).toMatch(/### steward \(local-fast, local-model, fast tier\) — \d{4}-\d\d-\d\dT/);
    expect(markdown.stdout).toMatch(
      /### you — \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\n\nwhat should I cook for dinner tonight\?/,
    );
    // One conversation, read back as a transcript.
    const one = await runCli(['export', '--session', 'last', '-o', join(work, 'last.md')], { env: source });
    expect(one.code, one.stderr).toBe(0);
    const target = { STEWARD_DATA_DIR: dataDir(), STEWARD_TIMEZONE: 'UTC' };
    const imported = await runCli(['import', join(work, 'last.md'), '--no-embed'], { env: target });
    expect(imported.stdout).toContain('(transcript): 1 conversations');
    const again = await runCli(['import', join(work, 'last.md'), '--no-embed'], { env: target });
    expect(again.stdout).toContain('Nothing new');
  });

  it("recalls and finds a ChatGPT export's message, and a second import adds nothing", async () => {
    const recall = await runCli(['run', 'recall which river do I row on'], { env: source });
    expect(recall.code, recall.stderr).toBe(0);
    expect(recall.stdout).toContain('I row on the Charles river every Tuesday at dawn');
    const search = await runCli(['history', 'search', 'charles', 'river', '--json'], { env: source });
    const hits = (
      JSON.parse(search.stdout) as { hits: Array<{ snippet: string; session: { channel: string; title: string } }> }
    ).hits;
    expect(hits[0]?.snippet).toContain('*Charles* *river*');
    expect(hits[0]?.session).toMatchObject({ channel: 'chatgpt', title: 'Rowing schedule' });
    // The regenerated answer on the side branch and the hidden system message are left out.
    const show = await runCli(
      ['history', 'show', String((hits[0] as unknown as { message: { sessionId: number } }).message.sessionId)],
      { env: source },
    );
    expect(show.stdout).toContain('Dawn rowing suits a steady sleep schedule.');
    expect(show.stdout).not.toContain('regenerated away');
    expect(show.stdout).not.toContain('You are ChatGPT');
    const again = await runCli(['import', join(work, 'conversations.json'), '--json'], { env: source });
    expect(JSON.parse(again.stdout)).toMatchObject({
      format: 'chatgpt',
      added: { conversations: 0, messages: 0 },
      skipped: 1,
    });
  });

  it('lists, searches and shows conversations, in text and JSON, and in the REPL', async () => {
    const list = await runCli(['history', '--json'], { env: source });
    const sessions = (
      JSON.parse(list.stdout) as { total: number; sessions: Array<{ channel: string; messages: number }> }
    ).sessions;
    expect(sessions.map((session) => session.channel)).toContain('chatgpt');
    const text = await runCli(['history', '--limit', '2'], { env: source });
    expect(text.stdout).toMatch(/^#\d+ {2}\d{4}-\d\d-\d\d \d\d:\d\d {2}\w+ {2}\d+ messages?/);
    expect(text.stdout).toContain('of');
    const repl = await runCli(['chat'], { env: source, input: '/search cortado\n/history\n/history 99999\n' });
    expect(repl.stdout).toContain('remember my coffee order is a *cortado*'.replace(/\*/g, ''));
    expect(repl.stdout).toContain('No conversation named "#99999"');
  });

  it('adds nothing from a file cut short or with a bad field, and says where', async () => {
    const target = { STEWARD_DATA_DIR: dataDir(), STEWARD_TIMEZONE: 'UTC' };
    const cut = join(work, 'cut.json');
    writeFileSync(cut, exported.slice(0, Math.floor(exported.length / 2)));
    const truncated = await runCli(['import', cut], { env: target });
    expect(truncated.code).toBe(1);
    expect(truncated.stderr).toMatch(new RegExp(`^steward: ${cut}, line \\d+(, column \\d+)?: is not valid JSON`));

    // The core records are fine and come first; a bad habit frequency further down stops it all.
    const document = JSON.parse(exported) as { plugins: { habits: { habits: Array<{ frequency: { den: number } }> } } };
    (document.plugins.habits.habits[1] as { frequency: { den: number } }).frequency.den = 0;
    const bad = join(work, 'bad.json');
    writeFileSync(bad, JSON.stringify(document));
    const rejected = await runCli(['import', bad], { env: target });
    expect(rejected.code).toBe(1);
    expect(rejected.stderr.trim()).toBe(
      `steward: ${bad}, plugins.habits.habits[1].frequency.den: Too small: expected number to be >=1`,
    );
    const history = await runCli(['history', '--json'], { env: target });
    expect(JSON.parse(history.stdout)).toEqual({ total: 0, sessions: [] });
    const habits = await runCli(['run', '--json', 'habits'], { env: target });
    expect((JSON.parse(habits.stdout) as { data: { habits: unknown[] } }).data.habits).toEqual([]);

    const chat = join(work, 'bad-chatgpt.json');
    const conversations = chatGptExport() as Array<{ mapping: Record<string, { message: { create_time: unknown } }> }>;
    (conversations[0]?.mapping.n3 as { message: { create_time: unknown } }).message.create_time = 'yesterday';
    writeFileSync(chat, JSON.stringify(conversations));
    const badChat = await runCli(['import', chat], { env: target });
    expect(badChat.code).toBe(1);
    expect(badChat.stderr).toContain(
      `${chat}, conversation 1 (6f1c2a4e-0000-4000-8000-000000000001): a message's create_time is "yesterday"`,
    );
  });
});
