import type { Episode } from '../memory/episodes.js';
import type { Colors } from '../shared/colors.js';
import type { Logger } from '../shared/log.js';
import type { TurnHandler } from '../turn/types.js';

/**
 * What the REPL and its slash commands need from the assistant: the turn
 * pipeline, plus the few REPL-only services. `replHost()` in `src/app/`
 * makes one from an open `Steward`; a test may write its own.
 */
export interface ReplHost extends TurnHandler {
  /** Logger (history file and notice failures). */
  readonly log: Logger;
  /**
   * Start a new REPL conversation.
   * @param sender - the owner's name
   * @returns the session id
   */
  startSession(sender: string): number;
  /**
   * End a conversation: it is summarized into an episode.
   * @param sessionId - the session
   * @param options - `model: false` (leaving the REPL): the heuristic episode now, the model's summary later
   * @returns the episode, or undefined when the session held nothing to remember
   */
  endSession(sessionId: number, options?: { model?: boolean }): Promise<Episode | undefined>;
  /**
   * What Tab completes the line to: command phrases and slash commands at
   * the start, habit and goal names after a command phrase.
   * @param line - the line so far
   * @returns whole lines that start with it, best first (empty when none)
   */
  complete(line: string): Promise<string[]>;
  /** The plugins' one-line notices due now (habit reminders when Signal is off). */
  notices(): Promise<string[]>;
  /**
   * Start the background work after the prompt is shown: memory's (open the
   * vector index, embed what is queued) and the preload of the model stack
   * (so the first message costs what the tenth does).
   */
  warm(): void;
  /**
   * How the last model turn of a session was routed (`/why`).
   * @param sessionId - the session
   */
  why(sessionId: number): string;
  /**
   * The `/status` text: probes the providers first (the cloud only when no local one is up).
   * @param colors - colour functions for the output
   */
  statusText(colors: Colors): Promise<string>;
  /**
   * The command list for `/help`, grouped by plugin.
   * @param columns - the terminal's width, if known
   */
  commandHelp(columns?: number): Promise<string>;
  /**
   * `/history`: the last conversations, or one in full.
   * @param args - empty for the list, or a session (`12`, `#12`, `last`)
   * @param colors - colour functions for the output
   * @throws UserError for a session that is not one (its message is for the owner)
   */
  historyText(args: string, colors: Colors): string;
  /**
   * `/search <words>`: every message with those words, with highlighted snippets and their sessions.
   * @param words - the words
   * @param colors - colour functions for the output
   */
  searchText(words: string, colors: Colors): string;
}
