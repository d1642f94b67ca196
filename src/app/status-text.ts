import { colorsFor, type Colors } from '../shared/colors.js';
import { plural } from '../shared/plural.js';
import type { StatusReport } from './status.js';

/**
 * The text of `/status` and `steward doctor`: the providers table, the
 * breaker states, the memory line (from a {@link StatusReport}).
 */

function age(timestamp: number | null, now: number): string {
  if (timestamp === null) return 'never';
  const seconds = Math.max(0, Math.round((now - timestamp) / 1000));
  if (seconds < 90) return `${seconds}s ago`;
  const minutes = Math.round(seconds / 60);
  return minutes < 90 ? `${minutes}m ago` : `${Math.round(minutes / 60)}h ago`;
}

/** One provider row of a {@link StatusReport}. */
type ProviderStatus = StatusReport['providers'][number];

/**
 * The breaker state in words, for example `open (retry in 25s)`.
 * @param entry - one provider of the status report
 * @param now - ms since epoch
 */
export function describeBreaker(entry: ProviderStatus, now: number): string {
  if (entry.disabled !== undefined) return 'off';
  const { health } = entry;
  if (health.state === 'open' && health.retryAt !== null)
    return `open (retry in ${Math.max(1, Math.ceil((health.retryAt - now) / 1000))}s)`;
  if (health.state === 'half-open') return 'half-open (probe on next use)';
  return health.state;
}

/**
 * The last error of a provider with its age: the one seen in this process,
 * else the latest one recorded in a turn (by any process).
 * @param entry - one provider of the status report
 * @param now - ms since epoch
 */
export function describeLastError(entry: ProviderStatus, now: number): string {
  if (entry.disabled !== undefined) return entry.disabled;
  if (entry.health.lastError !== null) return `${entry.health.lastError} (${age(entry.health.lastErrorAt, now)})`;
  if (entry.recordedFailure !== undefined)
    return `${entry.recordedFailure.reason} (${age(Date.parse(entry.recordedFailure.at), now)})`;
  return '';
}

/**
 * The providers table of `/status` and `steward doctor`: for each provider
 * its breaker state, the latency and age of the last probe, how many turns
 * and model requests it has served (all processes, from the stored turns),
 * and its last error.
 * @param report - the status report
 * @param pc - colour functions for the output (default: none)
 * @returns a table, or a line saying no provider is configured
 */
export async function formatProviders(report: StatusReport, pc: Colors = colorsFor(false)): Promise<string> {
  const now = report.generatedAt;
  const { default: Table } = await import('cli-table3');
  if (report.providers.length === 0) {
    return 'No model providers configured: set STEWARD_LOCAL_FAST_URL and/or OPENAI_API_KEY.';
  }
  const table = new Table({
    head: ['provider', 'tier', 'kind', 'model', 'breaker', 'last probe', 'served', 'last error'],
    style: { head: [], border: [] },
  });
  for (const entry of report.providers) {
    const { provider, health } = entry;
    const breaker = describeBreaker(entry, now);
    const colour =
      health.state === 'closed'
        ? pc.green
        : health.state === 'open'
          ? pc.red
          : health.state === 'half-open'
            ? pc.yellow
            : pc.dim;
    const probe =
      health.lastProbeLatencyMs === null
        ? age(health.lastProbeAt, now)
        : `${health.lastProbeLatencyMs} ms, ${age(health.lastProbeAt, now)}`;
    const served = `${entry.usage.requests} req / ${entry.usage.turns} turn${entry.usage.turns === 1 ? '' : 's'}`;
    table.push([
      provider.id,
      provider.tier,
      provider.kind,
      provider.model ?? (health.server?.choice.ok === true ? health.server.choice.model : '(not chosen)'),
      entry.disabled === undefined ? colour(breaker) : pc.dim(breaker),
      probe,
      served,
      describeLastError(entry, now),
    ]);
  }
  return table.toString();
}

/**
 * One line about memory: the embedder, vectors, the queue, re-embedding,
 * episodes and facts.
 * @param memory - the memory part of the status report
 */
export function describeMemory(memory: StatusReport['memory']): string {
  const vectors = memory.vectors.find((entry) => entry.model === memory.serving)?.count ?? 0;
  const parts = [`${memory.embedder.id} (${memory.embedder.kind})`, plural(vectors, 'vector')];
  if (memory.index !== undefined)
    // "index loading" or "index ready", and how its file was found when it was not simply loaded ("rebuilt").
    parts.push(
      `index ${memory.index.state}${memory.index.opened === undefined || memory.index.opened.how === 'loaded' ? '' : `, ${memory.index.opened.how}`}`,
    );
  if (memory.queue.pending > 0)
    parts.push(
      `${memory.queue.pending} to embed${memory.queue.stuck > 0 ? ` (${memory.queue.stuck} failing: steward memory embed --retry)` : ''}`,
    );
  if (memory.reembed !== undefined)
    parts.push(
      `re-embedding for the new model ${memory.reembed.done}/${memory.reembed.total}; ${memory.serving} serves recall until then`,
    );
  if (memory.conversion !== undefined)
    parts.push(`converting stored vectors to int8 ${memory.conversion.done}/${memory.conversion.total}`);
  parts.push(
    `${plural(memory.counts.episodes.model + memory.counts.episodes.heuristic, 'episode')}${memory.counts.episodes.heuristic > 0 ? ` (${memory.counts.episodes.heuristic} heuristic)` : ''}`,
    plural(memory.counts.facts, 'fact'),
  );
  if (memory.counts.pendingExtraction > 0)
    parts.push(`${plural(memory.counts.pendingExtraction, 'message')} waiting for fact extraction`);
  return parts.join('; ');
}

/**
 * The whole `/status` text.
 * @param report - the status report
 * @param pc - colour functions for the output (default: none)
 */
export async function formatStatus(report: StatusReport, pc: Colors = colorsFor(false)): Promise<string> {
  const lines = [
    `database   ${report.databaseFile}`,
    `time zone  ${report.timeZone}`,
    `plugins    ${report.plugins.join(', ') || 'none'}`,
  ];
  for (const failure of report.pluginFailures)
    lines.push(pc.yellow(`           skipped ${failure.name}: ${failure.reason}`));
  lines.push(
    report.signal.missing === undefined
      ? `signal     ${report.signal.api} at ${report.signal.url ?? ''} → ${report.signal.to.join(', ')}`
      : `signal     off (${report.signal.missing})`,
  );
  lines.push(`memory     ${describeMemory(report.memory)}`);
  lines.push('', await formatProviders(report, pc));
  return lines.join('\n');
}
