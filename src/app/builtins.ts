import type { PluginCommand } from '../plugins/api.js';
import type { RegisteredCommand } from '../plugins/commands.js';

/**
 * Format the command list for `help`, `/help` and `steward --help`.
 * @param commands - registered commands in order
 * @returns lines `usage — description`, grouped by plugin
 */
export function formatCommandHelp(commands: readonly RegisteredCommand[]): string {
  const width = Math.min(48, Math.max(...commands.map((entry) => entry.command.usage.length)));
  const lines: string[] = [];
  let plugin = '';
  for (const entry of commands) {
    if (entry.plugin !== plugin) {
      plugin = entry.plugin;
      lines.push(lines.length === 0 ? `${plugin}:` : `\n${plugin}:`);
    }
    lines.push(`  ${entry.command.usage.padEnd(width)}  ${entry.command.description}`);
  }
  lines.push('', 'Anything else goes to the model.');
  return lines.join('\n');
}

/**
 * The commands steward has without any plugin.
 * @param listCommands - returns every registered command (read at call time)
 */
export function builtinCommands(listCommands: () => readonly RegisteredCommand[]): RegisteredCommand[] {
  const help: PluginCommand = {
    name: 'help',
    phrases: ['help', 'commands'],
    usage: 'help',
    description: 'List the commands',
    args: 'none',
    handler: () => formatCommandHelp(listCommands()),
  };
  return [{ plugin: 'core', command: help }];
}
