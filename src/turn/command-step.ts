import type { CommandMatch } from '../plugins/commands.js';
import { AmbiguousReferenceError, StewardError } from '../shared/errors.js';
import type { InboundMessage } from '../shared/messages.js';
import type { TurnStep } from './compose.js';
import type { TurnState } from './state.js';

/** The command grammar as the pipeline uses it (the plugin host's commands, wired by `Steward`). */
export interface CommandGrammar {
  /**
   * The command a text is, if it is one (`check in meditation`).
   * @param text - the message without a tier prefix
   * @returns the match, or undefined for anything else
   */
  match(text: string): CommandMatch | undefined;
  /**
   * The command line a text was probably meant to be (`chek in run` → `check in run`).
   * @param text - a text {@link match} did not take
   * @returns the corrected line, or undefined
   */
  suggest(text: string): string | undefined;
  /**
   * Run a matched command inside its plugin's error boundary.
   * @param match - the match
   * @param message - the inbound message
   * @param options - `color`: the channel shows ANSI colours; `columns`: the width of the owner's terminal
   * @returns the reply text
   * @throws UserError or PluginError for the owner to read
   */
  run(match: CommandMatch, message: InboundMessage, options: { color: boolean; columns?: number }): Promise<string>;
  /**
   * Run a matched command's `data`, for a caller that asked for JSON.
   * @returns the data, or undefined when the command has none (then {@link run} answers)
   * @throws UserError or PluginError for the owner to read
   */
  runData?(match: CommandMatch, message: InboundMessage): Promise<unknown>;
}

/**
 * Run `text` as a command on `turn`, when it is one: the turn is accepted
 * (stored as a command line) and answered. The owner's mistakes (a
 * `StewardError`: an unknown habit, a bad date, a plugin that failed)
 * become a reply of kind `error`; a name that matched several things is
 * kept on the turn (`turn.ambiguity`), so a number can pick one next.
 * @param grammar - the command grammar
 * @param turn - the turn
 * @param text - the command line (the turn's text, or one the owner confirmed)
 * @returns true when the text was a command and the turn is answered
 * @throws anything that is not a StewardError (a fault)
 */
export async function runCommandLine(grammar: CommandGrammar, turn: TurnState, text: string): Promise<boolean> {
  const match = grammar.match(text);
  if (match === undefined) return false;
  turn.accept(`${match.plugin}:${match.command.name}`);
  try {
    const data =
      turn.options.json === true && grammar.runData !== undefined
        ? await grammar.runData(match, { ...turn.message, text })
        : undefined;
    if (data !== undefined) {
      turn.reply = { text: JSON.stringify(data, null, 2), kind: 'command', data, notices: [] };
      return true;
    }
    const options = {
      color: turn.options.color === true,
      ...(turn.options.columns === undefined ? {} : { columns: turn.options.columns }),
    };
    const reply = await grammar.run(match, { ...turn.message, text }, options);
    turn.reply = { text: reply, kind: 'command', notices: [] };
  } catch (error) {
    if (!(error instanceof StewardError)) throw error;
    turn.errorName = error.name;
    turn.reply = { text: error.message, kind: 'error', notices: [] };
    if (error instanceof AmbiguousReferenceError && error.choices.length > 1)
      turn.ambiguity = { text, query: error.query, choices: error.choices };
  }
  return true;
}

/**
 * The step that runs a plugin command when the text is one, with no model
 * involved. It is the error boundary of the owner's mistakes (see
 * {@link runCommandLine}).
 * @param grammar - the command grammar
 * @returns the step
 */
export function commandStep(grammar: CommandGrammar): TurnStep {
  return async (turn, next) => {
    if (!(await runCommandLine(grammar, turn, turn.text))) return next();
  };
}

/**
 * The step after the commands: a line whose command words are one edit
 * away from a command's (`chek in run`, `check-in run`, `habit stat run`,
 * `goal reveiw`) is not sent to the model; the owner is asked "did you mean
 * ...?", and nothing happens until they say yes (see `followUpStep`).
 * @param grammar - the command grammar
 * @returns the step
 */
export function typoStep(grammar: CommandGrammar): TurnStep {
  return async (turn, next) => {
    const suggestion = grammar.suggest(turn.text);
    if (suggestion === undefined) return next();
    turn.accept('core:did-you-mean');
    turn.errorName = 'CommandTypo';
    turn.suggestion = suggestion;
    turn.reply = { text: `Did you mean "${suggestion}"? Say yes to run it.`, kind: 'error', notices: [] };
  };
}
