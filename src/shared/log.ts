import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { pino, type Logger as PinoLogger } from 'pino';

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

const REDACTED = '[redacted]';

/** Patterns that look like credentials even when steward does not know the value. */
const SECRET_PATTERNS: readonly RegExp[] = [
  /\bsk-[A-Za-z0-9_-]{8,}/g,
  /(\bBearer\s+)[A-Za-z0-9._~+/=-]{8,}/gi,
  /("(?:api[_-]?key|apiKey|authorization|password|token)"\s*:\s*")[^"]*(")/gi,
];

/**
 * Remove secrets from a piece of text.
 * @param text - a log line or any string
 * @param secrets - exact values to blank out (empty and very short values are ignored)
 * @returns the text with every secret replaced by `[redacted]`
 */
export function redactSecrets(text: string, secrets: ReadonlyArray<string | null | undefined> = []): string {
  let clean = text;
  for (const secret of secrets) {
    if (secret === null || secret === undefined || secret.length < 6) continue;
    clean = clean.split(secret).join(REDACTED);
  }
  for (const pattern of SECRET_PATTERNS) {
    clean = clean.replace(pattern, (match: string, ...groups: unknown[]) => {
      const prefix = typeof groups[0] === 'string' && match.startsWith(groups[0]) ? groups[0] : '';
      const suffix = typeof groups[1] === 'string' && match.endsWith(groups[1]) ? groups[1] : '';
      return prefix + REDACTED + suffix;
    });
  }
  return clean;
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
