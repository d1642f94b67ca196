import type { Command } from 'commander';
import { distance } from 'fastest-levenshtein';

/**
 * Guards shared by the command groups of the CLI (`service`, `memory`,
 * `config`, ...): one-line usage errors, and subcommands that must be named.
 */

/**
 * One line for a usage error: commander's message without its `error: `
 * prefix, on one line, with the command it is about and where its help is.
 * @param text - what commander reports, for example `error: missing required argument 'text'\n`
 * @param path - the subcommands given, for example `['service', 'install']`
 */
export function usageLine(text: string, path: readonly string[]): string {
  const command = ['steward', ...path].join(' ');
  const message = text
    .replace(/^error: /, '')
    .replace(/\s*\n\s*/g, ' ')
    .trim();
  return `${command}: ${message} (see "${command} --help")\n`;
}

/**
 * Let `command`'s default subcommand run only when no operand names another
 * command: commander hands `steward foo` to the default command, which
 * then says "too many arguments for 'chat'"; this says "unknown command
 * 'foo'" (with the closest command, if one is close). It also records the
 * subcommands given, for {@link usageLine}.
 *
 * With `passUnknown`, an operand that names no command goes to the default
 * command instead (`steward check in meditation`: the root passes plugin
 * command phrases to `chat`, which runs them or reports the unknown word).
 * @param command - a command with subcommands
 * @param path - receives each subcommand named on the command line
 * @param options - `passUnknown`: hand unknown operands to the default command
 */
export function guardSubcommands(command: Command, path: string[], options: { passUnknown?: boolean } = {}): void {
  command.hook('preSubcommand', (parent, subcommand) => {
    const first = parent.args[0];
    if (first === subcommand.name() || (first !== undefined && subcommand.aliases().includes(first))) {
      path.push(subcommand.name());
      return;
    }
    if (first === undefined || first.startsWith('-') || options.passUnknown === true) return;
    const names = parent.commands.map((candidate) => candidate.name());
    const closest = names.map((name) => ({ name, far: distance(name, first) })).sort((a, b) => a.far - b.far)[0];
    const hint = closest !== undefined && closest.far <= 2 ? ` (did you mean ${closest.name}?)` : '';
    parent.error(`error: unknown command '${first}'${hint}`, { code: 'commander.unknownCommand', exitCode: 2 });
  });
}

/**
 * Make `command` (which has subcommands and no default) say in one line
 * that a subcommand is missing, or unknown, instead of printing its help as
 * an error.
 * @param command - a command whose subcommands are all it does
 */
export function requireSubcommand(command: Command): void {
  command.allowExcessArguments().action((_options: unknown, self: Command) => {
    const first = self.args[0];
    const names = self.commands.map((candidate) => candidate.name()).join(', ');
    if (first === undefined)
      self.error(`error: missing command (one of: ${names})`, { code: 'commander.missingCommand', exitCode: 2 });
    self.error(`error: unknown command '${first}' (one of: ${names})`, {
      code: 'commander.unknownCommand',
      exitCode: 2,
    });
  });
}
