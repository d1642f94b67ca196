import { spawn, type ChildProcess } from 'node:child_process';

/** A process on a pseudo-terminal, its output collected with the time it arrived. */
export interface TerminalProcess {
  /** Everything the process wrote to the terminal so far (with the echo of what was typed). */
  readonly output: string;
  /** Type text (a line ends with `\r`, as the Enter key sends it; `\x04` is Ctrl-D). */
  type(text: string): void;
  /**
   * Wait until `text` appears in the output after position `from`.
   * @returns when it appeared, as `process.hrtime.bigint()` nanoseconds
   */
  waitFor(text: string, from: number, timeoutMs?: number): Promise<bigint>;
  /** Resolves with the exit code when the process has ended. */
  readonly exited: Promise<number | null>;
  /** The process (`script`, which runs the command). */
  readonly child: ChildProcess;
}

/**
 * Run a command on a pseudo-terminal, so that it sees a TTY on stdin and
 * stdout as it does in a real terminal (steward's REPL shows its prompt and
 * starts its background work only there). Node has no pty of its own; the
 * `script` program of util-linux (Linux) or BSD (macOS) provides one, with
 * output flushed at each write (`-f`, `-F`).
 * @param command - the program and its arguments
 * @param env - the environment of the command
 * @returns the running process
 */
export function spawnOnTerminal(command: readonly string[], env: Record<string, string>): TerminalProcess {
  const quoted = command.map((part) => `'${part.replace(/'/g, `'\\''`)}'`).join(' ');
  const args = process.platform === 'darwin' ? ['-qF', '/dev/null', ...command] : ['-qfec', quoted, '/dev/null'];
  const child = spawn('script', args, { env: { ...env, TERM: 'xterm-256color' }, stdio: ['pipe', 'pipe', 'pipe'] });
  let output = '';
  const waiters: Array<{ text: string; from: number; resolve: (at: bigint) => void }> = [];
  child.stdout.on('data', (chunk: Buffer) => {
    const at = process.hrtime.bigint();
    output += chunk.toString();
    for (const waiter of [...waiters]) {
      if (output.indexOf(waiter.text, waiter.from) === -1) continue;
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve(at);
    }
  });
  const exited = new Promise<number | null>((resolve, reject) => {
    child.on('close', resolve);
    child.on('error', (error) => reject(new Error(`cannot run "script" for a pseudo-terminal: ${error.message}`)));
  });
  return {
    get output() {
      return output;
    },
    type: (text) => {
      child.stdin.write(text);
    },
    waitFor: (text, from, timeoutMs = 30_000) =>
      new Promise<bigint>((resolve, reject) => {
        if (output.indexOf(text, from) !== -1) {
          resolve(process.hrtime.bigint());
          return;
        }
        const timer = setTimeout(() => {
          reject(
            new Error(`"${text}" did not appear within ${timeoutMs} ms; the terminal shows:\n${output.slice(-2000)}`),
          );
        }, timeoutMs);
        waiters.push({
          text,
          from,
          resolve: (at) => {
            clearTimeout(timer);
            resolve(at);
          },
        });
      }),
    exited,
    child,
  };
}
