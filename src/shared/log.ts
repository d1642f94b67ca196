import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { pino, type Logger as PinoLogger } from 'pino';
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
  /** Also write JSON lines to stderr (the daemon does; the REPL must not). */
  stderr?: boolean;
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
  const stream = {
    write(line: string): void {
      const clean = redactSecrets(line, secrets);
      fileDestination?.write(clean);
      if (options.stderr === true) process.stderr.write(clean);
      options.sink?.(clean);
    },
  };
  return pino({ level: options.level, base: { pid: process.pid } }, stream);
}

/** A logger that drops everything (for tests and tools that want silence). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
