import pc from 'picocolors';
import { formatCommandHelp } from '../app/builtins.js';
import type { Steward } from '../app/steward.js';
import { formatStatus } from '../cli/format.js';

/** What the REPL keeps between lines. */
export interface ReplState {
  /** The REPL's conversation session. */
  sessionId: number;
}

/** What a slash command gets. */
export interface SlashContext {
  /** The assistant. */
  steward: Steward;
  /** The REPL's state (a command may change it). */
  state: ReplState;
  /** Print to the REPL's output. */
  write(text: string): void;
}

/** A REPL-only command such as `/status`. */
export interface SlashCommand {
  /** Names without the slash; the first is shown in /help. */
  names: readonly string[];
  /** One line for /help. */
  description: string;
  /**
   * Run the command.
   * @param args - the text after the name, trimmed
   * @returns `quit` to end the REPL
   */
  run(args: string, context: SlashContext): Promise<'quit' | void> | 'quit' | void;
}

/** The REPL's slash commands, in /help order. */
export const SLASH_COMMANDS: SlashCommand[] = [
  {
    names: ['help', '?'],
    description: 'this help and the command list',
    run: (_args, { steward, write }) => {
      write(`${slashHelp()}\n\n${formatCommandHelp(steward.plugins.commands.list())}\n`);
    },
  },
  {
    names: ['status'],
    description: 'models, plugins, Signal and database',
    run: async (_args, { steward, write }) => {
      await steward.probeProviders();
      write((await formatStatus(steward.status())) + '\n');
    },
  },
  {
    names: ['quit', 'exit', 'q'],
    description: 'leave (or Ctrl-D); Ctrl-C cancels a reply in progress',
    run: () => 'quit',
  },
];

/** The /help block listing the slash commands. */
export function slashHelp(): string {
  const width = Math.max(...SLASH_COMMANDS.map((command) => (command.names[0] ?? '').length)) + 1;
  return SLASH_COMMANDS.map((command) => `/${(command.names[0] ?? '').padEnd(width)}  ${command.description}`).join('\n');
}

/**
 * Run a line that starts with "/".
 * @param line - the whole line
 * @param context - assistant, state and output
 * @returns true when the REPL should end
 */
export async function runSlashCommand(line: string, context: SlashContext): Promise<boolean> {
  const [name = '', ...rest] = line.slice(1).trim().split(/\s+/);
  const command = SLASH_COMMANDS.find((candidate) => candidate.names.includes(name.toLowerCase()));
  if (command === undefined) {
    context.write(pc.yellow(`Unknown command /${name}. Try /help.`) + '\n');
    return false;
  }
  return (await command.run(rest.join(' '), context)) === 'quit';
}
