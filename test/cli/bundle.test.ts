import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fromRoot } from '../../src/shared/paths.js';
import { startOpenAIServer, type ChatRequest, type OpenAIServer } from '../support/openai-server.js';
import { runCli, temporaryDataDir } from '../support/steward.js';

/** Whether a chat request is fact extraction (structured output named `extracted_facts`). */
function isExtraction(request: ChatRequest): boolean {
  return (
    (request.response_format as { json_schema?: { name?: string } } | undefined)?.json_schema?.name ===
    'extracted_facts'
  );
}

/** The bundled CLI (bin/build.js → dist/bundle/), as `bin/steward.js` runs it. */
describe('the bundled CLI', () => {
  let model: OpenAIServer;
  const cleanups: Array<() => void> = [];
  beforeAll(async () => {
    model = await startOpenAIServer({ model: 'local-model' });
  });
  afterAll(async () => {
    await model.close();
  });
  afterEach(() => {
    cleanups.splice(0).forEach((cleanup) => cleanup());
    model.chatRequests.length = 0;
  });

  function dataDir(): string {
    const { dataDir: directory, remove } = temporaryDataDir();
    cleanups.push(remove);
    return directory;
  }

  it('bundles every plugin folder, and the loader finds them in the bundle', async () => {
    const folders = readdirSync(fromRoot('plugins'), { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && existsSync(fromRoot('plugins', entry.name, 'index.ts')))
      .map((entry) => entry.name);
    for (const folder of folders)
      expect(existsSync(fromRoot('dist', 'bundle', 'plugins', folder, 'index.js'))).toBe(true);
    const doctor = await runCli(['doctor'], { env: { STEWARD_DATA_DIR: dataDir() } });
    expect(doctor.stdout).toMatch(new RegExp(`ok +plugins +${folders.sort().join(', ')}\\n`));
  });

  it('leaves the bundle alone when nothing changed since it was built', () => {
    const meta = fromRoot('dist', 'bundle', 'meta.json');
    const before = statSync(meta).mtimeMs;
    execFileSync(process.execPath, [fromRoot('bin', 'build.js')], { cwd: fromRoot() });
    expect(statSync(meta).mtimeMs).toBe(before);
  });

  it('answers a model turn with "steward run" and leaves its fact extraction for a later process', async () => {
    const directory = dataDir();
    const env = { STEWARD_DATA_DIR: directory, STEWARD_LOCAL_FAST_URL: model.url };
    const run = await runCli(['run', 'by the way, I always order an oat flat white'], { env });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Hello from local-model\. You said: by the way, I always order an oat flat white/);
    expect(model.chatRequests).toHaveLength(1);
    expect(model.chatRequests.some(isExtraction)).toBe(false);
    const status = await runCli(['memory'], { env });
    expect(status.stdout).toMatch(/1 messages? waiting for fact extraction/);

    // The next process that does background work (here a piped REPL after its model turn) picks it up.
    const repl = await runCli([], { env, input: 'and my sister Ana visits on Friday\n' });
    expect(repl.code).toBe(0);
    const extracted = model.chatRequests.filter(isExtraction).map((request) => request.messages.at(-1)?.content);
    expect(extracted).toEqual(
      expect.arrayContaining(['by the way, I always order an oat flat white', 'and my sister Ana visits on Friday']),
    );
    expect(existsSync(join(directory, 'steward.db'))).toBe(true);
  });
});
