import type { CommandMatch } from '../plugins/commands.js';
import { StewardError } from '../shared/errors.js';
import type { InboundMessage } from '../shared/messages.js';
import type { TurnStep } from './compose.js';

/** The command grammar as the pipeline uses it (the plugin host's commands, wired by `Steward`). */
export interface CommandGrammar {
  /**
   * The command a text is, if it is one (`check in meditation`).
   * @param text - the message without a tier prefix
   * @returns the match, or undefined for anything else
   */
  match(text: string): CommandMatch | undefined;
  /**
   * Run a matched command inside its plugin's error boundary.
   * @param match - the match
   * @param message - the inbound message
   * @param options - `color`: the channel shows ANSI colours
   * @returns the reply text
   * @throws UserError or PluginError for the owner to read
   */
  run(match: CommandMatch, message: InboundMessage, options: { color: boolean }): Promise<string>;
  /**
   * Run a matched command's `data`, for a caller that asked for JSON.
   * @returns the data, or undefined when the command has none (then {@link run} answers)
   * @throws UserError or PluginError for the owner to read
   */
  runData?(match: CommandMatch, message: InboundMessage): Promise<unknown>;
}

/**
 * The step that runs a plugin command when the text is one, with no model
 * involved. It is the error boundary of the owner's mistakes: a
 * `StewardError` (an unknown habit, a bad date, a plugin that failed)
 * becomes a reply of kind `error`; anything else is a fault and is thrown.
 * @param grammar - the command grammar
 * @returns the step
 */
export function commandStep(grammar: CommandGrammar): TurnStep {
  return async (turn, next) => {
    const match = grammar.match(turn.text);
    if (match === undefined) return next();
    turn.accept(`${match.plugin}:${match.command.name}`);
    try {
      const data =
        turn.options.json === true && grammar.runData !== undefined
          ? await grammar.runData(match, turn.message)
          : undefined;
      if (data !== undefined) {
        turn.reply = { text: JSON.stringify(data, null, 2), kind: 'command', data, notices: [] };
        return;
      }
      const text = await grammar.run(match, turn.message, { color: turn.options.color === true });
      turn.reply = { text, kind: 'command', notices: [] };
    } catch (error) {
      if (!(error instanceof StewardError)) throw error;
      turn.errorName = error.name;
      turn.reply = { text: error.message, kind: 'error', notices: [] };
    }
  };
}
