import { afterEach, describe, expect, it } from 'vitest';
import { GloveEmbedder } from '../../src/memory/embedders/index.js';
import { openTestSteward, runCli, temporaryDataDir } from '../support/steward.js';

/** After a change of embedding model, the shell commands see and do the re-embedding, as `steward memory` says. */
describe('steward memory after a change of embedding model', () => {
  const cleanups: Array<() => void> = [];
  afterEach(() => cleanups.splice(0).forEach((cleanup) => cleanup()));

  it('counts the re-embedding in `steward memory`, and `steward memory embed` does it', async () => {
    const { dataDir, remove } = temporaryDataDir();
    cleanups.push(remove);
    // Memories embedded with the hashing embedder, as an older steward did.
    const opened = await openTestSteward({ dataDir, overrides: { embeddings: { provider: 'hashing' } } });
    await opened.say('remember my bike lock code is 4412');
    await opened.say('remember my gym is the one on Elm Street');
    await opened.say('remember the dentist is on Friday');
    await opened.steward.memory.embedPending();
    await opened.close();

    // The default configuration now asks for the word-vector embedder.
    const env = { STEWARD_DATA_DIR: dataDir, STEWARD_TIMEZONE: 'UTC' };
    const status = await runCli(['memory'], { env });
    expect(status.code).toBe(0);
    expect(status.stdout).toContain(`embedder   ${GloveEmbedder.ID} (offline); recall is served by hashing:v1:384`);
    expect(status.stdout).toMatch(/queue {6}3 to embed/);
    expect(status.stdout).toContain(`re-embed   0/3 texts for ${GloveEmbedder.ID}`);

    const embed = await runCli(['memory', 'embed'], { env });
    expect(embed.code).toBe(0);
    expect(embed.stdout).toMatch(
      new RegExp(`^Embedded 3 texts .* with ${GloveEmbedder.ID.replace(/[.]/g, '\\.')} in .*; 0 left\\.`),
    );

    const after = await runCli(['memory'], { env });
    expect(after.stdout).toContain(`embedder   ${GloveEmbedder.ID} (offline)\n`);
    expect(after.stdout).toMatch(/queue {6}0 to embed/);
    const again = await runCli(['memory', 'embed'], { env });
    expect(again.stdout).toContain(`Nothing to embed: every memory has its vector (${GloveEmbedder.ID}).`);
  });
});
