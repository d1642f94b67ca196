import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fromRoot } from '../../src/shared/paths.js';
import { isChatTurn, isExtraction, memoryModel, promptText } from '../support/memory.js';
import { startOpenAIServer, type OpenAIServer } from '../support/openai-server.js';
import { openTestSteward, runCli, temporaryDataDir, type TestSteward } from '../support/steward.js';

/** Memory across processes: what one process learns, the next one (or one running beside it) knows. */
describe('memory across processes', () => {
  let opened: TestSteward | undefined;
  let model: OpenAIServer | undefined;
  const cleanups: Array<() => void> = [];
  afterEach(async () => {
    await opened?.close();
    await model?.close();
    opened = undefined;
    model = undefined;
    cleanups.splice(0).forEach((cleanup) => cleanup());
  });

  function dataDir(): string {
    const made = temporaryDataDir();
    cleanups.push(made.remove);
    return made.dataDir;
  }

  it('recalls a fact stated in one REPL process in a later process: it is in the prompt sent to the model', async () => {
    model = await startOpenAIServer({
      model: 'local-model',
      respond: memoryModel({
        model: 'local-model',
        facts: (text) =>
          text.includes('oat flat white')
            ? [{ category: 'preference', key: 'coffee order', value: 'oat flat white', confidence: 0.9 }]
            : [],
      }),
    });
    const env = { STEWARD_DATA_DIR: dataDir(), STEWARD_LOCAL_FAST_URL: model.url, STEWARD_TIMEZONE: 'UTC' };
    const first = await runCli([], { env, input: 'by the way, I always order an oat flat white\n' });
    expect(first.code).toBe(0);
    expect(model.chatRequests.some(isExtraction)).toBe(true);

    const second = await runCli(['run', 'what should I order at the cafe?'], { env });
    expect(second.code).toBe(0);
    const turn = model.chatRequests.filter(isChatTurn).at(-1)!;
    expect(promptText(turn)).toContain('preference · coffee order: oat flat white');
    // The first conversation came back too, as its episode and as a recalled message.
    expect(promptText(turn)).toMatch(
      /Where we left off \(\d{4}-\d{2}-\d{2}, repl\): The owner talked about: by the way, I always order an oat flat white/,
    );
    expect(promptText(turn)).toMatch(
      /Recalled from earlier conversations[\s\S]*said: by the way, I always order an oat flat white/,
    );

    const profile = await runCli(['run', 'profile'], { env });
    expect(profile.stdout).toMatch(
      /preference:\n {2}coffee order: oat flat white {2}\(inferred, 90%, since \d{4}-\d{2}-\d{2}, #1\)/,
    );
  });

  it('sees, in a long-running process, what another process wrote a moment ago, by BM25 and by vector', async () => {
    const directory = dataDir();
    opened = await openTestSteward({ dataDir: directory });
    await opened.say('remember my bike lock code is 4412');
    await opened.steward.memory.embedPending();
    const index = await opened.steward.memory.index(opened.steward.memory.embedder.id);
    const before = index.size;

    // Another process (the CLI, as a REPL or daemon would be) writes and embeds a memory.
    const other = await runCli(['run', 'remember my locker number is 118'], { env: { STEWARD_DATA_DIR: directory } });
    expect(other.code).toBe(0);
    const embed = await runCli(['memory', 'embed'], { env: { STEWARD_DATA_DIR: directory } });
    expect(embed.stdout).toMatch(/^Embedded \d+ texts? /);

    const result = await opened.steward.memory.recall('locker number');
    expect(result.hits[0]).toMatchObject({ text: 'locker number: 118', bm25Rank: 1, vectorRank: 1 });
    expect(index.size).toBe(before + 1);

    // And the other way round: this process's new fact is seen by a new process.
    await opened.say('remember my gym is the one on Elm Street');
    await opened.steward.memory.embedPending();
    const recall = await runCli(['run', 'recall gym'], { env: { STEWARD_DATA_DIR: directory } });
    expect(recall.stdout).toContain('gym: the one on Elm Street');
    expect(recall.stdout).toMatch(/vector #1/);
  });

  it('loses no committed row to kill -9 during a burst of writes, and the index is consistent after restart', async () => {
    const directory = dataDir();
    const configFile = join(directory, 'test-config.json');
    writeFileSync(configFile, JSON.stringify({ memory: { index: { saveEvery: 3 }, extraction: { enabled: false } } }));
    const child = spawn(process.execPath, [fromRoot('test', 'support', 'burst-writer.mjs')], {
      cwd: fromRoot(),
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        XDG_CONFIG_HOME: process.env.XDG_CONFIG_HOME ?? '',
        STEWARD_DATA_DIR: directory,
        STEWARD_CONFIG: configFile,
        STEWARD_TIMEZONE: 'UTC',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const committed: Array<{ index: number; id: number }> = [];
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    await new Promise<void>((resolve, reject) => {
      let buffer = '';
      child.stdout.on('data', (chunk: Buffer) => {
        buffer += chunk.toString();
        const lines = buffer.split('\n');
        buffer = lines.pop() ?? '';
        for (const line of lines) {
          const [, index, id] = line.split(' ');
          committed.push({ index: Number(index), id: Number(id) });
        }
        if (committed.length >= 60 && !child.killed) {
          child.kill('SIGKILL');
          resolve();
        }
      });
      child.on('exit', (code, signal) =>
        signal === 'SIGKILL' ? resolve() : reject(new Error(`burst writer exited ${code}: ${stderr}`)),
      );
    });
    await new Promise((resolve) => child.on('close', resolve));

    opened = await openTestSteward({ dataDir: directory });
    const database = opened.steward.database;
    expect(database.pragma('integrity_check', { simple: true })).toBe('ok');
    for (const row of committed) {
      const stored = database.prepare<[number], { text: string }>('SELECT text FROM messages WHERE id = ?').get(row.id);
      expect(stored?.text, `message of write ${row.index}`).toMatch(
        new RegExp(`^(burst note ${row.index} |remember burst key ${row.index}:)`),
      );
    }
    const facts = committed.filter((row) => row.index % 5 === 4);
    for (const row of facts)
      expect(opened.steward.memory.facts.currentByKey(`burst key ${row.index}`)?.value).toBe(`value ${row.index}`);

    // The index file may be older than the kill; it loads (or is rebuilt) and catches up to every stored vector.
    const model = opened.steward.memory.embedder.id;
    const index = await opened.steward.memory.index(model);
    await index.ready();
    index.catchUp();
    const stored = database
      .prepare<[string], { n: number; max: number }>(
        'SELECT count(*) AS n, max(id) AS max FROM embeddings WHERE model = ?',
      )
      .get(model)!;
    expect(index.size).toBe(stored.n);
    expect(index.caughtUpTo).toBe(stored.max);
    // The jobs the kill left are embedded now; then every eligible message has exactly one vector.
    await opened.steward.memory.embedPending();
    const missing = database
      .prepare<[string], { n: number }>(
        `SELECT count(*) AS n FROM messages m WHERE m.role = 'user' AND json_extract(m.meta, '$.command') IS NULL
         AND NOT EXISTS (SELECT 1 FROM embeddings e WHERE e.owner_type = 'message' AND e.owner_id = m.id AND e.model = ?)`,
      )
      .get(model)!;
    expect(missing.n).toBe(0);
    const last = committed.filter((row) => row.index % 5 !== 4).at(-1)!;
    const result = await opened.steward.memory.recall(`burst note ${last.index}`);
    expect(result.vector).toBe('used');
    expect(result.hits.some((hit) => hit.text.startsWith(`burst note ${last.index} `) && hit.vectorRank !== null)).toBe(
      true,
    );
  });
});
