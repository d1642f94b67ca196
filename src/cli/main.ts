import { Command, CommanderError } from 'commander';
import { StewardError, describeError } from '../shared/errors.js';
import { guardOutput } from './output-guard.js';
import { guardSubcommands, requireSubcommand, usageLine } from './guards.js';
import { addSetupCommands } from './setup-commands.js';

const COMMAND_PHRASES = `
Commands you can type in the REPL, in "steward run", over Signal, and as
"steward <command>" (for example: steward check in meditation):
  add habit <name> [daily | weekly | <N> times per week]
  check in <habit> [<day>] [note]   (<day>: yesterday, friday, 3 days ago, dec 3, 2026-11-20)
  habit stats [<habit>], habits
  set goal <title> [by <date>]
  update progress <goal> <N>%
  add milestone <goal>: <title>
  goals, goal review
  remember <fact>, forget <fact>, profile [<key>], recall <query>
  briefing morning|weekly
  help [<topic>]                        (help habits, help goals, help days)
  /fast <message>, /quality <message>   (this message on that model tier)
  /why                                  (how the last reply was routed)
Anything else goes to the model.`;

const ENVIRONMENT_HELP = `
Configuration: config/default.json < your config file ("steward init", "steward config")
< STEWARD_CONFIG < the environment:
  STEWARD_DATA_DIR, STEWARD_CONFIG, STEWARD_TIMEZONE,
  STEWARD_LOCAL_FAST_URL/_MODEL, STEWARD_LOCAL_QUALITY_URL/_MODEL,
  OPENAI_API_KEY, OPENAI_BASE_URL, STEWARD_EMBEDDINGS_URL/_MODEL,
  STEWARD_SIGNAL_URL, STEWARD_SIGNAL_API, STEWARD_SIGNAL_ACCOUNT, STEWARD_SIGNAL_TO`;

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
  // `steward check in meditation`: words that name no command go to `chat`, which runs them as a plugin command;
  // `steward help habits` is the `help` command of the REPL, not commander's (`steward <command> --help` is).
  guardSubcommands(program, path, { passUnknown: true });
  program.helpCommand(false);

  program
    .command('chat', { isDefault: true })
    .description('open the REPL (the default); piped input is read line by line')
    .argument('[command...]', 'a command phrase to run instead, for example "check in meditation" or "habits"')
    .action(async (words: string[]) => {
      if (words.length > 0) {
        const { phraseCommand } = await import('./commands/phrase.js');
        setExitCode(
          await phraseCommand(
            words,
            program.commands.map((command) => command.name()),
          ),
        );
        return;
      }
      const { chatCommand } = await import('./commands/chat.js');
      setExitCode(await chatCommand());
    });

  addSetupCommands(program, setExitCode, path);

  program
    .command('run')
    .description('answer one message and exit: the reply on stdout, errors on stderr')
    .argument('<text...>', 'the message, for example "check in meditation"')
    .option('--json', 'print the answer as JSON: the data of a list or report (habits, habit stats, goals, profile)')
    .action(async (words: string[], options: { json?: boolean }) => {
      const { runCommand } = await import('./commands/run.js');
      setExitCode(await runCommand(words.join(' '), options));
    });

  program
    .command('daemon')
    .description(
      'run the scheduler (briefings, with catch-up), two-way Signal, health probes and the outbox until SIGTERM/SIGINT',
    )
    .option(
      '--log-format <format>',
      'log lines on stderr: auto (readable on a terminal, JSON otherwise), pretty or json',
    )
    .action(async (options: { logFormat?: string }) => {
      const format = options.logFormat;
      if (format !== undefined && format !== 'auto' && format !== 'pretty' && format !== 'json')
        program.error(`error: --log-format must be auto, pretty or json, not '${format}'`, { exitCode: 2 });
      const { daemonCommand } = await import('./commands/daemon.js');
      setExitCode(await daemonCommand(format === undefined ? {} : { logFormat: format as 'auto' | 'pretty' | 'json' }));
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
    .option('--json', 'print JSON')
    .action(async (options: { status?: string; limit: string; json?: boolean }) => {
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
    .option(
      '--signal-cli',
      "instead, the unit of signal-cli's HTTP daemon as steward needs it (--receive-mode on-connection)",
    )
    .action(
      async (options: {
        systemd?: boolean;
        launchd?: boolean;
        write?: boolean;
        force?: boolean;
        signalCli?: boolean;
      }) => {
        const { serviceInstallCommand } = await import('./commands/service.js');
        setExitCode(serviceInstallCommand(options));
      },
    );

  const memory = program
    .command('memory')
    .description('what steward remembers: embedder, vector index, embedding queue, episodes and facts');
  guardSubcommands(memory, path);
  memory
    .command('status', { isDefault: true })
    .description(
      'the embedder, the stored vectors (sizes, format), the vector index (state, stages), disk use, the queue, re-embedding progress, episodes and facts',
    )
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      const { memoryStatusCommand } = await import('./commands/memory.js');
      setExitCode(await memoryStatusCommand(options));
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

  // Your data (issue 13): history, export, import, backup, restore.
  const history = program
    .command('history')
    .description('past conversations: list them, search every message, or show one in full');
  guardSubcommands(history, path);
  history
    .command('list', { isDefault: true })
    .description('conversations, newest first, with date, length, channel and summary')
    .option('--limit <n>', 'how many', '20')
    .option('--channel <channel>', 'only repl, cli, signal, or an import (chatgpt, transcript)')
    .option('--json', 'print JSON')
    .action(async (options: { limit: string; channel?: string; json?: boolean }) => {
      const { historyListCommand } = await import('./commands/history.js');
      setExitCode(await historyListCommand(options));
    });
  history
    .command('search')
    .description('every message with all these words (FTS5), best first, with the conversation it is from')
    .argument('<words...>', 'the words to look for')
    .option('--limit <n>', 'how many', '20')
    .option('--json', 'print JSON')
    .action(async (words: string[], options: { limit: string; json?: boolean }) => {
      const { historySearchCommand } = await import('./commands/history.js');
      setExitCode(await historySearchCommand(words.join(' '), options));
    });
  history
    .command('show')
    .description('one conversation in full, each reply with its time, provider and model')
    .argument('<session>', 'its number (12 or #12), or "last"')
    .option('--json', 'print JSON')
    .action(async (session: string, options: { json?: boolean }) => {
      const { historyShowCommand } = await import('./commands/history.js');
      setExitCode(await historyShowCommand(session, options));
    });

  program
    .command('export')
    .description(
      "conversations as Markdown, everything as versioned JSON, or habits in Loop Habit Tracker's CSV layout",
    )
    .option('--format <format>', 'markdown, json or loop-csv', 'markdown')
    .option('--session <session>', 'markdown: only this conversation (12, #12 or last)')
    .option('-o, --output <path>', 'write to this file (loop-csv: this folder) instead of stdout')
    .action(async (options: { format: string; session?: string; output?: string }) => {
      const { exportCommand } = await import('./commands/export.js');
      setExitCode(await exportCommand(options));
    });

  program
    .command('import')
    .description(
      'bring data in: a steward JSON export, a Loop Habit Tracker backup (.db) or CSV export folder, a ChatGPT export (conversations.json), a Markdown or JSON transcript',
    )
    .argument('<path>', 'the file or folder')
    .option(
      '--format <format>',
      'steward-json, loop-db, loop-csv, chatgpt or transcript (default: found from the file)',
    )
    .option('--no-embed', 'leave embedding imported messages to the daemon (default: embed now, with progress)')
    .option('--json', 'print what was added as JSON')
    .action(async (file: string, options: { format?: string; embed: boolean; json?: boolean }) => {
      const { importCommand } = await import('./commands/import.js');
      setExitCode(await importCommand(file, options));
    });

  program
    .command('backup')
    .description("copy the database with SQLite's online backup (safe while the daemon runs), then check the copy")
    .argument('[file]', 'where to write it (default: <data dir>/backups/steward-<time>.db)')
    .option('--json', 'print the result as JSON')
    .action(async (file: string | undefined, options: { json?: boolean }) => {
      const { backupCommand } = await import('./commands/backup.js');
      setExitCode(await backupCommand(file, options));
    });

  program
    .command('restore')
    .description(
      'replace the database with a checked backup (never while a daemon or REPL has it open; the current one is kept beside it); vector indexes are rebuilt from stored vectors',
    )
    .argument('<file>', 'a backup from "steward backup"')
    .option('--json', 'print the result as JSON')
    .action(async (file: string, options: { json?: boolean }) => {
      const { restoreCommand } = await import('./commands/restore.js');
      setExitCode(await restoreCommand(file, options));
    });

  program
    .command('doctor')
    .description('check models, embeddings, Signal, plugins, the database and the daemon: each OK or what to fix')
    .option('--json', 'print the checks as JSON')
    .action(async (options: { json?: boolean }) => {
      const { doctorCommand } = await import('./commands/doctor.js');
      setExitCode(await doctorCommand(options));
    });

  return program;
}

/**
 * Run the CLI.
 * @param argv - `process.argv`
 * @returns the exit code: 0 success (and --help, --version), 1 failure, 2 configuration or usage error
 */
export async function main(argv: readonly string[]): Promise<number> {
  guardOutput([process.stdout, process.stderr]);
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
    // Loaded only now: it reads the config and the database, which a command that went well never needs.
    const { faultLine } = await import('./faults.js');
    const fault = faultLine(error);
    process.stderr.write(`steward: ${fault ?? `unexpected error: ${describeError(error)}`}\n`);
    if (process.env.STEWARD_DEBUG === '1' && error instanceof Error) process.stderr.write(`${error.stack ?? ''}\n`);
    return 1;
  }
}
