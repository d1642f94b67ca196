import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fromRoot } from '../../src/shared/paths.js';
import { refusedUrl, startOpenAIServer, type OpenAIServer } from '../support/openai-server.js';
import { startSignalServer, type SignalServer } from '../support/signal-server.js';
import { README_SESSION, runCli, temporaryDataDir, testProcessEnv } from '../support/steward.js';

const README_INPUT = README_SESSION.join('\n');

describe('the steward command (built, in a child process)', () => {
  let model: OpenAIServer;
  let signal: SignalServer;
  const cleanups: Array<() => void> = [];

  beforeAll(async () => {
    model = await startOpenAIServer({ model: 'local-model' });
    signal = await startSignalServer();
  });
  afterAll(async () => {
    await model.close();
    await signal.close();
  });
  afterEach(() => {
    cleanups.splice(0).forEach((cleanup) => cleanup());
    signal.mode = 'ok';
    signal.sent.length = 0;
  });

  function dataDir(): string {
    const { dataDir: directory, remove } = temporaryDataDir();
    cleanups.push(remove);
    return directory;
  }

  it('prints --help for every command', async () => {
    for (const args of [
      ['--help'],
      ['chat', '--help'],
      ['run', '--help'],
      ['daemon', '--help'],
      ['briefing', '--help'],
      ['doctor', '--help'],
      ['memory', '--help'],
      ['memory', 'embed', '--help'],
      ['outbox', '--help'],
      ['health', '--help'],
      ['service', 'install', '--help'],
      ['history', '--help'],
      ['history', 'search', '--help'],
      ['history', 'show', '--help'],
      ['export', '--help'],
      ['import', '--help'],
      ['backup', '--help'],
      ['restore', '--help'],
    ]) {
      const result = await runCli(args);
      expect(result.code, args.join(' ')).toBe(0);
      expect(result.stdout).toContain('Usage: steward');
    }
    expect((await runCli(['--help'])).stdout).toContain('check in <habit> [<day>] [note]');
  });

  it('exits 2 with one clear line for every usage error, in every subcommand', async () => {
    const cases: Array<[string[], string]> = [
      [['foo'], `steward: unknown command 'foo'; to ask the model, use: steward run "foo"`],
      [['rn', 'goals'], `steward: unknown command 'rn' (did you mean "steward run"?)`],
      [['chek', 'in', 'meditation'], `steward: unknown command 'chek' (did you mean "steward check in meditation"?)`],
      [['check', 'in'], `steward: Say which habit.\nusage: check in <habit> [<day>] [note]`],
      [
        ['help', 'me', 'with', 'this'],
        `steward: "help me with this" is not a command; to ask the model, use: steward run "help me with this"`,
      ],
      [['run'], `steward run: missing required argument 'text' (see "steward run --help")`],
      [['briefing'], `steward briefing: missing required argument 'kind' (see "steward briefing --help")`],
      [['outbox', '--bogus'], `steward outbox: unknown option '--bogus' (see "steward outbox --help")`],
      [
        ['health', 'extra'],
        `steward health: too many arguments for 'health'. Expected 0 arguments but got 1. (see "steward health --help")`,
      ],
      [['service'], `steward service: missing command (one of: install) (see "steward service --help")`],
      [['service', 'foo'], `steward service: unknown command 'foo' (one of: install) (see "steward service --help")`],
      [
        ['service', 'install', '--bogus'],
        `steward service install: unknown option '--bogus' (see "steward service install --help")`,
      ],
      [['memory', 'bogus'], `steward memory: unknown command 'bogus' (see "steward memory --help")`],
      [['--bogus'], `steward: unknown option '--bogus' (see "steward --help")`],
    ];
    const env = { STEWARD_DATA_DIR: dataDir() };
    for (const [args, line] of cases) {
      const result = await runCli(args, { env });
      expect({ args, code: result.code, stderr: result.stderr, stdout: result.stdout }).toEqual({
        args,
        code: 2,
        stderr: `${line}\n`,
        stdout: '',
      });
    }
    for (const args of [['--help'], ['service', '--help'], ['memory', '--help'], ['-v']]) {
      const result = await runCli(args, { env });
      expect({ args, code: result.code, stderr: result.stderr }).toEqual({ args, code: 0, stderr: '' });
    }
  });

  it('runs plugin commands as steward <command>, with no model: 0 done, 1 for a mistake, 2 for a usage error', async () => {
    const env = { STEWARD_DATA_DIR: dataDir() };
    const added = await runCli(['add', 'habit', 'meditation', 'daily'], { env });
    expect({ code: added.code, stdout: added.stdout }).toEqual({
      code: 0,
      stdout: 'Added habit meditation (daily). Check in with "check in meditation".\n',
    });
    expect((await runCli(['check', 'in', 'meditation'], { env })).stdout).toContain('Checked in meditation for today.');
    const habits = await runCli(['habits'], { env });
    expect(habits.code).toBe(0);
    expect(habits.stdout).toMatch(/^meditation \(daily\) #1 — done today/);
    const unknown = await runCli(['check', 'in', 'yoga'], { env });
    expect({ code: unknown.code, stderr: unknown.stderr }).toEqual({
      code: 1,
      stderr: 'steward: No habit named "yoga". Your habits: meditation.\n',
    });
    expect((await runCli(['help', 'habits'], { env })).stdout).toContain('check in <habit> [<day>] [note]');
  });

  it('exits 2 with one clear line for a bad configuration value', async () => {
    const result = await runCli(['run', 'goals'], { env: { STEWARD_DATA_DIR: dataDir(), STEWARD_SIGNAL_API: 'xml' } });
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/^steward: config error: signal\.api .*"xml".* from STEWARD_SIGNAL_API\n$/);
    expect(result.stdout).toBe('');
  });

  it('exits 2 naming STEWARD_DATA_DIR when the data directory cannot be used', async () => {
    const directory = dataDir();
    const file = join(directory, 'a-file');
    writeFileSync(file, 'not a folder');
    const result = await runCli(['run', 'goals'], { env: { STEWARD_DATA_DIR: join(file, 'db') } });
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      `steward: config error: dataDir ${join(file, 'db')} cannot be used (ENOTDIR): set STEWARD_DATA_DIR to a folder steward may write, from STEWARD_DATA_DIR\n`,
    );
  });

  it('runs the README session against a local model, and a second process sees the data', async () => {
    const directory = dataDir();
    const env = { STEWARD_DATA_DIR: directory, STEWARD_LOCAL_FAST_URL: model.url, STEWARD_TIMEZONE: 'UTC' };
    const first = await runCli([], { env, input: README_INPUT });
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('Checked in meditation for today. Streak: 1 day');
    expect(first.stdout).toContain('run a marathon: 10% (was 0%)');
    expect(first.stdout).toContain('Hello from local-model. You said: hello, what can you do?');

    const second = await runCli(['run', 'goals'], { env });
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/^run a marathon #1 {2}\[#-{9}\] {2}10% {2}by 2027-05-01/);
    const third = await runCli(['run', 'check in meditation'], { env });
    expect(third.stdout).toContain('already checked in for today');
  });

  it('answers the commands with no model listening, and explains the chat line', async () => {
    const env = { STEWARD_DATA_DIR: dataDir(), STEWARD_LOCAL_FAST_URL: await refusedUrl() };
    const result = await runCli([], { env, input: README_INPUT });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Added habit meditation (daily)');
    expect(result.stdout).toContain('run a marathon #1  [#---------]  10%');
    expect(result.stdout.trim().split('\n').at(-1)).toMatch(
      /^No model answered: tried local-fast \(connection refused\)\. To fix: /,
    );
  });

  it('falls back to OpenAI for "steward run" and says so on stderr', async () => {
    const cloud = await startOpenAIServer({ flavor: 'openai', model: 'gpt-test', apiKey: 'sk-cli-test-123456' });
    try {
      const env = {
        STEWARD_DATA_DIR: dataDir(),
        STEWARD_LOCAL_FAST_URL: await refusedUrl(),
        OPENAI_API_KEY: 'sk-cli-test-123456',
        OPENAI_BASE_URL: cloud.url,
      };
      const result = await runCli(['run', 'hello'], { env });
      expect(result.code).toBe(0);
      expect(result.stdout).toContain('Hello from gpt-test. You said: hello');
      expect(result.stderr).toContain('via openai-fast · local-fast: connection refused');
    } finally {
      await cloud.close();
    }
  });

  it('exits 1 with the closest names for an unknown habit', async () => {
    const env = { STEWARD_DATA_DIR: dataDir() };
    await runCli(['run', 'add', 'habit', 'meditation'], { env });
    // "check in meditation practice" would check in meditation with the note "practice"; a typo cannot carry a note.
    const result = await runCli(['run', 'check in meditaton practice'], { env });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('steward: No habit named "meditaton practice". Did you mean: meditation?\n');
  });

  it('delivers "steward briefing morning" to the signal-cli JSON-RPC server as one send', async () => {
    const env = {
      STEWARD_DATA_DIR: dataDir(),
      STEWARD_SIGNAL_URL: signal.url,
      STEWARD_SIGNAL_ACCOUNT: '+15550000000',
      STEWARD_SIGNAL_TO: '+15551112222',
      STEWARD_LOCAL_FAST_URL: model.url,
    };
    await runCli(['run', 'add habit meditation daily'], { env });
    const dry = await runCli(['briefing', 'morning', '--dry-run'], { env });
    expect(dry.code).toBe(0);
    expect(dry.stderr).toContain('dry run: not sent');
    expect(signal.sent).toHaveLength(0);

    const result = await runCli(['briefing', 'morning'], { env });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Sent the morning briefing to +15551112222 on Signal (written by local-fast)');
    expect(signal.sent).toHaveLength(1);
    expect(signal.sent[0]).toMatchObject({ account: '+15550000000', recipients: ['+15551112222'] });
    expect(signal.sent[0]?.message).toContain('Hello from local-model');
    expect(signal.sent[0]?.message).toContain('meditation (daily)');
  });

  it('fails "steward briefing morning" with the reason when Signal refuses', async () => {
    signal.mode = 'recipient-failure';
    const env = { STEWARD_DATA_DIR: dataDir(), STEWARD_SIGNAL_URL: signal.url, STEWARD_SIGNAL_TO: '+15551112222' };
    const result = await runCli(['briefing', 'morning'], { env });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      'steward: the morning briefing was not sent: Signal send failed: Failed to send message (code -1): +15551112222: UNREGISTERED_FAILURE. Nothing is left queued: run the command again when Signal is up.\n',
    );
    // Given up, not left for the daemon to send later behind the owner's back.
    const outbox = await runCli(['outbox', '--status', 'pending'], { env });
    expect(outbox.stdout).toMatch(/^The outbox is empty for "pending"\. 0 pending, 1 failed, 0 sent\./);
  });

  it('runs doctor: all good with the servers up, FAIL with the local model down', async () => {
    const up = await runCli(['doctor'], {
      env: {
        STEWARD_DATA_DIR: dataDir(),
        STEWARD_LOCAL_FAST_URL: model.url,
        STEWARD_SIGNAL_URL: signal.url,
        STEWARD_SIGNAL_TO: '+15551112222',
      },
    });
    expect(up.stdout).toMatch(
      /ok +model local-fast +http:\/\/127\.0\.0\.1:\d+\/v1 answered in \d+ ms; model local-model/,
    );
    expect(up.stdout).toMatch(/ok +signal/);
    expect(up.code).toBe(0);
    const down = await runCli(['doctor'], {
      env: { STEWARD_DATA_DIR: dataDir(), STEWARD_LOCAL_FAST_URL: await refusedUrl() },
    });
    expect(down.code).toBe(1);
    expect(down.stdout).toMatch(
      /FAIL {2}model local-fast +http:\/\/127\.0\.0\.1:\d+\/v1: connection refused: start the server/,
    );
    expect(down.stdout).toMatch(/warn {2}signal +Signal is not configured/);
  });

  it('runs the daemon until SIGTERM and stops gracefully', async () => {
    const child = spawn(process.execPath, [fromRoot('bin', 'steward.js'), 'daemon'], {
      env: { ...testProcessEnv(), STEWARD_DATA_DIR: dataDir() },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`daemon did not start: ${stdout}`)), 15_000);
      child.stdout.on('data', () => {
        if (stdout.includes('ready')) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    expect(stdout).toContain('Next: briefings:morning at');
    child.kill('SIGTERM');
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code).toBe(0);
    expect(stdout).toContain('steward daemon stopped.');
  });
});
