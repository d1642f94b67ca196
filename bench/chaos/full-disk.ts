import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { crashed, place, query, secretsIn, steward, storedText, type Outcome, type Servers } from './world.js';

/**
 * A full disk: the data directory on a small tmpfs, filled up but for a
 * few kilobytes, then commands (`steward run` and a REPL) until the writes
 * fail. Each must end with an answer or a one-line error (the log falls
 * back to stderr), a command that said it stored something must have
 * stored it, and once space is freed the database must pass its integrity
 * check and take writes again. Needs root to mount the tmpfs; skipped with
 * a note otherwise.
 */

/** Fill `directory` with 64 KiB files until the disk is full; returns the files. */
function fill(directory: string): string[] {
  const chunk = Buffer.alloc(64 * 1024, 7);
  const files: string[] = [];
  for (let index = 0; ; index += 1) {
    const file = join(directory, `filler-${index}`);
    try {
      writeFileSync(file, chunk);
      files.push(file);
    } catch {
      rmSync(file, { force: true });
      return files;
    }
  }
}

/**
 * Run commands on a full disk.
 * @param servers - the servers
 * @param count - how many commands
 */
export async function fullDisk(servers: Servers, count: number): Promise<Outcome> {
  const name = 'full disk (8 MiB tmpfs)';
  const mountPoint = mkdtempSync(join(tmpdir(), 'steward-chaos-disk-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=8m', 'tmpfs', mountPoint], { stdio: 'ignore' });
  } catch {
    rmSync(mountPoint, { recursive: true, force: true });
    return {
      name,
      tried: 0,
      crashed: 0,
      lost: 0,
      duplicated: 0,
      leaked: 0,
      note: 'skipped: mounting a tmpfs needs root (run pnpm chaos as root for this case)',
    };
  }
  const dataDir = join(mountPoint, 'data');
  mkdirSync(dataDir);
  const where = place(servers, { dataDir });
  let crashes = 0;
  let lost = 0;
  let outputs = '';
  let tried = 0;
  try {
    await steward(['run', 'add habit tea daily'], where.env).done;
    const fillers = fill(mountPoint);
    // A few kilobytes left: some writes pass, then the disk is full.
    for (const file of fillers.slice(-2)) rmSync(file);
    const acknowledged: string[] = [];
    for (let index = 0; index < count; index += 1) {
      const fact = `disk key ${index}`;
      const finished = await steward(['run', `remember ${fact}: ${'v'.repeat(500)}`], where.env).done;
      tried += 1;
      outputs += finished.stdout + finished.stderr;
      if (crashed(finished)) crashes += 1;
      if (finished.code === 0) acknowledged.push(fact);
    }
    const repl = await steward(
      ['chat'],
      where.env,
      Array.from({ length: count }, (_, index) => `check in tea ${index}\nhabits`).join('\n') + '\n',
    ).done;
    tried += count;
    outputs += repl.stdout + repl.stderr;
    if (crashed(repl)) crashes += 1;
    // Space again: everything acknowledged is there, the file is sound, and it takes writes.
    for (const file of fillers) rmSync(file, { force: true });
    const database = new BetterSqlite3(join(dataDir, 'steward.db'));
    const integrity = database.pragma('integrity_check', { simple: true });
    database.close();
    if (integrity !== 'ok') crashes += 1;
    const facts = new Set(
      query<{ key: string }>(dataDir, 'SELECT key FROM facts WHERE valid_to IS NULL').map((row) => row.key),
    );
    lost = acknowledged.filter((fact) => !facts.has(fact)).length;
    const after = await steward(['run', 'check in tea'], where.env).done;
    if (after.code !== 0) crashes += 1;
    return {
      name,
      tried,
      crashed: crashes,
      lost,
      duplicated: 0,
      leaked: secretsIn(outputs) + secretsIn(storedText(dataDir)),
      note: `${acknowledged.length} of ${count} runs stored before the disk filled; ${
        (outputs.match(/the disk is full/g) ?? []).length
      } "disk is full" lines; integrity ${String(integrity)}`,
    };
  } finally {
    where.remove();
    try {
      execFileSync('umount', [mountPoint], { stdio: 'ignore' });
    } finally {
      rmSync(mountPoint, { recursive: true, force: true });
    }
  }
}
