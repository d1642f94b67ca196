import { userInfo } from 'node:os';
import { join } from 'node:path';
import { replHost } from '../../app/repl-host.js';
import { runRepl } from '../../channels/repl.js';
import { markPresence } from '../../data/presence.js';
import { openSteward } from '../bootstrap.js';
import { startStatus } from './start-status.js';

/** The owner's name as the REPL records it. */
export function ownerName(): string {
  try {
    return userInfo().username;
  } catch {
    return 'owner';
  }
}

/**
 * `steward` / `steward chat`: the REPL on stdin/stdout.
 * @returns the exit code
 */
export async function chatCommand(): Promise<number> {
  const { steward, config } = await openSteward({ stderr: false });
  // Say that this REPL has the database open, so that "steward restore" names it instead of replacing the file under it.
  const unmark = markPresence(config.dataDir, 'repl');
  try {
    const terminal = process.stdin.isTTY === true && process.stdout.isTTY === true;
    const done = runRepl({
      host: replHost(steward),
      input: process.stdin,
      output: process.stdout,
      terminal,
      historyFile: join(config.dataDir, config.repl.historyFile),
      historySize: config.repl.historySize,
      sender: ownerName(),
      startStatus: () => startStatus(steward),
    });
    // The prompt is on screen now (runRepl draws it before its first await): start the
    // background health probes of the local providers, so that a server that dies or
    // comes back during the session is noticed.
    steward.providers.startHealthChecks();
    return await done;
  } finally {
    unmark();
    await steward.close();
  }
}
