import { SIGNAL_MESSAGE_LIMIT, splitMessage } from '../../channels/signal/transport.js';
import type { BriefingKind } from '../../plugins/api.js';
import { colorsFor } from '../../shared/colors.js';
import { DeliveryError, UserError } from '../../shared/errors.js';
import { openSteward } from '../bootstrap.js';

/**
 * `steward briefing morning|weekly [--dry-run]`: build a briefing now and
 * deliver it on Signal, or with --dry-run print exactly what would be sent.
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
    const key = `briefing:${kind}:${briefing.day}:manual:${steward.clock.now().getTime()}`;
    try {
      await steward.deliverToOwner({ idempotencyKey: key, text: briefing.text }, { retry: false });
    } catch (error) {
      if (!(error instanceof DeliveryError)) throw error;
      throw new DeliveryError(
        `the ${kind} briefing was not sent: ${error.message}. Nothing is left queued: run the command again when Signal is up.`,
        { channel: 'signal', retryable: false },
        { cause: error },
      );
    }
    process.stdout.write(
      `Sent the ${kind} briefing to ${steward.config.signal.to.join(', ')} on Signal (written by ${briefing.writtenBy}).\n`,
    );
    return 0;
  } finally {
    await steward.close();
  }
}
