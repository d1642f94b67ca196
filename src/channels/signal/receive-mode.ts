import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { promisify } from 'node:util';

/** What {@link detectReceiveMode} found about the signal-cli daemon behind a URL. */
export type ReceiveModeFinding =
  | {
      found: true;
      /** `on-start` (signal-cli's default), `on-connection` or `manual`. */
      mode: 'on-start' | 'on-connection' | 'manual';
      /** The daemon's command line. */
      command: string;
    }
  | {
      found: false;
      /** Why the mode could not be seen. */
      reason: string;
    };

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

/** The argument lists of the processes this user can see: `/proc/<pid>/cmdline` on Linux, `ps` elsewhere. */
async function commandLines(): Promise<string[][]> {
  if (process.platform === 'linux') {
    const lines: string[][] = [];
    for (const entry of await readdir('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const raw = await readFile(`/proc/${entry}/cmdline`, 'utf8');
        if (raw !== '') lines.push(raw.replace(/\0$/, '').split('\0'));
      } catch {
        // The process ended while the list was read, or it is not ours to read: skip it.
        continue;
      }
    }
    return lines;
  }
  const { stdout } = await promisify(execFile)('ps', ['-axww', '-o', 'command=']);
  return stdout.split('\n').map((line) => line.trim().split(/\s+/));
}

/** The value of an option given as `--name value` or `--name=value`, or undefined. */
function option(args: readonly string[], name: string): string | undefined {
  for (let index = 0; index < args.length; index += 1) {
    const arg = args[index] as string;
    if (arg === name) {
      const next = args[index + 1];
      return next === undefined || next.startsWith('-') ? '' : next;
    }
    if (arg.startsWith(`${name}=`)) return arg.slice(name.length + 1);
  }
  return undefined;
}

/**
 * Which `--receive-mode` the signal-cli daemon behind a URL runs with, read
 * from its command line (signal-cli has no API that says). Only a daemon on
 * this machine can be seen: the URL's host must be a loopback address, and
 * the daemon's `--http` port must be the URL's (`--http` alone means
 * `localhost:8080`, signal-cli `DaemonCommand`). No `--receive-mode` means
 * `on-start`, its default (`ReceiveMode.java`).
 * @param url - `STEWARD_SIGNAL_URL`
 * @returns the mode and the command line, or why it could not be told
 */
export async function detectReceiveMode(url: string): Promise<ReceiveModeFinding> {
  const parsed = new URL(url);
  if (!LOOPBACK.has(parsed.hostname))
    return { found: false, reason: `signal-cli runs elsewhere (${parsed.host}), so its command line cannot be read` };
  const port = Number(parsed.port || (parsed.protocol === 'https:' ? 443 : 80));
  let lines: string[][];
  try {
    lines = await commandLines();
  } catch (error) {
    return { found: false, reason: `the process list could not be read (${(error as Error).message})` };
  }
  for (const args of lines) {
    if (!args.some((arg) => /signal-cli|org\.asamk\.signal\.Main/.test(arg)) || !args.includes('daemon')) continue;
    const http = option(args, '--http');
    if (http === undefined) continue;
    const bound = http === '' ? 8080 : Number(http.slice(http.lastIndexOf(':') + 1));
    if (bound !== port) continue;
    const mode = option(args, '--receive-mode') ?? 'on-start';
    if (mode !== 'on-start' && mode !== 'on-connection' && mode !== 'manual') continue;
    return { found: true, mode, command: args.join(' ') };
  }
  return { found: false, reason: `no signal-cli daemon with --http on port ${port} was found on this machine` };
}
