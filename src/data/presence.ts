import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { DatabaseHolder } from '../shared/errors.js';
import { isProcessAlive } from '../shared/process.js';

/**
 * Presence markers: a REPL says that it has the database open with a small
 * file in `<dataDir>/in-use/` (`repl-<pid>.json`: pid, host, since), so that
 * `steward restore` can name it and refuse to replace the database under
 * it. (The daemon says so with its lock, `daemon_lock`.) A marker whose
 * process is gone (same host) is stale: it is ignored and removed.
 */

const FOLDER = 'in-use';

/**
 * Mark this process as holding the database.
 * @param dataDir - the data directory
 * @param kind - what this process is, for example `repl`
 * @param since - when it started
 * @returns a function that removes the marker (also removed when the process exits)
 */
export function markPresence(dataDir: string, kind: string, since: Date = new Date()): () => void {
  const folder = join(dataDir, FOLDER);
  mkdirSync(folder, { recursive: true });
  const file = join(folder, `${kind}-${process.pid}.json`);
  const holder: DatabaseHolder = { kind, pid: process.pid, host: hostname(), since: since.toISOString() };
  writeFileSync(file, JSON.stringify(holder));
  const remove = (): void => {
    rmSync(file, { force: true });
    process.removeListener('exit', remove);
  };
  process.once('exit', remove);
  return remove;
}

/**
 * The processes that say they hold the database (live ones; stale markers are removed).
 * @param dataDir - the data directory
 * @returns each holder, oldest first
 */
export function presentHolders(dataDir: string): DatabaseHolder[] {
  const folder = join(dataDir, FOLDER);
  let names: string[];
  try {
    names = readdirSync(folder).filter((name) => name.endsWith('.json'));
  } catch {
    return [];
  }
  const holders: DatabaseHolder[] = [];
  for (const name of names) {
    const file = join(folder, name);
    let holder: DatabaseHolder;
    try {
      holder = JSON.parse(readFileSync(file, 'utf8')) as DatabaseHolder;
    } catch {
      rmSync(file, { force: true });
      continue;
    }
    if (holder.host === hostname() && (holder.pid === process.pid || !isProcessAlive(holder.pid))) {
      if (holder.pid !== process.pid) rmSync(file, { force: true });
      continue;
    }
    holders.push(holder);
  }
  return holders.sort((left, right) => left.since.localeCompare(right.since));
}
