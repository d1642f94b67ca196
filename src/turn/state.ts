import type { NewTurn } from '../models/turns.js';
import type { InboundMessage } from '../shared/messages.js';
import { parseDirective, type Directive } from './directives.js';
import type { HandleOptions, Reply } from './types.js';

/** A model turn as the agent step measured it, stored with the reply's id once the reply is stored. */
export type ModelTurn = Omit<NewTurn, 'replyId'>;

/** What {@link TurnState} is made from. */
export interface TurnStart {
  /** The inbound message. */
  message: InboundMessage;
  /** The caller's options (session, cancellation, streaming). */
  options: HandleOptions;
  /** The session the turn is recorded in. */
  sessionId: number;
  /**
   * Stores the inbound message when a step accepts it (see
   * {@link TurnState.accept}); the pipeline passes `recordInbound`, a test
   * may pass a counter.
   * @returns the stored message's id
   */
  store: (turn: TurnState) => number;
}

/**
 * One turn as it passes through the pipeline's steps (grammY's `Context`):
 * the message and what was read from it, then what the steps add. The step
 * that answers calls {@link accept} first (which stores the message, marked
 * as a command line when it is one), then sets {@link reply}; the recording
 * step stores the reply.
 */
export class TurnState {
  /** The inbound message, as the channel handed it over. */
  readonly message: InboundMessage;
  /** The caller's options. */
  readonly options: HandleOptions;
  /** The session the turn is recorded in. */
  readonly sessionId: number;
  /** The routing directive at the start of the text (`/fast ...`, `/why`, ...). */
  readonly directive: Directive;
  /** The text to answer: the message without a `/fast` or `/quality` prefix. */
  readonly text: string;
  /** The answer, set by the step that answers. */
  reply: Reply | undefined;
  /** `plugin:command` of the command that answers (`core:why` for `/why`), set by {@link accept}. */
  command: string | undefined;
  /** Class name of the user mistake the reply reports (`UsageError`, `NotFoundError`, ...). */
  errorName: string | undefined;
  /** The model turn behind an `agent` (or failed model) reply, stored in `turns`. */
  modelTurn: ModelTurn | undefined;
  /**
   * A command whose name matched several things: the line, the name as
   * typed and the numbered choices, so that the owner's next message can
   * pick one by its number (see `followUpStep`).
   */
  ambiguity: { text: string; query: string; choices: ReadonlyArray<{ id: number; name: string }> } | undefined;
  /** A command line the owner probably meant ("did you mean ...?"), run when the next message says yes. */
  suggestion: string | undefined;
  readonly #store: (turn: TurnState) => number;
  #inboundId: number | undefined;

  /** @param start - the message, options, session and how to store the message */
  constructor(start: TurnStart) {
    this.message = start.message;
    this.options = start.options;
    this.sessionId = start.sessionId;
    this.directive = parseDirective(start.message.text);
    this.text = this.directive.kind === 'turn' ? this.directive.text : start.message.text;
    this.#store = start.store;
  }

  /** Id of the stored inbound message, or undefined until a step accepts the turn. */
  get inboundId(): number | undefined {
    return this.#inboundId;
  }

  /**
   * Take the turn: store the inbound message now, before any work, so that
   * it is kept even when the answer fails.
   * @param command - `plugin:command` when the message is a command line (memory leaves those out)
   * @returns the stored message's id
   * @throws Error when the turn was accepted already (a bug in a step)
   */
  accept(command?: string): number {
    if (this.#inboundId !== undefined) throw new Error('the turn was accepted twice');
    this.command = command;
    this.#inboundId = this.#store(this);
    return this.#inboundId;
  }
}
