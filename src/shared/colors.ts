import { createColors } from 'picocolors';

/** ANSI colour functions (picocolors' shape); each is the identity when colour is off. */
export type Colors = ReturnType<typeof createColors>;

/** What {@link supportsColor} reads of a stream: Node's `tty.WriteStream` has `isTTY`. */
export interface MaybeTerminal {
  /** True for a terminal; absent or false for a pipe, a file or a test stream. */
  isTTY?: boolean | undefined;
}

/**
 * Whether text written to `stream` should carry ANSI colours. Decided per
 * stream, never globally: picocolors' own `isColorSupported` turns colour on
 * for every stream when a `CI` variable is set, which put escape codes into
 * piped replies and Signal-bound text.
 *
 * The conventions are those of no-color.org and of `FORCE_COLOR` (chalk,
 * Node's `util.inspect`): a non-empty `NO_COLOR` turns colour off,
 * `FORCE_COLOR` other than `0` or `false` turns it on, otherwise colour is on
 * only for a terminal whose `TERM` is not `dumb`.
 *
 * @param stream - where the text goes (process.stdout, process.stderr, a REPL output)
 * @param env - the environment (default process.env)
 * @returns true to colour
 */
export function supportsColor(stream: MaybeTerminal, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '')
    return env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false';
  return stream.isTTY === true && env.TERM !== 'dumb';
}

/**
 * Colour functions for one stream, per {@link supportsColor}.
 * @param streamOrEnabled - the stream written to, or an explicit on/off
 * @returns picocolors functions, the identity when colour is off
 */
export function colorsFor(streamOrEnabled: MaybeTerminal | boolean): Colors {
  return createColors(typeof streamOrEnabled === 'boolean' ? streamOrEnabled : supportsColor(streamOrEnabled));
}
