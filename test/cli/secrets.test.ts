import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Daemon } from '../../src/daemon/daemon.js';
import { ACCOUNT, eventually, NO_BRIEFINGS, OWNER, QUICK_RECEIVE, signalEnv, startDaemon } from '../support/daemon.js';
import { refusedUrl, startOpenAIServer, type OpenAIServer } from '../support/openai-server.js';
import { startSignalServer, type SignalServer } from '../support/signal-server.js';
import { openTestSteward, runCli, temporaryDataDir, type TestSteward } from '../support/steward.js';

/** Keys that look like nothing in particular: only knowing the configured value can blank them out. */
const OPENAI_KEY = 'lab-openai-key-K2j3H4g5F6d7';
const EMBEDDINGS_KEY = 'lab-embed-key-M1n2B3v4C5x6';
const URL_PASSWORD = 'proxy-pass-Q1w2E3r4';

/**
 * Issue 10, item 5: no key leaves through any door. Each test below opens
 * one door, against test servers that echo the key they were sent in their
 * 401 (as OpenAI's "Incorrect API key provided: ..." does), and checks
 * that the key was sent and echoed but never comes out: command output,
 * the `messages` table (and every other table), Signal, the log, `steward
 * doctor`, `/status` and `steward memory`, Signal's own errors, and
 * configuration errors.
 */
describe('secrets never leave through any door', () => {
  let model: OpenAIServer;
  let signal: SignalServer;
  const cleanups: Array<() => void | Promise<void>> = [];
  beforeAll(async () => {
    // Answers only "the-right-key-0000", and echoes any other key it is sent.
    model = await startOpenAIServer({ model: 'lab-model', apiKey: 'the-right-key-0000' });
    signal = await startSignalServer();
  });
  afterAll(async () => {
    await model.close();
    await signal.close();
  });
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    signal.sent.length = 0;
  });

  /** A data directory and the environment of a steward whose chat and embeddings keys are both wrong. */
  function setup(): { dataDir: string; env: Record<string, string> } {
    const { dataDir, remove } = temporaryDataDir();
    cleanups.push(remove);
    const configFile = join(dataDir, 'config.json');
    writeFileSync(configFile, JSON.stringify({ embeddings: { apiKey: EMBEDDINGS_KEY, retries: 0 } }));
    return {
      dataDir,
      env: {
        STEWARD_DATA_DIR: dataDir,
        STEWARD_CONFIG: configFile,
        STEWARD_TIMEZONE: 'UTC',
        OPENAI_API_KEY: OPENAI_KEY,
        OPENAI_BASE_URL: model.url,
        STEWARD_EMBEDDINGS_URL: model.url,
        STEWARD_EMBEDDINGS_MODEL: 'lab-model',
        ...signalEnv(signal.url),
      },
    };
  }

  /** Everything the database holds, as one text. */
  function databaseText(dataDir: string): string {
    const database = new BetterSqlite3(join(dataDir, 'steward.db'), { readonly: true });
    try {
      const tables = database
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '%fts%'")
        .all() as Array<{ name: string }>;
      return tables.map(({ name }) => JSON.stringify(database.prepare(`SELECT * FROM "${name}"`).all())).join('\n');
    } finally {
      database.close();
    }
  }

  function expectClean(text: string, ...keys: string[]): void {
    for (const key of keys) expect(text).not.toContain(key);
  }

  it('command output, the database and the log: a chat and an embeddings server that echo the key', async () => {
    const { dataDir, env } = setup();
    const remembered = await runCli(['run', 'remember my cat is called Miso'], { env });
    const recall = await runCli(['run', 'recall cat'], { env });
    const chat = await runCli(['run', 'hello, how are you?'], { env });
    const embed = await runCli(['memory', 'embed'], { env, timeoutMs: 60_000 });
    // The keys were sent, and the server put them in its answers.
    expect(model.authorizations).toContain(`Bearer ${OPENAI_KEY}`);
    expect(model.authorizations).toContain(`Bearer ${EMBEDDINGS_KEY}`);
    expect(chat.code).toBe(1);
    const output = [remembered, recall, chat, embed].map((result) => result.stdout + result.stderr).join('\n');
    expect(output).toContain('401');
    expectClean(output, OPENAI_KEY, EMBEDDINGS_KEY);
    expectClean(databaseText(dataDir), OPENAI_KEY, EMBEDDINGS_KEY);
    expectClean(readFileSync(join(dataDir, 'steward.log'), 'utf8'), OPENAI_KEY, EMBEDDINGS_KEY);
  });

  it('steward doctor, /status in the REPL and steward memory', async () => {
    const { env } = setup();
    const doctor = await runCli(['doctor'], { env, timeoutMs: 60_000 });
    expect(doctor.stdout).toMatch(/FAIL +embeddings .*401/);
    const repl = await runCli(['chat'], { env, input: 'hello\n/status\n/why\n' });
    expect(repl.stdout).toContain('openai-fast');
    const memory = await runCli(['memory'], { env });
    expectClean(
      [doctor, repl, memory].map((result) => result.stdout + result.stderr).join('\n'),
      OPENAI_KEY,
      EMBEDDINGS_KEY,
    );
  });

  it('Signal: a reply about a failed model call goes out without the key', async () => {
    const { dataDir, env } = setup();
    const opened: TestSteward = await openTestSteward({
      dataDir,
      env,
      overrides: { ...NO_BRIEFINGS, ...QUICK_RECEIVE },
      clock: { now: () => new Date() },
    });
    cleanups.push(() => opened.close());
    const daemon: Daemon = (await startDaemon(opened.steward)).daemon;
    cleanups.push(() => daemon.stop());
    await eventually(() => expect(signal.eventClients).toBe(1));
    signal.pushEnvelope(signal.incoming(OWNER, 'what should I cook tonight?'), ACCOUNT);
    signal.pushEnvelope(signal.incoming(OWNER, 'recall cat'), ACCOUNT);
    await eventually(() => expect(signal.sent).toHaveLength(2));
    expect(signal.sent[0]?.message).toContain('HTTP 401');
    expectClean(JSON.stringify(signal.sent), OPENAI_KEY, EMBEDDINGS_KEY);
    expectClean(databaseText(dataDir), OPENAI_KEY, EMBEDDINGS_KEY);
  });

  it('Signal errors: the password of a signal-cli URL behind a proxy is not shown, stored or logged', async () => {
    const { dataDir, env } = setup();
    const down = new URL(await refusedUrl());
    const url = `http://steward:${URL_PASSWORD}@${down.host}`;
    const withProxy = { ...env, STEWARD_SIGNAL_URL: url };
    const briefing = await runCli(['briefing', 'morning'], { env: withProxy });
    expect(briefing.code).toBe(1);
    expect(briefing.stderr).toContain('http://steward:[redacted]@');
    const doctor = await runCli(['doctor'], { env: withProxy, timeoutMs: 60_000 });
    const outbox = await runCli(['outbox'], { env: withProxy });
    const output = [briefing, doctor, outbox].map((result) => result.stdout + result.stderr).join('\n');
    expectClean(output, URL_PASSWORD);
    expectClean(databaseText(dataDir), URL_PASSWORD);
    expectClean(readFileSync(join(dataDir, 'steward.log'), 'utf8'), URL_PASSWORD);
  });

  it('the owner’s own message: a configured key pasted into it is blanked out before it is stored', async () => {
    const { dataDir, env } = setup();
    const opened = await openTestSteward({ dataDir, env, overrides: { embeddings: { apiKey: EMBEDDINGS_KEY } } });
    cleanups.push(() => opened.close());
    const reply = await opened.say(`remember my openai key is ${OPENAI_KEY}`);
    expect(reply.text).toBe('Remembered (other): openai key: [redacted].');
    // What is embedded is the stored text: the queue holds the fact and the message, without the key.
    await opened.steward.memory.embedPending();
    expectClean(databaseText(dataDir), OPENAI_KEY);
  });

  it('configuration errors: a key pasted into another setting, or in a file that is not JSON', async () => {
    const { dataDir } = setup();
    const misplaced = await runCli(['run', 'hello'], {
      env: { STEWARD_DATA_DIR: dataDir, OPENAI_API_KEY: OPENAI_KEY, OPENAI_BASE_URL: `https ${OPENAI_KEY}` },
    });
    expect(misplaced.code).toBe(2);
    expect(misplaced.stderr).toContain('config error: models.openai.baseUrl must be an http:// or https:// URL');
    const broken = join(dataDir, 'broken.json');
    writeFileSync(broken, `{"models": {"openai": {"apiKey": ${OPENAI_KEY}}}}`);
    const unreadable = await runCli(['run', 'hello'], { env: { STEWARD_DATA_DIR: dataDir, STEWARD_CONFIG: broken } });
    expect(unreadable.code).toBe(2);
    expect(unreadable.stderr).toContain('is not valid JSON');
    expectClean(misplaced.stderr + unreadable.stderr, OPENAI_KEY, OPENAI_KEY.slice(0, 8));
  });
});
