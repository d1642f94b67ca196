import { missingSignalSettings } from '../channels/signal/index.js';
import type { Outbox } from '../channels/outbox.js';
import type { StewardConfig } from '../config/schema.js';
import type { ConversationStore } from '../memory/conversations.js';
import type { DeliveryResult } from '../plugins/api.js';
import { DeliveryError } from '../shared/errors.js';
import type { OutboundMessage } from '../shared/messages.js';

/** Options of {@link OwnerDelivery.deliver}. */
export interface DeliverOptions {
  /**
   * `false` gives the message up when this send fails (a manual `steward
   * briefing morning`: the owner sees the error and runs it again), instead
   * of leaving it to the daemon's retries. Default true.
   */
  retry?: boolean;
}

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
   * @param message - idempotency key and text
   * @param options - whether a failed send is left to the retries (default) or given up
   * @returns `sent`, or `already-sent` when the key went out before
   * @throws DeliveryError when Signal is not configured (nothing is queued) or the send fails (the message stays queued, unless `retry` is false)
   */
  async deliver(message: OutboundMessage, options: DeliverOptions = {}): Promise<DeliveryResult> {
    const missing = missingSignalSettings(this.#config);
    if (missing !== undefined) throw new DeliveryError(missing, { channel: 'signal', retryable: false });
    const recipients = this.#config.signal.to;
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
      const { status, firstId } = await this.#outbox.send({
        idempotencyKey: message.idempotencyKey,
        channel: 'signal',
        recipients,
        text: message.text,
      });
      return { status, outboxId: firstId };
    } catch (error) {
      if (options.retry === false && error instanceof DeliveryError) {
        this.#outbox.giveUp(message.idempotencyKey, 'a manual send is not retried; run it again');
        throw new DeliveryError(error.message, { channel: error.channel, retryable: false }, { cause: error });
      }
      throw error;
    }
  }
}
