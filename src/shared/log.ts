import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { pino, type Logger as PinoLogger } from 'pino';
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
}

/**
 * Create a logger that writes redacted JSON lines. Redaction happens on the
 * finished line, so a secret inside an error message, a URL or a nested object
 * is caught as well (the idea of openai-agents-js `memorySession.test.ts`: a
 * test proves no key reaches a log line).
 *
 * @param options - level, sinks and the secrets to blank out
 * @returns a pino logger
 */
export function createLogger(options: LoggerOptions): Logger {
  const secrets = options.secrets ?? [];
  let fileDestination: ReturnType<typeof pino.destination> | undefined;
  if (options.file !== undefined) {
    mkdirSync(dirname(options.file), { recursive: true });
    fileDestination = pino.destination({ dest: options.file, sync: true, append: true });
  }
  const pretty = options.stderr === true && options.stderrFormat === 'pretty' ? prettifier() : undefined;
  const stream = {
    write(line: string): void {
      const clean = redactSecrets(line, secrets);
      fileDestination?.write(clean);
      if (options.stderr === true) process.stderr.write(pretty === undefined ? clean : pretty(clean));
      options.sink?.(clean);
    },
  };
  return pino({ level: options.level, base: { pid: process.pid } }, stream);
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

/** A logger that drops everything (for tests and tools that want silence). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
