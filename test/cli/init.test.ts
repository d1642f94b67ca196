import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startOllamaServer, type OllamaServer } from '../support/ollama-server.js';
import { refusedUrl } from '../support/openai-server.js';
import { startSignalServer, type SignalServer } from '../support/signal-server.js';
import { runCli, temporaryDataDir } from '../support/steward.js';

/**
 * `steward init` as a new user runs it: against a local Ollama with a chat
 * and an embedding model, a server that is down, and signal-cli; the
 * config file it writes then serves a REPL turn.
 */
describe('steward init', () => {
  let ollama: OllamaServer | undefined;
  let signal: SignalServer | undefined;
  let home: string;
  let data: { dataDir: string; remove: () => void };
  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), 'steward-init-'));
    data = temporaryDataDir();
  });
  afterEach(async () => {
    await ollama?.close();
    await signal?.close();
    ollama = undefined;
    signal = undefined;
    rmSync(home, { recursive: true, force: true });
    data.remove();
  });
  const env = (): Record<string, string> => ({
    XDG_CONFIG_HOME: home,
    STEWARD_DATA_DIR: data.dataDir,
    STEWARD_TIMEZONE: 'UTC',
  });
  const configFile = (): string => join(home, 'steward', 'config.json');

  it('finds the models, tells chat from embedding, checks them, writes the config, and the REPL then answers with them', async () => {
    ollama = await startOllamaServer({
      models: [
        {
          name: 'nomic-embed-text:latest',
          capability: 'embedding',
          parameterSize: '137M',
          family: 'nomic-bert',
          dimensions: 16,
        },
        { name: 'qwen3:8b', capability: 'completion', parameterSize: '8.2B', family: 'qwen3' },
      ],
    });
    signal = await startSignalServer();
    const down = await refusedUrl();
    const init = await runCli(
      [
        'init',
        '--yes',
        '--no-scan',
        '--url',
        ollama.root,
        '--url',
        down,
        '--signal-url',
        signal.url,
        '--signal-to',
        '+15551112222',
        '--send-test',
      ],
      { env: env(), timeoutMs: 60_000 },
    );
    expect(init.stderr).toBe('');
    expect(init.code).toBe(0);
    expect(init.stdout).toContain(`Ollama at ${ollama.root}/v1`);
    expect(init.stdout).toMatch(/embedding +nomic-embed-text:latest \(0\.14B\)/);
    expect(init.stdout).toMatch(/chat +qwen3:8b \(8\.2B\)/);
    expect(init.stdout).toContain(`Nothing usable at ${down}: connection refused`);
    expect(init.stdout).toContain(`Signal: signal-cli HTTP daemon (/api/v1/check) at ${signal.url}`);
    expect(init.stdout).toMatch(/ok +fast tier, qwen3:8b at .*: answered in \d+ ms/);
    expect(init.stdout).toMatch(/ok +embedder, nomic-embed-text:latest at .*: 16 dimensions/);
    expect(init.stdout).toContain('Sent a test message to +15551112222.');
    // One request each: a one-token chat and a one-text embedding.
    expect(ollama.chatRequests.map((request) => request.model)).toEqual(['qwen3:8b']);
    expect(ollama.embeddingRequests).toEqual([{ model: 'nomic-embed-text:latest', input: ['steward'] }]);
    expect(signal.sent).toEqual([
      expect.objectContaining({
        api: 'jsonrpc',
        recipients: ['+15551112222'],
        message: expect.stringContaining('test message'),
      }),
    ]);
    expect(JSON.parse(readFileSync(configFile(), 'utf8'))).toEqual({
      models: { local: { fast: { baseUrl: `${ollama.root}/v1`, model: 'qwen3:8b' } } },
      embeddings: { url: `${ollama.root}/v1`, model: 'nomic-embed-text:latest' },
      signal: { url: signal.url, to: ['+15551112222'] },
    });

    const repl = await runCli([], { env: env(), input: 'hello there\n', timeoutMs: 60_000 });
    expect(repl.code).toBe(0);
    expect(repl.stdout).toContain('Hello from qwen3:8b. You said: hello there');
    expect(ollama.embeddingRequests.length).toBeGreaterThan(1);
  });

  it('shows the current choices when run again and changes only what a flag changes', async () => {
    ollama = await startOllamaServer({
      models: [
        { name: 'qwen3:1.7b', capability: 'completion', parameterSize: '1.7B', family: 'qwen3' },
        { name: 'qwen3:32b', capability: 'completion', parameterSize: '32.8B', family: 'qwen3' },
      ],
      version: '0.29.0',
    });
    const first = await runCli(['init', '--yes', '--no-scan', '--url', ollama.root], { env: env(), timeoutMs: 60_000 });
    expect(first.code).toBe(0);
    // An Ollama before 0.30 has no capabilities in its list: /api/show tells.
    expect(first.stdout).toMatch(/chat +qwen3:1\.7b/);
    const written = JSON.parse(readFileSync(configFile(), 'utf8')) as Record<string, unknown>;
    expect(written).toEqual({
      models: {
        local: {
          fast: { baseUrl: `${ollama.root}/v1`, model: 'qwen3:1.7b' },
          quality: { baseUrl: `${ollama.root}/v1`, model: 'qwen3:32b' },
        },
      },
    });

    const again = await runCli(['init', '--yes', '--no-scan', '--no-check', '--fast-model', 'qwen3:32b'], {
      env: env(),
      timeoutMs: 60_000,
    });
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('Current choices:');
    expect(again.stdout).toMatch(/fast tier +qwen3:1\.7b at .* \(from user config .*config\.json\)/);
    expect(again.stdout).toContain('models.local.fast.model: "qwen3:1.7b" → "qwen3:32b"');
    expect(again.stdout).not.toContain('models.local.quality');
    const rewritten = JSON.parse(readFileSync(configFile(), 'utf8')) as { models: { local: Record<string, unknown> } };
    expect(rewritten.models.local).toEqual({
      fast: { baseUrl: `${ollama.root}/v1`, model: 'qwen3:32b' },
      quality: { baseUrl: `${ollama.root}/v1`, model: 'qwen3:32b' },
    });

    const unchanged = await runCli(['init', '--yes', '--no-scan', '--no-check'], { env: env(), timeoutMs: 60_000 });
    expect(unchanged.stdout).toContain(`Nothing changed in ${configFile()}.`);
  });

  it('reports a check that fails and still writes nothing that the schema refuses', async () => {
    const bad = await runCli(
      ['init', '--yes', '--no-scan', '--no-check', '--signal-url', 'http://127.0.0.1:1', '--signal-to', '12345'],
      {
        env: env(),
      },
    );
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/signal\.to\.0 must be an E\.164 number/);
    expect(existsSync(configFile())).toBe(false);
  });
});
