import type { Tier } from '../models/providers.js';
import type { InboundMessage } from '../shared/messages.js';

/**
 * The contract between the channels and the turn pipeline: a channel hands
 * over an {@link InboundMessage} and gets a {@link Reply} back through a
 * {@link TurnHandler}. Channels depend on this file only, never on the
 * object that wires the app (STYLE.md point 13).
 */

/** Which model answered a turn. */
export interface ReplyVia {
  /** Provider id, for example `local-fast` or `openai-fast`. */
  provider: string;
  /** Tier that was asked for: `fast` or `quality`. */
  tier: Tier;
  /** Whether the provider runs on the owner's machines or in the cloud. */
  kind: 'local' | 'cloud';
  /** Providers skipped or failed before this one, with reasons. */
  fallbackFrom: ReadonlyArray<{ provider: string; reason: string }>;
}

/** The core's answer to one {@link InboundMessage}. */
export interface Reply {
  /** The full text of the answer. */
  text: string;
  /**
   * How it was produced: `command` (a plugin command), `agent` (a model),
   * `error` (nothing could answer; `text` says what to do), `cancelled`.
   */
  kind: 'command' | 'agent' | 'error' | 'cancelled';
  /** The model that answered, for `agent` replies. */
  via?: ReplyVia;
  /** One-line notices shown apart from the answer (for example a provider failing mid-reply). */
  notices: string[];
  /** The answer as data, when the caller asked for JSON and the command has it (`text` is then that JSON). */
  data?: unknown;
}

/** Options of {@link TurnHandler.handle}. */
export interface HandleOptions {
  /** Session to record the turn in; default: the sender's open session on that channel (`memory.sessionIdleMinutes`). */
  sessionId?: number;
  /** Cancels a model reply (Ctrl-C in the REPL, the daemon shutting down). */
  signal?: AbortSignal;
  /** Receives reply text as it streams. */
  onToken?: (token: string) => void;
  /** Receives one-line notices (a provider failed mid-reply and the answer restarts). */
  onNotice?: (notice: string) => void;
  /** Tier the caller asks for; default: chosen per turn (see `TierSelector`). */
  tier?: Tier;
  /** The channel shows ANSI colours (a TTY): command replies may use them. Default false. */
  color?: boolean;
  /** Answer a list or report command with its data (`Reply.data`), for `steward run --json`. Default false. */
  json?: boolean;
  /** Width of the owner's terminal in columns (the REPL, `steward run` on a TTY): help and tables fit it. Default: no limit. */
  columns?: number;
  /** Called when the first token of a model reply arrives, with the provider that streams it (the REPL stops its spinner). */
  onFirstToken?: (via: { provider: string; kind: 'local' | 'cloud' }) => void;
  /** The REPL session's tier override (a bare `/fast` or `/quality`); a `/fast ...` prefix still wins. */
  sessionTier?: Tier | undefined;
}

/**
 * Answers one message at a time. The REPL, `steward run`, Signal and the
 * tests all hand their messages to one of these (the turn pipeline, wired by
 * `Steward`), as Hono drives an app with `app.request()`.
 */
export interface TurnHandler {
  /**
   * Answer one message: store it, answer it (a command, `/why`, or a model
   * turn) and store the reply. Model and plugin failures come back as a
   * reply of kind `error`; a cancelled turn as kind `cancelled`.
   * @param message - the inbound message
   * @param options - session, cancellation and streaming callbacks
   * @returns the reply
   * @throws SqliteError (or another system fault) when the turn cannot be stored
   */
  handle(message: InboundMessage, options?: HandleOptions): Promise<Reply>;
}
