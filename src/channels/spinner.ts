/**
 * The REPL's "thinking" status between Enter and the first token of a
 * model reply: a braille spinner (the frames of cli-spinners' `dots`, as
 * ora shows them) redrawn on its own line. It appears only after a short
 * delay, so a command that answers at once never flashes it, and it
 * clears its line when stopped. Home-made rather than ora or yocto-spinner
 * because it must draw on the REPL's own output stream (a test's stream
 * too) and leave the terminal's Ctrl-C to readline.
 */

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/** Options of {@link startSpinner}. */
export interface SpinnerOptions {
  /** Writes to the terminal. */
  write: (text: string) => void;
  /** The words after the frame, for example `thinking…`. */
  text: string;
  /** Wait this long before the first frame, in ms (default 150). */
  delayMs?: number;
  /** Time between frames, in ms (default 80). */
  intervalMs?: number;
  /** Paints the spinner (dim); the identity by default. */
  paint?: (text: string) => string;
}

/** A running spinner. */
export interface Spinner {
  /** Stop it and clear its line (a no-op when it never showed or is stopped). */
  stop(): void;
}

/**
 * Start the spinner.
 * @param options - where to draw, what to say, and its timing
 * @returns the spinner, to stop at the first token or the reply
 */
export function startSpinner(options: SpinnerOptions): Spinner {
  const paint = options.paint ?? ((text: string) => text);
  let frame = 0;
  let shown = false;
  let interval: NodeJS.Timeout | undefined;
  const draw = (): void => {
    options.write(`\r\x1b[K${paint(`${FRAMES[frame % FRAMES.length] ?? ''} ${options.text}`)}`);
    frame += 1;
    shown = true;
  };
  const delay = setTimeout(() => {
    draw();
    interval = setInterval(draw, options.intervalMs ?? 80);
  }, options.delayMs ?? 150);
  let stopped = false;
  return {
    stop: () => {
      if (stopped) return;
      stopped = true;
      clearTimeout(delay);
      if (interval !== undefined) clearInterval(interval);
      if (shown) options.write('\r\x1b[K');
    },
  };
}
