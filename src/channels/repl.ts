import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { createInterface, type Interface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { ensureDirectory } from '../shared/directory.js';
import { redactSecrets } from '../shared/redact.js';
import { parseDirective } from '../turn/directives.js';
import { colorsFor, supportsColor } from '../shared/colors.js';
import { describeError } from '../shared/errors.js';
import type { Reply } from '../turn/types.js';
import { describeSavedEpisode, runSlashCommand, type ReplState } from './repl-commands.js';
import type { ReplHost } from './repl-host.js';
import { startSpinner } from './spinner.js';
import { viaTag } from './via.js';

/**
 * readline's completer over the host's completions: Tab completes command
 * phrases, slash commands, and habit and goal names after a command.
 * @param host - the assistant
 */
function completerOf(
  host: ReplHost,
): (line: string, callback: (error: Error | null, result: [string[], string]) => void) => void {
  return (line, callback) => {
    host.complete(line).then(
      (lines) => callback(null, [lines, line]),
      () => callback(null, [[], line]),
    );
  };
}

/** How often an idle REPL on a terminal asks the plugins for notices (habit reminders), in ms. */
const NOTICE_INTERVAL_MS = 30_000;

/** Options of {@link runRepl}. */
export interface ReplOptions {
  /** The assistant, as the REPL sees it (`replHost(steward)` from `src/app/`). */
  host: ReplHost;
  /** Where lines come from (process.stdin). */
  input: Readable;
  /** Where replies go (process.stdout). */
  output: Writable;
  /** Whether input is an interactive terminal; false = piped, line by line, exit at EOF. */
  terminal: boolean;
  /** History file (TTY only), or undefined for none. */
  historyFile?: string | undefined;
  /** Lines of history kept. */
  historySize?: number;
  /** The owner's name, recorded as the sender. */
  sender: string;
  /**
   * The one-line status shown at start on a terminal (models up, the
   * daemon, what is due today). It is computed after the prompt is shown
   * and printed above it when ready, so it never delays the prompt.
   */
  startStatus?: () => Promise<string | undefined>;
}

function readHistory(file: string | undefined): string[] {
  if (file === undefined || !existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .reverse();
}

function writeHistory(file: string, history: readonly string[]): void {
  ensureDirectory(dirname(file));
  writeFileSync(
    file,
    [...history]
      .reverse()
      .map((line) => redactSecrets(line))
      .join('\n') + '\n',
    { mode: 0o600 },
  );
}

/**
 * The terminal REPL. On a TTY it shows a prompt, streams replies token by
 * token, keeps history in a file, cancels a reply on Ctrl-C and exits on
 * Ctrl-D or /quit. With piped input it reads line by line, prints each reply
 * and returns at EOF.
 *
 * @param options - the assistant and the streams
 * @returns the exit code (0)
 */
export async function runRepl(options: ReplOptions): Promise<number> {
  const { host, output, terminal } = options;
  const write = (text: string): void => {
    output.write(text);
  };
  // Colour only on a terminal that takes it: piped output, files and test streams stay plain.
  const color = terminal && supportsColor(output as Writable & { isTTY?: boolean });
  const colors = colorsFor(color);
  // The terminal's width now (it may be resized); none through a pipe.
  const columns = (): number | undefined =>
    terminal ? (output as Writable & { columns?: number }).columns : undefined;
  const history = terminal ? readHistory(options.historyFile) : [];
  const readline: Interface = createInterface({
    input: options.input,
    output: terminal ? output : undefined,
    terminal,
    ...(terminal ? { completer: completerOf(host) } : {}),
    history,
    historySize: options.historySize ?? 1000,
    removeHistoryDuplicates: true,
    prompt: colors.cyan('› '),
  });
  if (terminal && options.historyFile !== undefined) {
    const file = options.historyFile;
    readline.on('history', (lines: string[]) => {
      try {
        writeHistory(file, lines);
      } catch (error) {
        host.log.warn({ err: error }, 'could not write REPL history');
      }
    });
  }
  const state: ReplState = {
    sessionId: host.startSession(options.sender),
    sender: options.sender,
  };
  let current: AbortController | undefined;
  let closed = false;
  readline.on('SIGINT', () => {
    if (current !== undefined) {
      current.abort(new Error('cancelled'));
      return;
    }
    // At the prompt, Ctrl-C drops the half-typed line (as a shell does); on an empty line it says how to leave.
    if (readline.line !== '') {
      readline.write(null, { ctrl: true, name: 'e' });
      readline.write(null, { ctrl: true, name: 'u' });
      write('^C\n');
    } else {
      write(colors.dim('\n(Ctrl-D or /quit to leave)\n'));
    }
    readline.prompt();
  });

  // Plugin notices (habit reminders when Signal is off): after each reply, and every 30 s while idle on a terminal.
  const showNotices = async (idle: boolean): Promise<void> => {
    const notices = await host.notices();
    if (notices.length === 0) return;
    if (idle) write('\r\x1b[K');
    for (const notice of notices) write(colors.magenta(notice) + '\n');
    if (idle) readline.prompt(true);
  };
  const noticeTimer = terminal
    ? setInterval(() => {
        if (current === undefined)
          showNotices(true).catch((error: unknown) => host.log.warn({ err: error }, 'REPL notices failed'));
      }, NOTICE_INTERVAL_MS)
    : undefined;
  noticeTimer?.unref();

  if (terminal) {
    write(colors.bold('steward') + colors.dim(' — your local assistant. /help for commands, Ctrl-D to quit.\n'));
    await showNotices(false);
    readline.prompt();
    // After the prompt: open the vector index, embed what is queued, catch up on episodes and facts.
    host.warm();
    // The status line, when it is ready, goes above the prompt (keeping what is typed); never awaited here.
    options
      .startStatus?.()
      .then((status) => {
        if (status === undefined || closed) return;
        write('\r\x1b[K' + colors.dim(status) + '\n');
        readline.prompt(true);
      })
      .catch((error: unknown) => host.log.warn({ err: error }, 'REPL status line failed'));
  }

  try {
    for await (const rawLine of readline) {
      const line = rawLine.trim();
      if (line === '') {
        if (terminal) readline.prompt();
        continue;
      }
      // "/fast <message>" and "/quality <message>" are turns; other slash lines are REPL commands.
      if (line.startsWith('/') && parseDirective(line).kind !== 'turn') {
        const done = await runSlashCommand(line, { host, state, write, colors, columns: columns() });
        if (done) break;
        if (terminal) readline.prompt();
        continue;
      }
      current = new AbortController();
      let streamed = false;
      let reply: Reply;
      // "thinking…" until the first token (or the reply); commands answer before it ever shows.
      const spinner = terminal
        ? startSpinner({ write, text: 'thinking…', paint: colors.dim })
        : { stop: () => undefined };
      try {
        reply = await host.handle(
          { channel: 'repl', sender: options.sender, text: line, receivedAt: new Date() },
          {
            sessionId: state.sessionId,
            sessionTier: state.tier,
            signal: current.signal,
            color,
            ...(columns() === undefined ? {} : { columns: columns() as number }),
            onFirstToken: (via) => {
              spinner.stop();
              // Which model answers, dim, before its first word (a cloud one says so in yellow).
              if (terminal) write((via.kind === 'cloud' ? colors.yellow : colors.dim)(`${via.provider} › `));
            },
            onToken: (token) => {
              streamed = true;
              write(token);
            },
            onNotice: (notice) => {
              write('\n' + colors.yellow(`! ${notice}`) + '\n');
            },
          },
        );
      } catch (error) {
        spinner.stop();
        write(colors.red(`error: ${describeError(error)}`) + '\n');
        host.log.error({ err: error }, 'turn failed');
        current = undefined;
        if (terminal) readline.prompt();
        continue;
      }
      spinner.stop();
      current = undefined;
      if (reply.kind === 'cancelled') {
        write(colors.dim(streamed ? '\n(cancelled)\n' : '(cancelled)\n'));
      } else if (streamed && reply.kind === 'error') {
        // A stream cut with no provider left: the partial text stays, and the error says what to fix.
        write('\n' + colors.yellow(reply.text) + '\n');
      } else if (streamed) {
        write('\n');
      } else {
        write((reply.kind === 'error' ? colors.yellow(reply.text) : reply.text) + '\n');
      }
      const tag = viaTag(reply);
      if (tag !== '') write(colors.dim(tag) + '\n');
      await showNotices(false);
      if (terminal) readline.prompt();
    }
  } finally {
    closed = true;
    if (noticeTimer !== undefined) clearInterval(noticeTimer);
    readline.close();
    // Leaving ends the conversation at once: a quick episode is written now and a model rewrites it later
    // (the daemon, or the next start), so leaving never waits on a model server, even a hung one.
    if (terminal) write(colors.dim('\nSaving this conversation…') + '\n');
    try {
      const episode = await host.endSession(state.sessionId, { model: false });
      if (terminal && episode !== undefined) write(colors.dim(describeSavedEpisode(episode)) + '\n');
    } catch (error) {
      host.log.error({ err: error }, 'could not save the conversation as an episode; it is retried at the next start');
    }
  }
  return 0;
}
