import { colorsFor, supportsColor } from '../../shared/colors.js';
import { openSteward } from '../bootstrap.js';
import { viaTag } from '../../channels/via.js';
import { ownerName } from './chat.js';

/**
 * `steward run "<text>"`: one turn. The reply goes to stdout (streamed);
 * errors and the "via" tag go to stderr. With `--json`, one JSON object
 * on stdout: `{ kind, data, notices }` for a list or report command that
 * has data (`habits`, `habit stats`, `goals`, `profile`), else `{ kind,
 * text, notices, via? }`. The work that follows a model turn (fact
 * extraction, embeddings) is left queued for the daemon or the next REPL,
 * so the process exits as soon as the reply is out.
 * @param text - the message
 * @param options - `json` for JSON output
 * @returns 0 when answered, 1 when the reply is an error (no model, unknown habit, ...)
 */
export async function runCommand(text: string, options: { json?: boolean } = {}): Promise<number> {
  const { steward } = await openSteward({ stderr: false });
  // Fact extraction and embeddings wait in their rows for the daemon or the next REPL: the process exits after the reply.
  steward.memory.deferBackground();
  const errorColors = colorsFor(process.stderr);
  const controller = new AbortController();
  const onInterrupt = (): void => controller.abort(new Error('cancelled'));
  process.once('SIGINT', onInterrupt);
  try {
    let streamed = false;
    if (options.json === true) {
      const reply = await steward.handle(
        { channel: 'cli', sender: ownerName(), text, receivedAt: new Date() },
        { signal: controller.signal, json: true },
      );
      const { data, ...rest } = reply;
      process.stdout.write(
        `${JSON.stringify(data === undefined ? rest : { ...rest, text: undefined, data }, null, 2)}\n`,
      );
      return reply.kind === 'error' ? 1 : reply.kind === 'cancelled' ? 130 : 0;
    }
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
