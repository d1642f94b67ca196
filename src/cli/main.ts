import { Command, CommanderError } from 'commander';
import { distance } from 'fastest-levenshtein';
import { StewardError, describeError } from '../shared/errors.js';

const COMMAND_PHRASES = `
Commands you can type in the REPL, in "steward run" and over Signal:
  add habit <name> [daily | weekly | <N> times per week]
  check in <habit> [yesterday | YYYY-MM-DD]
  habit stats [<habit>]
  set goal <title> [by <date>]
  update progress <goal> <N>%
  add milestone <goal>: <title>
  goals, goal review
  remember <fact>, forget <fact>, profile [<key>], recall <query>
  briefing morning|weekly
  help
  /fast <message>, /quality <message>   (this message on that model tier)
  /why                                  (how the last reply was routed)
Anything else goes to the model.`;

const ENVIRONMENT_HELP = `
Environment (overrides config/default.json and STEWARD_CONFIG):
  STEWARD_DATA_DIR, STEWARD_CONFIG, STEWARD_TIMEZONE,
  STEWARD_LOCAL_FAST_URL/_MODEL, STEWARD_LOCAL_QUALITY_URL/_MODEL,
  OPENAI_API_KEY, OPENAI_BASE_URL, STEWARD_EMBEDDINGS_URL/_MODEL,
  STEWARD_SIGNAL_URL, STEWARD_SIGNAL_API, STEWARD_SIGNAL_ACCOUNT, STEWARD_SIGNAL_TO`;

/**
 * One line for a usage error: commander's message without its `error: `
 * prefix, on one line, with the command it is about and where its help is.
 * @param text - what commander reports, for example `error: missing required argument 'text'\n`
 * @param path - the subcommands given, for example `['service', 'install']`
 */
function usageLine(text: string, path: readonly string[]): string {
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
 * @param command - a command with subcommands
 * @param path - receives each subcommand named on the command line
 */
function guardSubcommands(command: Command, path: string[]): void {
  command.hook('preSubcommand', (parent, subcommand) => {
    const first = parent.args[0];
    if (first === subcommand.name() || (first !== undefined && subcommand.aliases().includes(first))) {
      path.push(subcommand.name());
      return;
    }
    if (first === undefined || first.startsWith('-')) return;
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
function requireSubcommand(command: Command): void {
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

/**
 * Build the command-line program (commander). Each action resolves to an
 * exit code; nothing here calls `process.exit`. A usage error (unknown
 * command or option, missing argument) is one line on stderr and a thrown
 * CommanderError, in every subcommand: the exit override and the output
 * settings are set before the subcommands are made, so they inherit them.
 * @param setExitCode - receives the exit code of the action that ran
 */
export function buildProgram(setExitCode: (code: number) => void): Command {
  const path: string[] = [];
  const program = new Command('steward')
    .description(
      'A local-first personal assistant: local models with an OpenAI fallback, memory, habits, goals and Signal briefings.',
    )
    .version('0.1.0', '-v, --version')
    .exitOverride()
    .configureOutput({ outputError: (text, write) => write(usageLine(text, path)) })
    .addHelpText('after', COMMAND_PHRASES + '\n' + ENVIRONMENT_HELP);
  guardSubcommands(program, path);

  program
    .command('chat', { isDefault: true })
    .description('open the REPL (the default); piped input is read line by line')
    .action(async () => {
      const { chatCommand } = await import('./commands/chat.js');
      setExitCode(await chatCommand());
    });

  program
    .command('run')
    .description('answer one message and exit: the reply on stdout, errors on stderr')
    .argument('<text...>', 'the message, for example "check in meditation"')
    .action(async (words: string[]) => {
      const { runCommand } = await import('./commands/run.js');
      setExitCode(await runCommand(words.join(' ')));
    });

  program
    .command('daemon')
    .description(
      'run the scheduler (briefings, with catch-up), two-way Signal, health probes and the outbox until SIGTERM/SIGINT',
    )
    .action(async () => {
      const { daemonCommand } = await import('./commands/daemon.js');
      setExitCode(await daemonCommand());
    });

  program
    .command('briefing')
    .description('build the morning or weekly briefing now and send it on Signal')
    .argument('<kind>', 'morning or weekly')
    .option('--dry-run', 'print exactly what would be sent, and send nothing')
    .action(async (kind: string, options: { dryRun?: boolean }) => {
      const { briefingCommand } = await import('./commands/briefing.js');
      setExitCode(await briefingCommand(kind, { dryRun: options.dryRun === true }));
    });

  program
    .command('outbox')
    .description('list outbound messages: pending (with their next try), failed, and the last ones sent')
    .option('--status <status>', 'only pending, failed or sent')
    .option('--limit <n>', 'how many sent messages (or rows of --status) to show', '10')
    .action(async (options: { status?: string; limit: string }) => {
      const { outboxCommand } = await import('./commands/outbox.js');
      setExitCode(await outboxCommand(options));
    });

  program
    .command('health')
    .description(
      'is the daemon running, and how is it doing (for you or a supervisor): exit 0 ok, 1 degraded, 3 not running',
    )
    .option('--json', 'print the report as JSON')
    .action(async (options: { json?: boolean }) => {
      const { healthCommand } = await import('./commands/health.js');
      setExitCode(await healthCommand({ json: options.json === true }));
    });

  const service = program
    .command('service')
    .description('run the daemon as a service (systemd user unit or launchd agent)');
  guardSubcommands(service, path);
  requireSubcommand(service);
  service
    .command('install')
    .description(
      'print a systemd user unit or launchd plist that runs "steward daemon", with instructions; installs nothing',
    )
    .option('--systemd', 'a systemd user unit (the default on Linux)')
    .option('--launchd', 'a launchd agent (the default on macOS)')
    .option('--write', 'write the file where it belongs (still enables nothing)')
    .option('--force', 'with --write, replace a different existing file')
    .action(async (options: { systemd?: boolean; launchd?: boolean; write?: boolean; force?: boolean }) => {
      const { serviceInstallCommand } = await import('./commands/service.js');
      setExitCode(serviceInstallCommand(options));
    });

  const memory = program
    .command('memory')
    .description('what steward remembers: embedder, vector index, embedding queue, episodes and facts');
  guardSubcommands(memory, path);
  memory
    .command('status', { isDefault: true })
    .description(
      'the embedder, the stored vectors (sizes, format), the vector index (state, stages), disk use, the queue, re-embedding progress, episodes and facts',
    )
    .action(async () => {
      const { memoryStatusCommand } = await import('./commands/memory.js');
      setExitCode(await memoryStatusCommand());
    });
  memory
    .command('embed')
    .description(
      'embed everything queued now, with a progress bar (after a change of embedding model, or without the daemon)',
    )
    .option('--retry', 'also retry texts whose embedding failed 5 times')
    .action(async (options: { retry?: boolean }) => {
      const { memoryEmbedCommand } = await import('./commands/memory.js');
      setExitCode(await memoryEmbedCommand({ retry: options.retry === true }));
    });

  program
    .command('doctor')
    .description('check models, embeddings, Signal, plugins, the database and the daemon: each OK or what to fix')
    .action(async () => {
      const { doctorCommand } = await import('./commands/doctor.js');
      setExitCode(await doctorCommand());
    });

  return program;
}

/**
 * Run the CLI.
 * @param argv - `process.argv`
 * @returns the exit code: 0 success (and --help, --version), 1 failure, 2 configuration or usage error
 */
export async function main(argv: readonly string[]): Promise<number> {
  let exitCode = 0;
  const program = buildProgram((code) => {
    exitCode = code;
  });
  try {
    await program.parseAsync([...argv]);
    return exitCode;
  } catch (error) {
    // commander has printed the usage error (one line) or the help already.
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    if (error instanceof StewardError) {
      process.stderr.write(`steward: ${error.message}\n`);
      return error.exitCode;
    }
    process.stderr.write(`steward: unexpected error: ${describeError(error)}\n`);
    if (process.env.STEWARD_DEBUG === '1' && error instanceof Error) process.stderr.write(`${error.stack ?? ''}\n`);
    return 1;
  }
}
