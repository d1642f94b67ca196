import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { resolveSession } from '../../app/history-text.js';
import { exportEverything } from '../../data/export-json.js';
import { conversationsMarkdown } from '../../data/markdown.js';
import { HistoryStore } from '../../memory/history.js';
import { UsageError } from '../../shared/errors.js';
import { openSteward } from '../bootstrap.js';

const USAGE = 'steward export [--format markdown|json|loop-csv] [--session <session>] [-o <path>]';

/**
 * `steward export`: conversations as Markdown (all, or one with
 * `--session`), everything as one versioned JSON document, or a plugin's
 * own format (the habits in Loop Habit Tracker's CSV layout: `--format
 * loop-csv -o <folder>`). To stdout, or to `--output`.
 * @param options - format, session, output path
 * @returns 0
 * @throws UsageError for an unknown format, `--session` with a format other than Markdown, or a folder format without `--output`
 */
export async function exportCommand(options: { format: string; session?: string; output?: string }): Promise<number> {
  const format = options.format.toLowerCase();
  if (options.session !== undefined && format !== 'markdown')
    throw new UsageError('--session goes with --format markdown.', USAGE);
  const { steward } = await openSteward({ stderr: false });
  try {
    let text: string;
    if (format === 'markdown' || format === 'md') {
      const history = new HistoryStore(steward.database);
      const ids =
        options.session !== undefined
          ? [resolveSession(history, options.session)]
          : history
              .sessions({ limit: Number.MAX_SAFE_INTEGER })
              .map((session) => session.id)
              .reverse();
      text = conversationsMarkdown(
        ids.flatMap((id) => {
          const session = history.session(id);
          return session === undefined ? [] : [{ session, messages: history.messages(id) }];
        }),
      );
    } else if (format === 'json') {
      const document = exportEverything({
        database: steward.database,
        plugins: steward.plugins,
        clock: steward.clock,
        timeZone: steward.timeZone,
      });
      text = `${JSON.stringify(document, null, 1)}\n`;
    } else {
      const writer = steward.plugins.active
        .flatMap(({ plugin, context }) => (plugin.data?.formats ?? []).map((entry) => ({ entry, context })))
        .find(({ entry }) => entry.name === format && entry.write !== undefined);
      if (writer?.entry.write === undefined) throw new UsageError(`Unknown export format "${options.format}".`, USAGE);
      if (options.output === undefined)
        throw new UsageError(`--format ${format} writes a folder of files: give it with -o <folder>.`, USAGE);
      const files = await writer.entry.write(resolve(options.output), writer.context);
      process.stdout.write(
        `Wrote ${files.length} files to ${resolve(options.output)} (${writer.entry.description}).\n`,
      );
      return 0;
    }
    if (options.output === undefined) process.stdout.write(text);
    else {
      writeFileSync(resolve(options.output), text);
      process.stderr.write(`Wrote ${resolve(options.output)}.\n`);
    }
    return 0;
  } finally {
    await steward.close();
  }
}
