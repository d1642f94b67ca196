import { plural } from '../../shared/plural.js';
import { formatDuration } from '../../scheduler/catch-up.js';
import { colorsFor } from '../../shared/colors.js';
import { openSteward } from '../bootstrap.js';
import { describeMemory } from '../../app/status-text.js';
import { describeDisk, describeIndex, describeVectors } from '../../app/memory-text.js';

/**
 * `steward memory [status] [--json]`: the embedder, the stored vectors (sizes,
 * format, the int8 conversion of an older database), the vector index
 * (opened, so that a missing or stale file is reported and rebuilt; its
 * state is shown as it is, `loading` while the HNSW graph loads), the disk
 * use, the embedding queue, re-embedding progress, episodes and facts.
 * @param options - `json` prints the status as JSON
 * @returns 0
 */
export async function memoryStatusCommand(options: { json?: boolean } = {}): Promise<number> {
  const { steward } = await openSteward({ stderr: false });
  try {
    // Registering this process's embedder queues a re-embedding after a change of model, so the queue counts it.
    await steward.memory.embeddingBacklog();
    const index = await steward.memory.index(steward.memory.status().serving);
    const status = steward.memory.status();
    if (options.json === true) {
      process.stdout.write(`${JSON.stringify(status, null, 2)}\n`);
      return 0;
    }
    const lines = [
      `embedder   ${status.embedder.id} (${status.embedder.kind})${status.serving === status.embedder.id ? '' : `; recall is served by ${status.serving} until re-embedding is done`}`,
      `vectors    ${describeVectors(status)}`,
      `index      ${describeIndex(status)}; ${index.size} vectors in ${index.file}`,
      `disk       ${describeDisk(status)}`,
      `stored     ${status.vectors.map((entry) => `${entry.model}: ${entry.count}`).join(', ') || 'no vectors yet'}`,
      `queue      ${status.queue.pending} to embed${status.queue.stuck > 0 ? `, ${status.queue.stuck} failing (steward memory embed --retry)` : ''}`,
      `memory     ${describeMemory(status)}`,
    ];
    if (status.reembed !== undefined)
      lines.push(`re-embed   ${status.reembed.done}/${plural(status.reembed.total, 'text')} for ${status.embedder.id}`);
    process.stdout.write(lines.join('\n') + '\n');
    return 0;
  } finally {
    await steward.close();
  }
}

/**
 * `steward memory embed [--retry]`: embed everything queued now, in the
 * foreground, with a progress bar on a terminal (after a change of
 * embedding model, or when the daemon is not running).
 * @param options - `retry`: also retry texts that failed 5 times
 * @returns 0 when the queue is empty afterwards, 1 when the embedder failed
 */
export async function memoryEmbedCommand(options: { retry?: boolean }): Promise<number> {
  const { steward } = await openSteward({ stderr: false });
  const controller = new AbortController();
  const onInterrupt = (): void => controller.abort(new Error('interrupted'));
  process.once('SIGINT', onInterrupt);
  const colors = colorsFor(process.stderr);
  try {
    const started = performance.now();
    const pending = await steward.memory.embeddingBacklog();
    if (pending === 0 && options.retry !== true) {
      process.stdout.write(`Nothing to embed: every memory has its vector (${steward.memory.embedder.id}).\n`);
      return 0;
    }
    let bar: { update(value: number, payload?: object): void; setTotal(total: number): void; stop(): void } | undefined;
    if (process.stderr.isTTY === true) {
      const { default: progress } = await import('cli-progress');
      const created = new progress.SingleBar(
        {
          format: `embedding [{bar}] {value}/{total} texts · {eta_formatted} left`,
          stream: process.stderr,
          hideCursor: true,
        },
        progress.Presets.shades_classic,
      );
      created.start(pending, 0);
      bar = created;
    }
    let lastLine = 0;
    const result = await steward.memory.embedPending({
      retry: options.retry === true,
      signal: controller.signal,
      onProgress: (done, total) => {
        if (bar !== undefined) {
          bar.setTotal(total);
          bar.update(done);
        } else if (performance.now() - lastLine > 2000 || done === total) {
          lastLine = performance.now();
          process.stderr.write(`embedded ${done}/${total}\n`);
        }
      },
    });
    bar?.stop();
    const left = steward.memory.status().queue.pending;
    const took = formatDuration(performance.now() - started);
    process.stdout.write(
      `Embedded ${plural(result.embedded, 'text')} (${result.reused} reused a stored vector, ${result.skipped} had nothing to embed) with ${steward.memory.embedder.id} in ${took}; ${left} left.\n`,
    );
    if (result.error !== undefined) {
      process.stderr.write(
        colors.yellow(`steward: stopped: ${result.error}. Nothing is lost: the rest stays queued.`) + '\n',
      );
      return 1;
    }
    return 0;
  } finally {
    process.removeListener('SIGINT', onInterrupt);
    await steward.close();
  }
}
