import { redactSecrets } from '../shared/redact.js';

/**
 * The command line's last door: every string written to stdout or stderr
 * has the remembered keys (and anything that looks like one) blanked out,
 * whatever wrote it (a reply, a doctor line, an error of another library).
 * Errors are redacted when they are made; this catches what no error
 * class carried. Text written as a Buffer, and a key cut across two
 * writes, pass unchanged (a streamed reply is redacted again when stored).
 * @param streams - the streams to guard (stdout and stderr)
 */
export function guardOutput(streams: readonly NodeJS.WriteStream[]): void {
  for (const stream of streams) {
    const write = stream.write.bind(stream) as (...args: unknown[]) => boolean;
    const guarded = (chunk: unknown, ...rest: unknown[]): boolean =>
      write(typeof chunk === 'string' ? redactSecrets(chunk) : chunk, ...rest);
    stream.write = guarded;
  }
}
