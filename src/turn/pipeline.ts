import type { InboundMessage } from '../shared/messages.js';
import { redactSecrets } from '../shared/redact.js';
import { agentStep, preloadAgentStep, type AgentStepDependencies, type AgentStepPreload } from './agent-step.js';
import { bareDirectiveStep } from './bare-directive-step.js';
import { commandStep, typoStep, type CommandGrammar } from './command-step.js';
import { compose } from './compose.js';
import { limitStep, type MessageLimits } from './limit-step.js';
import { followUpStep } from './follow-up-step.js';
import { helpStep, type TopicHelp } from './help-step.js';
import { recordInbound, recordStep, type TurnRecords } from './record.js';
import { TurnState } from './state.js';
import type { HandleOptions, Reply, TurnHandler } from './types.js';
import { whyStep, type WhySource } from './why-step.js';

/** What the pipeline is built from (wired by `Steward`). */
export interface TurnPipelineDependencies extends TurnRecords {
  /** A sender's session on a channel ends after this much quiet, in ms (`memory.sessionIdleMinutes`). */
  sessionIdleMs: number;
  /** Model turns, read by `/why`. */
  turns: TurnRecords['turns'] & WhySource;
  /** The owner's IANA zone. */
  timeZone: string;
  /** The plugins' command grammar. */
  commands: CommandGrammar;
  /** `help <topic>` from the command list. */
  topicHelp: TopicHelp;
  /** What the agent step needs. */
  agent: AgentStepDependencies;
  /** The longest message each channel takes. */
  limits: MessageLimits;
}

/**
 * The one pipeline every turn goes through, from any channel. A message
 * meets the steps in this order, and the first that takes it answers it:
 *
 * 1. {@link recordStep} wraps the others: it stores the reply (and the model
 *    turn) once they are done;
 * 2. {@link limitStep}: a message longer than its channel takes is refused, unread and unstored;
 * 3. {@link whyStep}: `/why`, how the last model turn was routed;
 * 4. {@link bareDirectiveStep}: `/fast` or `/quality` with nothing after it;
 * 5. {@link followUpStep}: the answer to the last reply's question (a number
 *    picking one of an ambiguous name's choices, a yes to "did you mean");
 *    it also keeps the question a reply asks;
 * 6. {@link commandStep}: the plugins' command grammar (`check in meditation`), no model;
 * 7. {@link helpStep}: `help <topic>` (`help habits`, `help days`);
 * 8. {@link typoStep}: a command word one edit away (`chek in run`) asks "did you mean ...?";
 * 9. {@link agentStep}: everything else goes to the model, with tools.
 *
 * The step that takes a message stores it first (`TurnState.accept`), so
 * it is marked as a command line when it is one. Composed like grammY's
 * `Composer` (Hono's `compose.ts`): each step is a file of its own and can
 * be tested alone.
 */
export class TurnPipeline implements TurnHandler {
  readonly #dependencies: TurnPipelineDependencies;
  readonly #run: (turn: TurnState) => Promise<void>;

  /** @param dependencies - stores, grammar and model parts */
  constructor(dependencies: TurnPipelineDependencies) {
    this.#dependencies = dependencies;
    this.#run = compose([
      recordStep(dependencies),
      limitStep(dependencies.limits),
      whyStep(dependencies.turns, dependencies.timeZone),
      bareDirectiveStep(),
      followUpStep(dependencies.commands),
      commandStep(dependencies.commands),
      helpStep(dependencies.topicHelp),
      typoStep(dependencies.commands),
      agentStep(dependencies.agent),
    ]);
  }

  /**
   * Run what the agent step runs, ahead of the first message (see
   * `preloadAgentStep`): the model stack, one agent turn in memory, and a
   * context. Nothing is stored and no model is asked.
   * @returns how long each part took
   * @throws what the model stack's import throws; SqliteError if the database fails
   */
  preload(): Promise<AgentStepPreload> {
    return preloadAgentStep(this.#dependencies.agent);
  }

  /**
   * Answer one message (see `TurnHandler.handle`). The session is the one
   * given, or the sender's open session on that channel (a new one after
   * `memory.sessionIdleMinutes` of quiet).
   * @param inbound - the inbound message (a configured key in its text is blanked out first)
   * @param options - session, cancellation and streaming callbacks
   * @returns the reply
   * @throws SqliteError if the database fails
   */
  async handle(inbound: InboundMessage, options: HandleOptions = {}): Promise<Reply> {
    const { conversations, sessionIdleMs } = this.#dependencies;
    // A configured key pasted into a message is blanked out before anything stores it, embeds it or sends it to a model.
    const message = { ...inbound, text: redactSecrets(inbound.text) };
    const sessionId = options.sessionId ?? conversations.resumeSession(message.channel, message.sender, sessionIdleMs);
    const turn = new TurnState({
      message,
      options,
      sessionId,
      store: (accepted) => recordInbound(this.#dependencies, accepted),
    });
    await this.#run(turn);
    if (turn.reply === undefined) throw new Error('no step answered the turn');
    return turn.reply;
  }
}
