import type { StewardConfig } from '../../config/schema.js';
import type { Database } from '../../shared/database.js';
import { describeError } from '../../shared/errors.js';
import { redactSecrets } from '../../shared/redact.js';
import type { Logger } from '../../shared/log.js';
import type { Clock } from '../../shared/time.js';
import { FailedEvents } from '../failed-events.js';
import { Inbox, type InboxEntry } from '../inbox.js';
import type { Outbox } from '../outbox.js';
import type { Reply, TurnHandler } from '../../turn/types.js';
import { viaTag } from '../via.js';
import { parseReceiveEvent } from './envelope.js';
import { SignalIdentities } from './identity.js';
import { SignalReceiveLoop, type ReceiveStatus } from './receive-loop.js';
import { ReplyRest } from './reply-rest.js';
import { capParts, groupAddress, MORE_COMMAND, type ReceivedEvent, type SignalEventSource } from './transport.js';

/**
 * What the Signal channel needs from the assistant (a Steward fits): the
 * turn pipeline (`handle`: the one every channel uses; `signal` in its
 * options aborts the turn when the daemon shuts down; a reply of kind
 * `cancelled` means it was), and where the inbox and the replies go.
 */
export interface SignalChannelHost extends TurnHandler {
  /** The configuration (`signal.*`). */
  readonly config: StewardConfig;
  /** The database (inbox and receive cursor). */
  readonly database: Database;
  /** The outbox replies go through. */
  readonly outbox: Outbox;
  /** Clock. */
  readonly clock: Clock;
  /** Logger. */
  readonly log: Logger;
}

/** A snapshot of the Signal channel, for `steward health`. */
export interface SignalChannelStatus extends ReceiveStatus {
  /** Messages answered since start. */
  answered: number;
  /** Messages ignored since start (senders or groups not allowed). */
  ignored: number;
  /** Messages waiting to be answered. */
  pending: number;
}

/** Attempts to answer one message before it is marked failed (failures here are faults such as a broken database, not a model being down). */
const MAX_ATTEMPTS = 3;
/** Inbox keys are kept this long against redelivery, in ms (30 days). */
const INBOX_RETENTION_MS = 30 * 24 * 3_600_000;

/**
 * Two-way Signal: receives through a {@link SignalEventSource} (the
 * JSON-RPC SSE stream or the REST API websocket) kept open by a
 * {@link SignalReceiveLoop}, lets through only the allowlist, decided on
 * the identity the reply goes to (see {@link SignalIdentities}; groups
 * only when in `signal.allowGroups`), writes each allowed message to the
 * inbox, answers it through `handle` (exactly as the REPL does) and sends
 * the reply, to that same identity, through the outbox under a key derived
 * from the envelope, so a redelivered message is never answered twice.
 * Anyone else is ignored and logged: no reply, and nothing stored. An
 * event that cannot be processed is recorded in `failed_events` and
 * skipped (see {@link FailedEvents}); receiving goes on.
 */
export class SignalChannel {
  readonly #host: SignalChannelHost;
  readonly #inbox: Inbox;
  readonly #loop: SignalReceiveLoop;
  readonly #identities: SignalIdentities;
  readonly #failedEvents: FailedEvents;
  readonly #rests: ReplyRest;
  readonly #allowedGroups: Set<string>;
  readonly #cursorName: string;
  #turns = new AbortController();
  #draining: Promise<void> | undefined;
  #drainAgain = false;
  #stopping = false;
  #answered = 0;
  #ignored = 0;

  /**
   * @param host - the assistant
   * @param source - where messages come from
   * @param onStatusChange - called when the receive state changes (the stream opened, dropped, failed), so the daemon can write a fresh health snapshot
   */
  constructor(host: SignalChannelHost, source: SignalEventSource, onStatusChange?: () => void) {
    this.#host = host;
    this.#inbox = new Inbox(host.database, host.clock);
    const { to, allowFrom, allowGroups, receive } = host.config.signal;
    this.#identities = new SignalIdentities(host.database, host.clock, [...to, ...allowFrom]);
    this.#failedEvents = new FailedEvents(host.database, host.clock);
    this.#rests = new ReplyRest(host.database, host.clock);
    this.#allowedGroups = new Set(allowGroups);
    this.#cursorName = `signal-${source.api}`;
    this.#loop = new SignalReceiveLoop({
      source,
      onEvent: (event) => this.#accept(event),
      cursor: {
        load: () => this.#inbox.cursor(this.#cursorName),
        save: (cursor) => this.#inbox.saveCursor(this.#cursorName, cursor),
      },
      backoffMs: receive.backoffMs,
      idleTimeoutMs: receive.idleTimeoutMs,
      log: host.log,
      clock: host.clock,
      onStatusChange: () => onStatusChange?.(),
    });
  }

  /** Answer what is still pending from before, then start receiving. */
  start(): void {
    this.#stopping = false;
    this.#turns = new AbortController();
    const pruned = this.#inbox.prune(INBOX_RETENTION_MS);
    if (pruned > 0) this.#host.log.debug({ pruned }, 'old inbox rows deleted');
    this.#kick();
    this.#loop.start();
  }

  /**
   * Stop receiving, then let the reply in progress finish; after `graceMs`
   * it is cancelled and the message stays in the inbox, answered at the
   * next start.
   * @param graceMs - how long a reply in progress may still take, in ms
   */
  async stop(graceMs: number): Promise<void> {
    this.#stopping = true;
    await this.#loop.stop();
    const timer = setTimeout(() => this.#turns.abort(new Error('the daemon is shutting down')), graceMs);
    try {
      await this.#draining;
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Wait until no message is being answered.
   * @returns a promise that resolves once no round of answering is running (at once when none is)
   */
  async idle(): Promise<void> {
    while (this.#draining !== undefined) await this.#draining;
  }

  /**
   * A snapshot for `steward health`.
   * @returns the receive loop's status plus the messages answered and ignored since start and those pending in the inbox
   */
  status(): SignalChannelStatus {
    return {
      ...this.#loop.status(),
      answered: this.#answered,
      ignored: this.#ignored,
      pending: this.#inbox.counts('signal').pending,
    };
  }

  /**
   * One event off the stream: parse, check the sender, write to the inbox.
   * It never throws: an event that fails is recorded in `failed_events`
   * with its reason and skipped, so that receiving goes on.
   */
  #accept(event: ReceivedEvent): void {
    try {
      this.#take(event);
    } catch (error) {
      this.#failed(event, `processing failed: ${describeError(error)}`, null, null);
    }
  }

  #take(event: ReceivedEvent): void {
    const { log } = this.#host;
    const parsed = parseReceiveEvent(event.data);
    if (!parsed.success) {
      // A stranger's malformed event is ignored like any other of theirs: nothing of it is stored.
      const verdict = parsed.identity === null ? undefined : this.#identities.check(parsed.identity);
      if (verdict !== undefined && !verdict.admitted) {
        this.#ignore(verdict.reason, verdict.spoofed, parsed.identity?.number ?? parsed.identity?.uuid ?? null, null);
        return;
      }
      this.#failed(event, parsed.error, verdict?.admitted === true ? verdict.replyTo : null, parsed.timestamp);
      return;
    }
    if (parsed.value.kind === 'other') {
      log.debug({ sender: parsed.value.sender, what: parsed.value.what }, 'Signal event without a message to answer');
      return;
    }
    const message = parsed.value.message;
    const account = this.#host.config.signal.account;
    if (account !== null && message.account !== null && message.account !== account) {
      this.#ignore(`it arrived for account ${message.account}, not ${account}`, false, message.sender, message.groupId);
      return;
    }
    const verdict = this.#identities.check({ number: message.senderNumber, uuid: message.senderUuid });
    if (!verdict.admitted) {
      this.#ignore(verdict.reason, verdict.spoofed, message.sender, message.groupId);
      return;
    }
    if (message.groupId !== null && !this.#allowedGroups.has(message.groupId)) {
      this.#ignore(
        'group messages are not answered unless the group is in signal.allowGroups',
        false,
        message.sender,
        message.groupId,
      );
      return;
    }
    const { created } = this.#inbox.add({
      idempotencyKey: message.idempotencyKey,
      channel: 'signal',
      // The reply goes to the identity that was checked, never to another field of the envelope.
      sender: verdict.replyTo,
      groupId: message.groupId,
      // Kept to one character past the limit (the pipeline answers that it is too long), and without a key.
      text: redactSecrets(message.text.slice(0, this.#host.config.limits.signalMessage + 1)),
      sentAt: new Date(message.timestamp),
    });
    if (!created) {
      log.debug({ key: message.idempotencyKey }, 'Signal message received again; already in the inbox');
      return;
    }
    this.#kick();
  }

  /** A message not let through: counted and logged (a warning when spoofed), nothing stored. */
  #ignore(reason: string, spoofed: boolean, sender: string | null, group: string | null): void {
    this.#ignored += 1;
    const fields = { sender, group };
    if (spoofed) this.#host.log.warn(fields, `Signal message dropped: ${reason}`);
    else this.#host.log.info(fields, `Signal message ignored: ${reason}`);
  }

  /** An event that could not be processed: recorded in `failed_events` and skipped. */
  #failed(event: ReceivedEvent, reason: string, sender: string | null, timestamp: number | null): void {
    const { log } = this.#host;
    // The event may hold someone's text: the log gets the reason, never the data.
    log.warn({ eventId: event.id ?? null, sender }, `Signal event skipped: ${reason}`);
    try {
      this.#failedEvents.record({
        source: this.#cursorName,
        data: event.data,
        reason,
        sender,
        eventTimestamp: timestamp,
      });
    } catch (error) {
      log.error({ err: error }, `the failed Signal event could not be recorded: ${describeError(error)}`);
    }
  }

  /** Answer pending messages one at a time, in order; a kick during a round starts another. */
  #kick(): void {
    if (this.#draining !== undefined) {
      this.#drainAgain = true;
      return;
    }
    this.#draining = this.#drain().finally(() => {
      this.#draining = undefined;
      if (this.#drainAgain && !this.#stopping) {
        this.#drainAgain = false;
        this.#kick();
      }
    });
  }

  async #drain(): Promise<void> {
    const tried = new Set<number>();
    while (!this.#stopping) {
      const entry = this.#inbox.nextPending('signal');
      if (entry === undefined || tried.has(entry.id)) return;
      tried.add(entry.id);
      await this.#answer(entry);
    }
  }

  /** The reply to a message: the rest of the last long reply when it says "more" and one is kept, else the pipeline's. */
  async #reply(entry: InboxEntry, recipient: string): Promise<string | undefined> {
    const { log } = this.#host;
    if (entry.text.trim().toLowerCase() === MORE_COMMAND) {
      const rest = this.#rests.of(recipient);
      if (rest !== undefined) return rest;
    }
    let reply: Reply;
    try {
      reply = await this.#host.handle(
        { channel: 'signal', sender: entry.sender, text: entry.text, receivedAt: new Date(entry.receivedAt) },
        { signal: this.#turns.signal },
      );
    } catch (error) {
      const status = this.#inbox.recordFailure(entry.id, describeError(error), MAX_ATTEMPTS);
      log.error(
        { key: entry.idempotencyKey, err: error, status },
        `answering a Signal message failed: ${describeError(error)}`,
      );
      return undefined;
    }
    if (reply.kind === 'cancelled') {
      log.info(
        { key: entry.idempotencyKey },
        'reply cancelled by the shutdown; the message is answered at the next start',
      );
      return undefined;
    }
    const tag = viaTag(reply);
    return tag === '' ? reply.text : `${reply.text}\n\n(${tag})`;
  }

  async #answer(entry: InboxEntry): Promise<void> {
    const { log, outbox, database, config } = this.#host;
    // The reply goes to the identity that was checked when the message came in (or to its group).
    const recipient = entry.groupId === null ? entry.sender : groupAddress(entry.groupId);
    const text = await this.#reply(entry, recipient);
    if (text === undefined) return;
    const replyKey = `reply:${entry.idempotencyKey}`;
    // At most limits.signalReplyParts messages now; the rest waits for "more".
    const { parts: capped, rest } = capParts(text, config.limits.signalReplyParts);
    const parts = database
      .transaction(() => {
        const queued = outbox.enqueueParts({
          idempotencyKey: replyKey,
          channel: 'signal',
          recipients: [recipient],
          text,
          parts: capped,
        });
        this.#inbox.markAnswered(entry.id, replyKey);
        this.#rests.keep(recipient, rest);
        return queued;
      })
      .immediate();
    this.#answered += 1;
    try {
      await outbox.deliverParts(parts);
    } catch (error) {
      log.warn({ key: replyKey }, `reply queued; Signal failed (${describeError(error)}); the outbox retries`);
    }
  }
}
