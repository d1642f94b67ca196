import { importPath, type ImportReport } from '../../data/import.js';
import type { DataProgress } from '../../plugins/api.js';
import { colorsFor } from '../../shared/colors.js';
import { openSteward } from '../bootstrap.js';

/** A progress display on stderr: a bar on a terminal, a line every 2 s otherwise. */
interface Progress {
  update: DataProgress;
  stop(): void;
}

async function progressOn(label: string): Promise<Progress> {
  if (process.stderr.isTTY === true) {
    const { default: progress } = await import('cli-progress');
    const bar = new progress.SingleBar(
      { format: `${label} [{bar}] {value}/{total} · {eta_formatted} left`, stream: process.stderr, hideCursor: true },
      progress.Presets.shades_classic,
    );
    let started = false;
    return {
      update: (done, total) => {
        if (!started) {
          bar.start(total, done);
          started = true;
        } else {
          bar.setTotal(total);
          bar.update(done);
        }
      },
      stop: () => {
        if (started) bar.stop();
      },
    };
  }
  // Off a terminal: a line every 2 s, only for imports that take that long.
  let last = performance.now();
  return {
    update: (done, total) => {
      if (performance.now() - last < 2000) return;
      last = performance.now();
      process.stderr.write(`${label} ${done}/${total}\n`);
    },
    stop: () => undefined,
  };
}

const KIND_WORDS: Record<string, string> = {
  checkIns: 'check-ins',
  factAudit: 'fact history entries',
  progress: 'progress entries',
};

function describeAdded(report: ImportReport): string {
  const parts = Object.entries(report.added)
    .filter(([, count]) => count > 0)
    .map(([kind, count]) => `${count} ${KIND_WORDS[kind] ?? kind.replace(/([A-Z])/g, ' $1').toLowerCase()}`);
  if (parts.length === 0) return `Nothing new in ${report.file} (${report.format}): it was imported before.`;
  const skipped = report.skipped > 0 ? `; ${report.skipped} conversations were there already` : '';
  return `Imported ${report.file} (${report.format}): ${parts.join(', ')}${skipped}.`;
}

/**
 * `steward import <path> [--format F] [--no-embed] [--json]`: read a file
 * or folder whole, write it in one transaction, say what was added; then
 * embed the new memories with a progress bar (Ctrl-C leaves the rest
 * queued for the daemon).
 * @param path - the file or folder
 * @param options - format, whether to embed now, JSON output
 * @returns 0; 1 when the embedder stopped (what was imported stays)
 * @throws DataFileError naming the line or field of a file it cannot read (nothing is written); UsageError for an unknown format
 */
export async function importCommand(
  path: string,
  options: { format?: string; embed: boolean; json?: boolean },
): Promise<number> {
  const { steward } = await openSteward({ stderr: false });
  const colors = colorsFor(process.stderr);
  try {
    const progress = await progressOn('importing');
    let report: ImportReport;
    try {
      report = await importPath(steward, path, { format: options.format, onProgress: progress.update });
    } finally {
      progress.stop();
    }
    let embedded: { embedded: number; error?: string | undefined } | undefined;
    const pending = steward.memory.status().queue.pending;
    if (options.embed && pending > 0) {
      const bar = await progressOn('embedding');
      const controller = new AbortController();
      const onInterrupt = (): void => controller.abort(new Error('interrupted'));
      process.once('SIGINT', onInterrupt);
      try {
        const result = await steward.memory.embedPending({ signal: controller.signal, onProgress: bar.update });
        embedded = { embedded: result.embedded, error: result.error };
      } finally {
        bar.stop();
        process.removeListener('SIGINT', onInterrupt);
      }
    }
    if (options.json === true) {
      process.stdout.write(`${JSON.stringify({ ...report, embedded: embedded?.embedded ?? 0 }, null, 2)}\n`);
    } else {
      process.stdout.write(`${describeAdded(report)}\n`);
      for (const warning of report.warnings) process.stderr.write(colors.yellow(`! ${warning}`) + '\n');
      if (embedded !== undefined) process.stdout.write(`Embedded ${embedded.embedded} memories for recall.\n`);
    }
    if (embedded?.error !== undefined) {
      process.stderr.write(
        colors.yellow(`steward: embedding stopped: ${embedded.error}. The import is kept; the rest stays queued.`) +
          '\n',
      );
      return 1;
    }
    return 0;
  } finally {
    await steward.close();
  }
}
