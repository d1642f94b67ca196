import { colorsFor, supportsColor } from '../../shared/colors.js';
import { openSteward } from '../bootstrap.js';
import { viaTag } from '../../channels/via.js';
import { ownerName } from './chat.js';

/**
 * `steward run "<text>"`: one turn. The reply goes to stdout (streamed);
 * errors and the "via" tag go to stderr. The work that follows a model turn
 * (fact extraction, embeddings) is left queued for the daemon or the next
 * REPL, so the process exits as soon as the reply is out.
 * @param text - the message
 * @returns 0 when answered, 1 when the reply is an error (no model, unknown habit, ...)
 */
export async function runCommand(text: string): Promise<number> {
  const { steward } = await openSteward({ stderr: false });
  // Fact extraction and embeddings wait in their rows for the daemon or the next REPL: the process exits after the reply.
  steward.memory.deferBackground();
  const errorColors = colorsFor(process.stderr);
  const controller = new AbortController();
  const onInterrupt = (): void => controller.abort(new Error('cancelled'));
  process.once('SIGINT', onInterrupt);
  try {
    let streamed = false;
    const reply = await steward.handle(
      { channel: 'cli', sender: ownerName(), text, receivedAt: new Date() },
      {
        signal: controller.signal,
        color: supportsColor(process.stdout),
        onToken: (token) => {
          streamed = true;
          process.stdout.write(token);
        },
        onNotice: (notice) => process.stderr.write(`\n${errorColors.yellow(`! ${notice}`)}\n`),
      },
    );
    if (reply.kind === 'error' || reply.kind === 'cancelled') {
      if (streamed) process.stdout.write('\n');
      process.stderr.write(`steward: ${reply.text}\n`);
      return reply.kind === 'cancelled' ? 130 : 1;
    }
    process.stdout.write(streamed ? '\n' : `${reply.text}\n`);
    const tag = viaTag(reply);
    if (tag !== '') process.stderr.write(errorColors.dim(tag) + '\n');
    return 0;
  } finally {
    process.removeListener('SIGINT', onInterrupt);
    await steward.close();
  }
}
