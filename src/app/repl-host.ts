import type { ReplHost } from '../channels/repl-host.js';
import { formatCommandHelp } from './builtins.js';
import { formatStatus } from './status-text.js';
import type { Steward } from './steward.js';

/**
 * The REPL's view of an open Steward: the turn pipeline plus sessions,
 * episodes, plugin notices, `/why`, `/status` and `/help`.
 * @param steward - an open Steward
 * @returns the services `runRepl` takes
 */
export function replHost(steward: Steward): ReplHost {
  return {
    log: steward.log,
    handle: (message, options) => steward.handle(message, options),
    startSession: (sender) => steward.conversations.startSession('repl', sender),
    endSession: (sessionId) => steward.memory.endSession(sessionId),
    notices: () => steward.plugins.notices(),
    warm: () => steward.memory.warm(),
    why: (sessionId) => steward.why(sessionId),
    statusText: async (colors) => {
      await steward.providers.probe();
      return formatStatus(steward.status(), colors);
    },
    commandHelp: (columns) => formatCommandHelp(steward.plugins.commands.list(), columns),
  };
}
