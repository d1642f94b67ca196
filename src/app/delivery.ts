import { missingSignalSettings } from '../channels/signal/index.js';
import type { Outbox, OutboxEntry } from '../channels/outbox.js';
import type { StewardConfig } from '../config/schema.js';
import type { ConversationStore } from '../memory/conversations.js';
import type { DeliveryResult } from '../plugins/api.js';
import { DeliveryError } from '../shared/errors.js';
import type { OutboundMessage } from '../shared/messages.js';

/** Options of {@link OwnerDelivery.deliver}. */
export interface DeliverOptions {
  /**
   * `false` makes it a manual send (`steward briefing morning`): one
   * attempt, by this call; when it fails, or the process is stopped or
   * killed before it is recorded, it is never sent later by another
   * process (the outbox row's `retry_by` is `sender`). The owner sees the
   * error and runs it again. Default true: the daemon's retries take over.
   */
  retry?: boolean;
}

/** What {@link OwnerDelivery.deliver} did: a {@link DeliveryResult}, and the message that held the topic when nothing was sent. */
export type OwnerDeliveryResult = DeliveryResult & { takenBy?: OutboxEntry };

/**
 * Messages to the owner on Signal (briefings, reminders): stored in the
 * conversation history once per idempotency key, queued in the outbox and
 * sent at once; the outbox retries what fails.
 */
export class OwnerDelivery {
  readonly #config: StewardConfig;
  readonly #conversations: ConversationStore;
  readonly #outbox: Outbox;

  /**
   * @param config - the configuration (`signal.*`: the owner's numbers)
   * @param conversations - where the outbound message is stored
   * @param outbox - the queue that sends it
   */
  constructor(config: StewardConfig, conversations: ConversationStore, outbox: Outbox) {
    this.#config = config;
    this.#conversations = conversations;
    this.#outbox = outbox;
  }

  /**
   * Queue a message for the owner in the outbox and deliver it on Signal now.
   * Texts over 4000 characters become several parts, each with its own key.
   * The message is stored in `messages` (kind `outbound`) once per key, when
   * it is queued, so a message the outbox delivers later on a retry is
   * stored too; its delivery state is the outbox row's.
   * A message with a topic (`briefing:morning:2026-11-21`) is not sent, nor
   * stored, when a message of that topic was sent or is on its way under
   * another key, however it was sent: the result is `already-sent` with
   * that message as `takenBy`.
   * @param message - idempotency key, text and topic
   * @param options - whether a failed send is left to the retries (default) or given up
   * @returns `sent`, or `already-sent` when the key went out before
   * @throws DeliveryError when Signal is not configured (nothing is queued) or the send fails (the message stays queued, unless `retry` is false)
   */
  async deliver(message: OutboundMessage, options: DeliverOptions = {}): Promise<OwnerDeliveryResult> {
    const missing = missingSignalSettings(this.#config);
    if (missing !== undefined) throw new DeliveryError(missing, { channel: 'signal', retryable: false });
    const recipients = this.#config.signal.to;
    const topic = message.topic ?? null;
    // Checked again, with the queueing, in one transaction by Outbox.send: this first look only keeps
    // a message that will not go out from being stored as if it had.
    const taken = topic === null ? undefined : this.#outbox.topicTaken(topic, message.idempotencyKey);
    if (taken !== undefined) return { status: 'already-sent', outboxId: taken.id, takenBy: taken };
    if (!this.#conversations.hasIdempotencyKey(message.idempotencyKey)) {
      this.#conversations.record({
        sessionId: null,
        channel: 'signal',
        sender: 'steward',
        role: 'assistant',
        text: message.text,
        meta: { kind: 'outbound', idempotencyKey: message.idempotencyKey, recipients },
      });
    }
    try {
      const { status, firstId, takenBy } = await this.#outbox.send({
        idempotencyKey: message.idempotencyKey,
        channel: 'signal',
        recipients,
        text: message.text,
        retryBy: options.retry === false ? 'sender' : 'daemon',
        topic,
      });
      return takenBy === undefined ? { status, outboxId: firstId } : { status, outboxId: firstId, takenBy };
    } catch (error) {
      if (options.retry === false && error instanceof DeliveryError) {
        this.#outbox.giveUp(message.idempotencyKey, 'a manual send is not retried; run it again');
        throw new DeliveryError(error.message, { channel: error.channel, retryable: false }, { cause: error });
      }
      throw error;
    }
  }

  /**
   * Give up a manual send that is still pending (the owner pressed Ctrl-C
   * during it): it is marked failed and never sent later.
   * @param idempotencyKey - the message's key
   * @param reason - why
   * @returns how many rows were given up
   */
  cancel(idempotencyKey: string, reason: string): number {
    return this.#outbox.giveUp(idempotencyKey, reason);
  }
}
