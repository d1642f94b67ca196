import type { Episode } from '../memory/episodes.js';
import type { Tier } from '../models/providers.js';
import type { Colors } from '../shared/colors.js';
import { UserError } from '../shared/errors.js';
import type { ReplHost } from './repl-host.js';

/** What the REPL keeps between lines. */
export interface ReplState {
  /** The REPL's conversation session. */
  sessionId: number;
  /** The session's tier override (a bare `/fast` or `/quality`); undefined = chosen per turn. */
  tier?: Tier | undefined;
  /** The owner's name, for the next session. */
  sender: string;
}

/**
 * The line that reports a saved episode.
 * @param episode - the episode, or undefined when the session held nothing
 */
export function describeSavedEpisode(episode: Episode | undefined): string {
  if (episode === undefined) return 'Nothing to remember from this conversation.';
  const how =
    episode.method === 'model'
      ? `summarized by ${episode.provider ?? 'the model'}`
      : 'summarized without a model for now (a model rewrites it when one is up)';
  const followups =
    episode.followups.length > 0
      ? ` Open: ${episode.followups.join('; ').replace(/[.!?]?$/, (end) => end || '.')}`
      : '';
  return `Saved as episode #${episode.id}, ${how}: ${episode.summary}${followups}`;
}

function setSessionTier(tier: Tier, { state, write }: SlashContext): void {
  state.tier = tier;
  write(
    `Every turn of this session now goes to the ${tier} tier. /auto lets steward choose again; /${tier === 'fast' ? 'quality' : 'fast'} <message> overrides one turn.\n`,
  );
}

/** What a slash command gets. */
export interface SlashContext {
  /** The assistant, as the REPL sees it. */
  host: ReplHost;
  /** The REPL's state (a command may change it). */
  state: ReplState;
  /** Print to the REPL's output. */
  write: (text: string) => void;
  /** Colour functions for the REPL's output (the identity when it is not a colour terminal). */
  colors: Colors;
  /** The terminal's width in columns, when the output is one. */
  columns?: number | undefined;
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
    run: async (_args, { host, write, columns }) => {
      write(`${await slashHelp(columns)}\n\n${await host.commandHelp(columns)}\n`);
    },
  },
  {
    names: ['status'],
    description: 'models, plugins, Signal and database',
    run: async (_args, { host, state, write, colors }) => {
      write(
        `tier       ${state.tier === undefined ? 'chosen per turn (/fast or /quality to fix it)' : `${state.tier} for this session (/auto to undo)`}\n`,
      );
      write((await host.statusText(colors)) + '\n');
    },
  },
  {
    names: ['why'],
    description: 'how the last reply was routed: tier and reason, provider, fallbacks, timings',
    run: (_args, { host, state, write }) => {
      write(host.why(state.sessionId) + '\n');
    },
  },
  {
    names: ['fast'],
    description: '/fast <message>: this message on the fast tier; /fast alone: the whole session',
    run: (_args, context) => setSessionTier('fast', context),
  },
  {
    names: ['quality'],
    description: '/quality <message>: this message on the quality tier; /quality alone: the whole session',
    run: (_args, context) => setSessionTier('quality', context),
  },
  {
    names: ['auto'],
    description: 'let steward choose the tier of each turn again (the default)',
    run: (_args, { state, write }) => {
      state.tier = undefined;
      write('steward chooses the tier of each turn again (/why shows the reason).\n');
    },
  },
  {
    names: ['end'],
    description: 'end this conversation: steward summarizes it into an episode and starts a new one',
    run: async (_args, { host, state, write, colors }) => {
      write(colors.dim('Summarizing this conversation…') + '\n');
      const episode = await host.endSession(state.sessionId);
      state.sessionId = host.startSession(state.sender);
      write(`${describeSavedEpisode(episode)}\nA new conversation starts now.\n`);
    },
  },
  {
    names: ['history'],
    description: '/history: your last conversations; /history <n> (or last): one in full',
    run: (args, { host, write, colors }) => {
      try {
        write(host.historyText(args, colors) + '\n');
      } catch (error) {
        if (!(error instanceof UserError)) throw error;
        write(colors.yellow(error.message) + '\n');
      }
    },
  },
  {
    names: ['search'],
    description: '/search <words>: every message with those words, and the conversation it is from',
    run: (args, { host, write, colors }) => {
      if (args === '') write(colors.yellow('Give the words to look for: /search <words>.') + '\n');
      else write(host.searchText(args, colors) + '\n');
    },
  },
  {
    names: ['quit', 'exit', 'q'],
    description: 'leave (or Ctrl-D); Ctrl-C cancels a reply in progress',
    run: () => 'quit',
  },
];

/**
 * The /help block listing the slash commands, each description wrapped at
 * word boundaries under itself to fit the terminal (80 columns when unknown).
 * @param columns - the terminal's width
 */
export async function slashHelp(columns = 80): Promise<string> {
  const { default: wrap } = await import('wrap-ansi');
  const width = Math.max(...SLASH_COMMANDS.map((command) => (command.names[0] ?? '').length)) + 1;
  const indent = ' '.repeat(width + 3);
  return SLASH_COMMANDS.map((command) => {
    const lines = wrap(command.description, Math.max(20, columns - indent.length), { hard: true, trim: true }).split(
      '\n',
    );
    return `/${(command.names[0] ?? '').padEnd(width)}  ${lines.join(`\n${indent}`)}`;
  }).join('\n');
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
    context.write(context.colors.yellow(`Unknown command /${name}. Try /help.`) + '\n');
    return false;
  }
  return (await command.run(rest.join(' '), context)) === 'quit';
}
