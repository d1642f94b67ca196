import type { ReplHost } from '../channels/repl-host.js';
import { HistoryStore } from '../memory/history.js';
import { formatCommandHelp } from './builtins.js';
import { formatSearchHits, formatSession, formatSessionList, resolveSession } from './history-text.js';
import { formatStatus } from './status-text.js';
import type { Steward } from './steward.js';

/** The REPL's own commands, completed at the start of a line. */
const SLASH = ['/help', '/status', '/why', '/fast', '/quality', '/auto', '/end', '/quit'];

/**
 * Tab completion (see `ReplHost.complete`): after a command phrase the
 * names of the plugin that owns it, else the phrases and slash commands.
 * @param steward - an open Steward
 * @param line - the line so far
 */
async function completeLine(steward: Steward, line: string): Promise<string[]> {
  const grammar = steward.plugins.commands;
  const match = grammar.match(line);
  if (match !== undefined && line.length > match.phrase.length) {
    const typed = match.args;
    const head = typed === '' ? line : line.slice(0, line.toLowerCase().lastIndexOf(typed.toLowerCase()));
    const names = await steward.plugins.completions(match.plugin);
    return names
      .filter((name) => name.toLowerCase().startsWith(typed.toLowerCase()) && name.length > typed.length)
      .map((name) => `${head}${name}`);
  }
  const lower = line.toLowerCase();
  const phrases = grammar.list().flatMap((entry) => entry.command.phrases);
  return [...new Set([...phrases, ...SLASH])]
    .filter((phrase) => phrase.startsWith(lower) && phrase !== lower)
    .map((phrase) => (phrase.startsWith('/') ? phrase : `${phrase} `));
}

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
    endSession: (sessionId, options) => steward.memory.endSession(sessionId, options),
    notices: () => steward.plugins.notices(),
    complete: (line) => completeLine(steward, line),
    warm: () => {
      steward.memory.warm();
      void steward.preload();
    },
    why: (sessionId) => steward.why(sessionId),
    statusText: async (colors) => {
      await steward.providers.probe();
      return formatStatus(steward.status(), colors);
    },
    commandHelp: (columns) => formatCommandHelp(steward.plugins.commands.list(), columns),
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
