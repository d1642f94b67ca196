import type { OutboxEntry } from '../../channels/outbox.js';
import { SIGNAL_MESSAGE_LIMIT, splitMessage } from '../../channels/signal/transport.js';
import type { BriefingKind } from '../../plugins/api.js';
import { colorsFor } from '../../shared/colors.js';
import { DeliveryError, UserError } from '../../shared/errors.js';
import type { OwnerDeliveryResult } from '../../app/delivery.js';
import { briefingTopic } from '../../shared/messages.js';
import { openSteward } from '../bootstrap.js';

/** Say that the day's briefing went out before (or is on its way), and how. */
function alreadySent(kind: BriefingKind, day: string, other: OutboxEntry): number {
  const how =
    other.status === 'sent' ? `was sent already (${other.sentAt ?? other.createdAt})` : 'is on its way already';
  process.stdout.write(
    `The ${kind} briefing for ${day} ${how}, as ${other.idempotencyKey}: not sent again (--dry-run shows it).\n`,
  );
  return 0;
}

/**
 * `steward briefing morning|weekly [--dry-run]`: build a briefing now and
 * deliver it on Signal, or with --dry-run print exactly what would be sent.
 * A manual send is tried once, by this process: when it fails, or is
 * cancelled (Ctrl-C, SIGTERM) or killed, nothing sends it later. When a
 * briefing of that kind was sent already for the day, however it was sent,
 * it is not sent again.
 * @param kindText - `morning` or `weekly`
 * @param options - dry run or not
 * @returns 0 when delivered (or printed)
 * @throws UserError for an unknown kind; DeliveryError when the send fails
 */
export async function briefingCommand(kindText: string, options: { dryRun: boolean }): Promise<number> {
  if (kindText !== 'morning' && kindText !== 'weekly')
    throw new UserError(`Unknown briefing "${kindText}": use morning or weekly.`);
  const kind: BriefingKind = kindText;
  const { steward } = await openSteward({ stderr: false });
  try {
    // Before a model spends a minute on it: was today's sent already?
    const early = options.dryRun ? undefined : steward.outbox.topicTaken(briefingTopic(kind, steward.today()), '');
    if (early !== undefined) return alreadySent(kind, steward.today(), early);
    const briefing = await steward.composeBriefing(kind);
    if (options.dryRun) {
      process.stdout.write(briefing.text + '\n');
      const parts = splitMessage(briefing.text).length;
      const split = parts > 1 ? `; it would go as ${parts} messages of at most ${SIGNAL_MESSAGE_LIMIT} characters` : '';
      process.stderr.write(
        colorsFor(process.stderr).dim(`(dry run: not sent; written by ${briefing.writtenBy}${split})`) + '\n',
      );
      return 0;
    }
    const topic = briefingTopic(kind, briefing.day);
    const key = `${topic}:manual:${steward.clock.now().getTime()}`;
    // Ctrl-C (or SIGTERM) during the send: the message is given up at once, never sent later by the daemon.
    const cancel = (): void => {
      steward.cancelDelivery(key, 'cancelled by the owner during the send');
      process.stderr.write(`\nsteward: the ${kind} briefing was cancelled; nothing will send it later.\n`);
      steward.database.close();
      process.exit(130);
    };
    process.once('SIGINT', cancel);
    process.once('SIGTERM', cancel);
    let result: OwnerDeliveryResult;
    try {
      result = await steward.deliverToOwner({ idempotencyKey: key, text: briefing.text, topic }, { retry: false });
    } catch (error) {
      if (!(error instanceof DeliveryError)) throw error;
      throw new DeliveryError(
        `the ${kind} briefing was not sent: ${error.message}. Nothing is left queued: run the command again when Signal is up.`,
        { channel: 'signal', retryable: false },
        { cause: error },
      );
    } finally {
      process.removeListener('SIGINT', cancel);
      process.removeListener('SIGTERM', cancel);
    }
    if (result.takenBy !== undefined) return alreadySent(kind, briefing.day, result.takenBy);
    process.stdout.write(
      `Sent the ${kind} briefing to ${steward.config.signal.to.join(', ')} on Signal (written by ${briefing.writtenBy}).\n`,
    );
    return 0;
  } finally {
    await steward.close();
  }
}
