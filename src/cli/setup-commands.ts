import type { Command } from 'commander';
import { guardSubcommands, requireSubcommand } from './guards.js';

/**
 * The set-up commands: `steward init` and `steward config get|set|path|edit`.
 * Kept apart from `main.ts` so the command list there stays short; each
 * action imports its module (and init its prompt library) only when it runs.
 * @param program - the root command
 * @param setExitCode - receives the exit code of the action that ran
 * @param path - receives each subcommand named on the command line (for usage errors)
 */
export function addSetupCommands(program: Command, setExitCode: (code: number) => void, path: string[]): void {
  const collect = (value: string, previous: string[] = []): string[] => [...previous, value];
  program
    .command('init')
    .description(
      'find local model servers and signal-cli, choose the fast and quality tiers and the embedder, check them, and write your config file',
    )
    .option('-y, --yes', 'take what is set now, else the proposals, without asking')
    .option('--url <url>', 'also probe this server (repeatable)', collect)
    .option('--no-scan', 'probe only the URLs given and those set now, not the usual local ports')
    .option('--fast-url <url>', 'the fast tier\'s server ("none" to clear)')
    .option('--fast-model <name>', "the fast tier's model")
    .option('--quality-url <url>', 'the quality tier\'s server ("none" to clear)')
    .option('--quality-model <name>', "the quality tier's model")
    .option('--embeddings-url <url>', 'the embeddings server ("none": the offline embedder)')
    .option('--embeddings-model <name>', 'the embedding model')
    .option('--signal-url <url>', 'signal-cli\'s HTTP daemon or REST API ("none": Signal off)')
    .option('--signal-api <api>', 'jsonrpc or rest (found by probing when not given)')
    .option('--signal-account <number>', "the assistant's own Signal number")
    .option('--signal-to <numbers>', 'your number(s), comma separated')
    .option('--send-test', 'send a Signal test message')
    .option('--no-check', 'do not check each choice with a request')
    .option('--dry-run', 'show what would change, write nothing')
    .action(async (options: import('./commands/init.js').InitOptions) => {
      const { initCommand } = await import('./commands/init.js');
      setExitCode(await initCommand(options));
    });

  const config = program
    .command('config')
    .description('your config file (written by "steward init"): get, set, path, edit; checked by the config schema');
  guardSubcommands(config, path);
  requireSubcommand(config);
  config
    .command('get')
    .description('a setting in effect (after every layer), or all of them')
    .argument('[key]', 'a dotted key, for example models.local.fast.baseUrl')
    .option('--source', 'also say which layer set it')
    .action(async (key: string | undefined, options: { source?: boolean }) => {
      const { configGetCommand } = await import('./commands/config.js');
      setExitCode(configGetCommand(key, options));
    });
  config
    .command('set')
    .description('change a setting in your config file (checked before it is written)')
    .argument('<key>', 'a dotted key, for example models.local.fast.model')
    .argument('<value>', 'JSON (30000, true, null, ["+15551234567"]), a comma list for lists, or text')
    .action(async (key: string, value: string) => {
      const { configSetCommand } = await import('./commands/config.js');
      setExitCode(configSetCommand(key, value));
    });
  config
    .command('path')
    .description('print the path of your config file')
    .action(async () => {
      const { configPathCommand } = await import('./commands/config.js');
      setExitCode(configPathCommand());
    });
  config
    .command('edit')
    .description('open your config file in $VISUAL or $EDITOR, then check it')
    .action(async () => {
      const { configEditCommand } = await import('./commands/config.js');
      setExitCode(configEditCommand());
    });
}
