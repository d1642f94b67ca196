import type { ReplHost } from '../channels/repl-host.js';
import { HistoryStore } from '../memory/history.js';
import { formatCommandHelp } from './builtins.js';
import { formatSearchHits, formatSession, formatSessionList, resolveSession } from './history-text.js';
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
    warm: () => {
      steward.memory.warm();
      void steward.preload();
    },
    why: (sessionId) => steward.why(sessionId),
    statusText: async (colors) => {
      await steward.providers.probe();
      return formatStatus(steward.status(), colors);
    },
    commandHelp: () => formatCommandHelp(steward.plugins.commands.list()),
    historyText: (args, colors) => {
      const history = new HistoryStore(steward.database);
      const options = { colors, timeZone: steward.timeZone };
      if (args.trim() === '') return formatSessionList(history.sessions({ limit: 10 }), options, history.count());
      const id = resolveSession(history, args);
      const session = history.session(id);
      return session === undefined ? '' : formatSession(session, history.messages(id), options);
    },
    searchText: (words, colors) =>
      formatSearchHits(
        words,
        new HistoryStore(steward.database).search(words, { limit: 10 }),
        { colors, timeZone: steward.timeZone },
        false,
      ),
  };
}
