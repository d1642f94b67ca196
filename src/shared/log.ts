import { closeSync, openSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { pino, type Logger as PinoLogger } from 'pino';
import { ensureDirectory } from './directory.js';
import { supportsColor, type MaybeTerminal } from './colors.js';
import { redactSecrets } from './redact.js';

/** Kept here too for callers that import it with the logger. */
export { redactSecrets } from './redact.js';

/** steward's structured logger (pino). */
export type Logger = PinoLogger;

/** Options of {@link createLogger}. */
export interface LoggerOptions {
  /** pino level: `fatal`, `error`, `warn`, `info`, `debug`, `trace` or `silent`. */
  level: string;
  /** Append JSON lines to this file (created with its folder), or none. */
  file?: string | undefined;
  /** Also write to stderr (the daemon does; the REPL must not). */
  stderr?: boolean;
  /**
   * How lines look on stderr: `json` (one JSON object a line, for a
   * supervisor or a pipe) or `pretty` (pino-pretty: time, level and
   * message, coloured, for a person at a terminal). The file always gets JSON.
   * Default `json`.
   */
  stderrFormat?: 'json' | 'pretty';
  /** Secret values (API keys, ...) to blank out wherever they appear. */
  secrets?: ReadonlyArray<string | null | undefined>;
  /** Extra sink, for tests: receives every line after redaction. */
  sink?: (line: string) => void;
  /** Where the fallback writes when the file cannot be written (default: `process.stderr`). */
  fallback?: { write(text: string): unknown };
}

/** pino's number of the `warn` level: the lowest that the fallback passes on. */
const WARN = 40;

/**
 * The log file, written line by line with `writeSync` (as pino's sync
 * destination does), that never throws: when it cannot be opened or
 * written (a full disk, ENOSPC; a file that cannot be written, EACCES,
 * EISDIR, EROFS) it says so once on the fallback stream and passes the
 * warnings and errors there from then on (issue 10, item 8: on a full disk
 * the REPL died on a log write).
 */
class LogFile {
  readonly #path: string;
  readonly #fallback: { write(text: string): unknown };
  readonly #passLines: boolean;
  #descriptor: number | undefined;
  #broken = false;

  /**
   * @param path - the file
   * @param fallback - where the notice (and, with `passLines`, warnings and errors) go when the file fails
   * @param passLines - false when the lines reach stderr anyway (the daemon)
   */
  constructor(path: string, fallback: { write(text: string): unknown }, passLines: boolean) {
    this.#path = path;
    this.#fallback = fallback;
    this.#passLines = passLines;
    try {
      ensureDirectory(dirname(path));
      this.#descriptor = openSync(path, 'a', 0o600);
    } catch (error) {
      this.#fail(error);
    }
  }

  /** Append a line; after a failure, pass warnings and errors to the fallback instead. */
  write(line: string, level: number): void {
    if (!this.#broken && this.#descriptor !== undefined) {
      try {
        writeSync(this.#descriptor, line);
        return;
      } catch (error) {
        this.#fail(error);
      }
    }
    if (this.#passLines && level >= WARN) this.#fallback.write(line);
  }

  #fail(error: unknown): void {
    this.#broken = true;
    if (this.#descriptor !== undefined) {
      try {
        closeSync(this.#descriptor);
      } catch {
        // Closing a file that failed to take a write: nothing more to do with it.
      }
      this.#descriptor = undefined;
    }
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    const where = this.#passLines ? 'warnings and errors go to stderr' : 'lines go to stderr only';
    this.#fallback.write(`steward: cannot write the log ${this.#path} (${code}); ${where}\n`);
  }
}

/** The level number of a finished pino line (`{"level":30,...`), or 0 when it cannot be read. */
function levelOf(line: string): number {
  const match = /^\{"level":(\d+)/.exec(line);
  return match === null ? 0 : Number(match[1]);
}

/**
 * Create a logger that writes redacted JSON lines. Redaction happens on the
 * finished line, so a secret inside an error message, a URL or a nested object
 * is caught as well (the idea of openai-agents-js `memorySession.test.ts`: a
 * test proves no key reaches a log line). A log file that cannot be written
 * never stops a command: see {@link LogFile}.
 *
 * @param options - level, sinks and the secrets to blank out
 * @returns a pino logger
 */
export function createLogger(options: LoggerOptions): Logger {
  const secrets = options.secrets ?? [];
  const fallback = options.fallback ?? process.stderr;
  // The daemon writes every line to stderr already: a broken file needs no second copy there.
  const file = options.file === undefined ? undefined : new LogFile(options.file, fallback, options.stderr !== true);
  const pretty = options.stderr === true && options.stderrFormat === 'pretty' ? prettifier() : undefined;
  const stream = {
    write(line: string): void {
      const clean = redactSecrets(line, secrets);
      file?.write(clean, levelOf(clean));
      if (options.stderr === true) process.stderr.write(pretty === undefined ? clean : pretty(clean));
      options.sink?.(clean);
    },
  };
  return pino({ level: options.level, base: { pid: process.pid } }, stream);
}

/** A logger that drops everything (for tests and tools that want silence). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

const requireModule = createRequire(import.meta.url);

/**
 * pino-pretty's line formatter (loaded only for a terminal): `[12:00:01]
 * INFO (memory): episode written` with the other fields below, coloured
 * when stderr takes colours.
 */
function prettifier(): (line: string) => string {
  const { prettyFactory } = requireModule('pino-pretty') as typeof import('pino-pretty');
  return prettyFactory({
    colorize: supportsColor(process.stderr),
    translateTime: 'SYS:HH:MM:ss',
    ignore: 'pid,hostname,component',
    messageFormat: '{if component}({component}) {end}{msg}',
  });
}

/**
 * The stderr format for a `log.format` setting: `auto` is pretty on a
 * terminal and JSON otherwise (a pipe, a file, a supervisor's journal).
 * @param format - `auto`, `pretty` or `json`
 * @param stderr - the stream (default process.stderr)
 */
export function stderrFormatOf(
  format: 'auto' | 'pretty' | 'json',
  stderr: MaybeTerminal = process.stderr,
): 'json' | 'pretty' {
  if (format !== 'auto') return format;
  return stderr.isTTY === true ? 'pretty' : 'json';
}
