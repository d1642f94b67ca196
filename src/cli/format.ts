
import pc from 'picocolors';
import type { StatusReport } from '../app/steward.js';
import type { Reply } from '../channels/types.js';

/**
 * The one-line tag under a model reply: which provider answered, and why a
 * provider earlier in the chain did not (for example
 * `via openai-fast · local-fast: connection refused`). Empty for replies
 * from the first local provider.
 * @param reply - the reply
 */
export function viaTag(reply: Reply): string {
  if (reply.via === undefined) return '';
  const skipped = reply.via.fallbackFrom.map((attempt) => `${attempt.provider}: ${attempt.reason}`);
  if (reply.via.kind === 'local' && skipped.length === 0) return '';
  return [`via ${reply.via.provider}`, ...skipped].join(' · ');
}

function age(timestamp: number | null): string {
  if (timestamp === null) return 'never';
  const seconds = Math.max(0, Math.round((Date.now() - timestamp) / 1000));
  return seconds < 90 ? `${seconds}s ago` : `${Math.round(seconds / 60)}m ago`;
}

/**
 * The providers table of `/status` and `steward doctor`.
 * @param report - the status report
 * @returns a table, or a line saying no provider is configured
 */
export async function formatProviders(report: StatusReport): Promise<string> {
  const { default: Table } = await import('cli-table3');
  if (report.providers.length === 0) {
    return 'No model providers configured: set STEWARD_LOCAL_FAST_URL and/or OPENAI_API_KEY.';
  }
  const table = new Table({
    head: ['provider', 'tier', 'kind', 'model', 'breaker', 'probe', 'served', 'last error'],
    style: { head: [], border: [] },
  });
  for (const { provider, health } of report.providers) {
    const state = health.state === 'closed' ? pc.green('closed') : health.state === 'open' ? pc.red('open') : pc.dim('unknown');
    const probe = health.lastProbeLatencyMs === null ? age(health.lastProbeAt) : `${health.lastProbeLatencyMs} ms, ${age(health.lastProbeAt)}`;
    table.push([provider.id, provider.tier, provider.kind, provider.model ?? health.models[0] ?? '(server default)', state, probe, String(health.served), health.lastError ?? '']);
  }
  return table.toString();
}

/**
 * The whole `/status` text.
 * @param report - the status report
 */
export async function formatStatus(report: StatusReport): Promise<string> {
  const lines = [
    `database   ${report.databaseFile}`,
    `time zone  ${report.timeZone}`,
    `plugins    ${report.plugins.join(', ') || 'none'}`,
  ];
  for (const failure of report.pluginFailures) lines.push(pc.yellow(`           skipped ${failure.name}: ${failure.reason}`));
  lines.push(
    report.signal.missing === undefined
      ? `signal     ${report.signal.api} at ${report.signal.url ?? ''} → ${report.signal.to.join(', ')}`
      : `signal     off (${report.signal.missing})`,
  );
  lines.push('', await formatProviders(report));
  return lines.join('\n');
}
