import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fromRoot } from '../../src/shared/paths.js';
import { startOpenAIServer, type OpenAIServer } from '../support/openai-server.js';
import { runCli, temporaryDataDir } from '../support/steward.js';

/**
 * `steward backup` and `steward restore` through the built CLI: a backup
 * taken while another process writes as fast as it can restores to a
 * consistent database, whose vector index is rebuilt from the stored
 * vectors with no embedding call; a restore refuses a damaged or foreign
 * file, a newer schema, and a database a daemon or a REPL has open; the
 * daemon keeps the last N daily backups.
 */

const LOOP_DB = join(process.cwd(), '..', 'shared', 'data', 'loop', 'loop.db');

function spawnSteward(args: string[], env: Record<string, string>): ChildProcessWithoutNullStreams {
  return spawn(process.execPath, args, { env: { PATH: process.env.PATH ?? '', ...env }, stdio: 'pipe' });
}

/** Resolves once `child` has printed `text` on stdout. */
function waitFor(child: ChildProcessWithoutNullStreams, text: string | RegExp, timeoutMs = 20_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${String(text)}: ${output}`)), timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (typeof text === 'string' ? output.includes(text) : text.test(output)) {
        clearTimeout(timer);
        resolve(output);
      }
    });
  });
}

function stopped(child: ChildProcessWithoutNullStreams): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve(child.exitCode);
    else child.on('close', resolve);
  });
}

describe('backup and restore (the built CLI)', () => {
  let model: OpenAIServer;
  const cleanups: Array<() => void> = [];
  const children: ChildProcessWithoutNullStreams[] = [];
  function dataDir(): string {
    const { dataDir: directory, remove } = temporaryDataDir();
    cleanups.push(remove);
    return directory;
  }
  beforeAll(async () => {
    model = await startOpenAIServer({ model: 'local-model', dimensions: 16 });
  });
  afterEach(async () => {
    for (const child of children.splice(0)) {
      child.kill('SIGKILL');
      await stopped(child);
    }
  });
  afterAll(async () => {
    await model.close();
    cleanups.forEach((cleanup) => cleanup());
  });

  it('restores a backup taken during a write burst from another process to a consistent database, rebuilding the index with no embedding call', async () => {
    const live = dataDir();
    const env = { STEWARD_DATA_DIR: live, STEWARD_TIMEZONE: 'UTC', STEWARD_EMBEDDINGS_URL: model.url };
    const writer = spawnSteward([fromRoot('test', 'support', 'burst-writer.mjs')], env);
    children.push(writer);
    await waitFor(writer, /committed 30 /, 60_000);
    const backups = dataDir();
    const files: string[] = [];
    for (let round = 0; round < 3; round += 1) {
      const file = join(backups, `during-burst-${round}.db`);
      const result = await runCli(['backup', file, '--json'], { env });
      expect(result.code, result.stderr).toBe(0);
      expect(JSON.parse(result.stdout)).toMatchObject({ file, integrity: 'ok' });
      files.push(file);
    }
    expect(writer.exitCode).toBeNull(); // still writing all along
    writer.kill('SIGKILL');
    await stopped(writer);

    const restored = dataDir();
    const target = { ...env, STEWARD_DATA_DIR: restored };
    const requestsBefore = model.embeddingRequests.length;
    const result = await runCli(['restore', files[2] as string, '--json'], { env: target });
    expect(result.code, result.stderr).toBe(0);
    expect(model.embeddingRequests.length).toBe(requestsBefore);
    const report = JSON.parse(result.stdout) as {
      previousKeptAt: string | null;
      indexes: Array<{ model: string; vectors: number }>;
    };
    expect(report.previousKeptAt).toBeNull();

    const database = new BetterSqlite3(join(restored, 'steward.db'));
    expect(database.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(database.pragma('foreign_key_check')).toEqual([]);
    // The FTS5 indexes agree with their tables, row for row.
    for (const table of ['messages_fts', 'episodes_fts', 'facts_fts'])
      expect(() => database.prepare(`INSERT INTO ${table} (${table}) VALUES ('integrity-check')`).run()).not.toThrow();
    const stored = database
      .prepare<[], { model: string; n: number }>(
        'SELECT model, count(*) AS n FROM embeddings WHERE vector != zeroblob(length(vector)) GROUP BY model',
      )
      .all();
    expect(stored.length).toBeGreaterThan(0);
    expect(report.indexes).toEqual(stored.map((row) => ({ model: row.model, vectors: row.n })));
    const messages = database.prepare<[], { n: number }>('SELECT count(*) AS n FROM messages').get()?.n ?? 0;
    expect(messages).toBeGreaterThanOrEqual(30);
    database.close();
    // The restored database answers as the live one did.
    const history = await runCli(['history', 'search', 'burst', '--json'], { env: target });
    expect((JSON.parse(history.stdout) as { hits: unknown[] }).hits.length).toBeGreaterThan(0);
  }, 120_000);

  it('refuses a damaged file, a database that is not steward’s, and one from a newer steward, changing nothing', async () => {
    const live = dataDir();
    const env = { STEWARD_DATA_DIR: live, STEWARD_TIMEZONE: 'UTC' };
    await runCli(['run', 'remember my coffee order is a cortado'], { env });
    const file = join(dataDir(), 'backup.db');
    expect((await runCli(['backup', file], { env })).code).toBe(0);

    const newer = join(dataDir(), 'newer.db');
    writeFileSync(newer, readFileSync(file));
    const edit = new BetterSqlite3(newer);
    edit
      .prepare("INSERT INTO schema_migrations (id, applied_at) VALUES ('999_from_the_future', '2030-01-01T00:00:00Z')")
      .run();
    edit.close();
    const refusedNewer = await runCli(['restore', newer], { env });
    expect(refusedNewer.code).toBe(1);
    expect(refusedNewer.stderr.trim()).toBe(
      `steward: ${newer}: comes from a newer steward (schema 999_from_the_future unknown here): update steward, then restore`,
    );

    const damaged = join(dataDir(), 'damaged.db');
    const bytes = readFileSync(file);
    bytes.fill(0x5a, 4096 + 100, 4096 * 3); // scribble over the second and third pages
    writeFileSync(damaged, bytes);
    const refusedDamaged = await runCli(['restore', damaged], { env });
    expect(refusedDamaged.code).toBe(1);
    expect(refusedDamaged.stderr).toMatch(
      new RegExp(`^steward: ${damaged}: (fails PRAGMA integrity_check|is not a usable SQLite database)`),
    );

    const refusedForeign = await runCli(['restore', LOOP_DB], { env });
    expect(refusedForeign.code).toBe(1);
    expect(refusedForeign.stderr).toContain('is not a steward database');

    expect(readdirSync(live).filter((name) => name.includes('before-restore'))).toEqual([]);
    const profile = await runCli(['run', 'profile'], { env });
    expect(profile.stdout).toContain('coffee order: a cortado');
  });

  it('never replaces a database that a daemon or a REPL has open, and names the process to stop', async () => {
    const live = dataDir();
    const env = { STEWARD_DATA_DIR: live, STEWARD_TIMEZONE: 'UTC' };
    await runCli(['run', 'remember my coffee order is a cortado'], { env });
    const file = join(dataDir(), 'backup.db');
    expect((await runCli(['backup', file], { env })).code).toBe(0);
    await runCli(['run', 'remember my coffee order is an espresso'], { env });

    const daemon = spawnSteward([fromRoot('bin', 'steward.js'), 'daemon'], env);
    children.push(daemon);
    await waitFor(daemon, 'ready');
    const refusedDaemon = await runCli(['restore', file], { env });
    expect(refusedDaemon.code).toBe(1);
    expect(refusedDaemon.stderr).toContain(`is in use by a steward daemon (pid ${daemon.pid} on `);
    expect(refusedDaemon.stderr).toContain(`kill ${daemon.pid}`);
    daemon.kill('SIGTERM');
    expect(await stopped(daemon)).toBe(0);

    const repl = spawnSteward([fromRoot('bin', 'steward.js'), 'chat'], env);
    children.push(repl);
    const marker = join(live, 'in-use', `repl-${repl.pid}.json`);
    for (let wait = 0; wait < 100 && !existsSync(marker); wait += 1)
      await new Promise((resolve) => setTimeout(resolve, 100));
    expect(existsSync(marker)).toBe(true);
    const refusedRepl = await runCli(['restore', file], { env });
    expect(refusedRepl.code).toBe(1);
    expect(refusedRepl.stderr).toContain(`is in use by a steward repl (pid ${repl.pid} on `);
    repl.stdin.end();
    expect(await stopped(repl)).toBe(0);
    expect(existsSync(marker)).toBe(false);

    expect((await runCli(['run', 'profile'], { env })).stdout).toContain('coffee order: an espresso');
    const restored = await runCli(['restore', file], { env });
    expect(restored.code, restored.stderr).toBe(0);
    expect(restored.stdout).toContain('The database it replaced is kept at');
    expect((await runCli(['run', 'profile'], { env })).stdout).toContain('coffee order: a cortado');
  }, 90_000);

  it('takes a daily backup in the daemon and keeps the last N', async () => {
    const live = dataDir();
    const config = join(live, 'config.json');
    // Every minute, so that the start-up catch-up takes one now; keep 2.
    writeFileSync(config, JSON.stringify({ backup: { daily: true, cron: '* * * * *', keep: 2, directory: 'daily' } }));
    const env = { STEWARD_DATA_DIR: live, STEWARD_TIMEZONE: 'UTC', STEWARD_CONFIG: config };
    const folder = join(live, 'daily');
    const older = ['steward-20200101T033000Z.db', 'steward-20200102T033000Z.db', 'steward-20200103T033000Z.db'];
    await runCli(['run', 'remember my coffee order is a cortado'], { env });
    for (const name of older) expect((await runCli(['backup', join(folder, name)], { env })).code).toBe(0);
    writeFileSync(join(folder, 'notes.txt'), 'not a backup: left alone');

    const daemon = spawnSteward([fromRoot('bin', 'steward.js'), 'daemon'], env);
    children.push(daemon);
    await waitFor(daemon, 'ready');
    for (let wait = 0; wait < 100 && readdirSync(folder).length !== 3; wait += 1)
      await new Promise((resolve) => setTimeout(resolve, 100));
    const names = readdirSync(folder).sort();
    expect(names).toHaveLength(3);
    expect(names.slice(0, 1)).toEqual(['notes.txt']);
    expect(names[1]).toBe('steward-20200103T033000Z.db');
    expect(names[2]).toMatch(/^steward-\d{8}T\d{6}Z\.db$/);
    daemon.kill('SIGTERM');
    expect(await stopped(daemon)).toBe(0);
  }, 60_000);
});
