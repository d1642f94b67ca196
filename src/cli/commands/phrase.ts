import { formatTopicHelp } from '../../app/builtins.js';
import { editDistance } from '../../shared/edit-distance.js';
import { colorsFor, supportsColor } from '../../shared/colors.js';
import { openSteward } from '../bootstrap.js';
import { ownerName } from './chat.js';

/**
 * `steward <command phrase>`: a plugin command on the command line, as in
 * the REPL (`steward check in meditation`, `steward habits`, `steward help
 * goals`). Only commands run here, never the model (that is `steward run`):
 * a word that is no command is a usage error, with the command it was
 * probably meant to be.
 * @param words - the operands
 * @param subcommands - the CLI's own subcommands, for "did you mean" on a typo of one (`steward doctr`)
 * @returns 0 when the command ran, 1 when it reported the owner's mistake (an unknown habit), 2 for a usage error
 */
export async function phraseCommand(words: readonly string[], subcommands: readonly string[]): Promise<number> {
  const text = words.join(' ');
  const { steward } = await openSteward({ stderr: false });
  const errors = colorsFor(process.stderr);
  try {
    const grammar = steward.plugins.commands;
    const columns = process.stdout.isTTY === true && process.stdout.columns > 0 ? process.stdout.columns : undefined;
    const topic = /^(?:help|commands)\s+(.+)$/i.exec(text)?.[1];
    if (topic !== undefined) {
      const help = await formatTopicHelp(grammar.list(), topic.toLowerCase(), columns);
      if (help !== undefined) {
        process.stdout.write(`${help}\n`);
        return 0;
      }
      // "help me with ..." is no help topic: it is for the model.
      process.stderr.write(`steward: "${text}" is not a command; to ask the model, use: steward run "${text}"\n`);
      return 2;
    }
    if (grammar.match(text) !== undefined) {
      const reply = await steward.handle(
        { channel: 'cli', sender: ownerName(), text, receivedAt: new Date() },
        { color: supportsColor(process.stdout), ...(columns === undefined ? {} : { columns }) },
      );
      if (reply.kind === 'command') {
        process.stdout.write(`${reply.text}\n`);
        return 0;
      }
      process.stderr.write(`steward: ${errors.yellow(reply.text)}\n`);
      return /\nusage: /.test(reply.text) ? 2 : 1;
    }
    const suggestion = grammar.suggest(text);
    const first = words[0] ?? '';
    const closest = subcommands
      .map((name) => ({ name, far: editDistance(name, first.toLowerCase(), 2) }))
      .sort((left, right) => left.far - right.far)[0];
    const hint =
      suggestion !== undefined
        ? ` (did you mean "steward ${suggestion}"?)`
        : closest !== undefined && closest.far <= 2
          ? ` (did you mean "steward ${closest.name}"?)`
          : `; to ask the model, use: steward run "${text}"`;
    process.stderr.write(`steward: unknown command '${first}'${hint}\n`);
    return 2;
  } finally {
    await steward.close();
  }
}
