import type { PluginCommand } from '../plugins/api.js';
import type { RegisteredCommand } from '../plugins/commands.js';
import { plural } from '../shared/plural.js';

/**
 * The built-in commands (`help`) and the help texts: the short list of
 * `help`, `/help` and `steward --help`, and `help <topic>`. Every text is
 * wrapped at word boundaries to the owner's terminal (80 columns when it is
 * not one), with a hanging indent, never cut inside a word.
 */

/** Width used when the channel has no terminal (a pipe, Signal), in columns. */
const DEFAULT_COLUMNS = 80;

/** The day phrases `check in`, `skip` and `undo` take (src/shared/day-phrase.ts). */
const DAYS_HELP = [
  'Days for check in, skip and undo (never a future day):',
  '  today, yesterday, last night, this morning',
  '  friday, on friday (the latest Friday, today included), last friday (before today)',
  '  3 days ago, a week ago, the day before yesterday',
  '  dec 3, nov 19th, 11/20, 2026-11-20',
  'Words after the habit that are not a day are a note: "check in run felt great yesterday".',
].join('\n');

type Wrap = (text: string, columns: number, options: { hard: boolean; trim: boolean }) => string;
let wrapModule: Promise<Wrap> | undefined;

/** wrap-ansi, imported on first use (about 0.1 s to load; a command-only run must not pay it). */
function loadWrap(): Promise<Wrap> {
  wrapModule ??= import('wrap-ansi').then((module) => module.default as Wrap);
  return wrapModule;
}

/**
 * Wrap a paragraph at word boundaries, the lines after the first indented.
 * @param text - one paragraph (no newlines)
 * @param columns - the width, in columns
 * @param indent - the indent of the first line and of the following ones
 */
async function paragraph(text: string, columns: number, indent: { first: string; rest: string }): Promise<string> {
  const wrap = await loadWrap();
  const width = Math.max(20, columns - indent.rest.length);
  const lines = wrap(text, width, { hard: true, trim: true }).split('\n');
  return lines.map((line, index) => `${index === 0 ? indent.first : indent.rest}${line}`).join('\n');
}

/** The commands of each plugin, in registration order. */
function byPlugin(commands: readonly RegisteredCommand[]): Map<string, PluginCommand[]> {
  const groups = new Map<string, PluginCommand[]>();
  for (const entry of commands) groups.set(entry.plugin, [...(groups.get(entry.plugin) ?? []), entry.command]);
  return groups;
}

/**
 * The short command list of `help`, `/help` and `steward --help`: each
 * plugin's commands by their first phrase, and how to get the details.
 * @param commands - registered commands in order
 * @param columns - the terminal's width (default 80)
 * @returns a dozen lines or so
 */
export async function formatCommandHelp(
  commands: readonly RegisteredCommand[],
  columns = DEFAULT_COLUMNS,
): Promise<string> {
  const groups = byPlugin(commands);
  const width = Math.max(...[...groups.keys()].map((name) => name.length)) + 2;
  const lines = [
    await paragraph(
      `Commands work with no model. "help <topic>" gives the details: ${[...groups.keys()]
        .filter((name) => name !== 'core')
        .map((name) => `help ${name}`)
        .join(', ')}, help days.`,
      columns,
      { first: '', rest: '' },
    ),
  ];
  for (const [plugin, list] of groups) {
    const names = list.map((command) => command.phrases[0] ?? command.name).join(', ');
    lines.push(await paragraph(names, columns, { first: `  ${plugin.padEnd(width)}`, rest: ' '.repeat(width + 2) }));
  }
  lines.push('Anything else goes to the model.');
  return lines.join('\n');
}

/** Usage and description of each command, wrapped: the usage, then the description indented under it. */
async function describeCommands(list: readonly PluginCommand[], columns: number): Promise<string[]> {
  const lines: string[] = [];
  for (const command of list) {
    lines.push(await paragraph(command.usage, columns, { first: '  ', rest: '      ' }));
    lines.push(await paragraph(command.description, columns, { first: '      ', rest: '      ' }));
  }
  return lines;
}

/**
 * `help <topic>`: a plugin's commands (`help habits`, `help goal`), the
 * commands a phrase names (`help check in`, `help milestone`), or the day
 * phrases (`help days`).
 * @param commands - registered commands in order
 * @param topic - the topic, lower case
 * @param columns - the terminal's width (default 80)
 * @returns the text, or undefined when the topic is none of these
 */
export async function formatTopicHelp(
  commands: readonly RegisteredCommand[],
  topic: string,
  columns = DEFAULT_COLUMNS,
): Promise<string | undefined> {
  const wanted = topic.trim().toLowerCase().replace(/\s+/g, ' ');
  if (/^(days?|dates?)$/.test(wanted)) return DAYS_HELP;
  const groups = byPlugin(commands);
  const plugin = [...groups.keys()].find((name) => name === wanted || name === `${wanted}s` || `${name}s` === wanted);
  if (plugin !== undefined) {
    const list = groups.get(plugin) ?? [];
    const extra = plugin === 'habits' ? ['', DAYS_HELP] : [];
    return [`${plugin}: ${plural(list.length, 'command')}`, ...(await describeCommands(list, columns)), ...extra].join(
      '\n',
    );
  }
  const words = wanted.split(' ');
  const matching = commands
    .map((entry) => entry.command)
    .filter((command) =>
      command.phrases.some((phrase) => {
        const phraseWords = phrase.split(' ');
        return (
          phrase === wanted ||
          words.every((word) => phraseWords.some((candidate) => candidate === word || candidate === `${word}s`))
        );
      }),
    );
  if (matching.length === 0) return undefined;
  return (await describeCommands(matching, columns)).join('\n');
}

/**
 * The commands steward has without any plugin.
 * @param listCommands - returns every registered command (read at call time)
 */
export function builtinCommands(listCommands: () => readonly RegisteredCommand[]): RegisteredCommand[] {
  const help: PluginCommand = {
    name: 'help',
    phrases: ['help', 'commands'],
    usage: 'help [<topic>]',
    description: 'List the commands; "help habits", "help check in" or "help days" for details',
    args: 'none',
    handler: ({ columns }) => formatCommandHelp(listCommands(), columns),
  };
  return [{ plugin: 'core', command: help }];
}
