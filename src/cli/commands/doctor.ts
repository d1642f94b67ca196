import type { Steward } from '../../app/steward.js';
import { daemonHealth } from '../../daemon/health.js';
import { applyMigrations, readCoreMigrations } from '../../memory/migrations.js';
import { colorsFor } from '../../shared/colors.js';
import { FailedEvents } from '../../channels/index.js';
import { isReadOnlyDatabase } from '../../shared/database.js';
import { describeError } from '../../shared/errors.js';
import { detectReceiveMode } from '../../channels/signal/receive-mode.js';
import { RestSignalTransport } from '../../channels/signal/rest.js';
import type { SignalTransport } from '../../channels/signal/transport.js';
import { openSteward } from '../bootstrap.js';
import { describeMemory } from '../../app/status-text.js';
import { checkModels, type DoctorCheck } from './doctor-models.js';

export type { DoctorCheck } from './doctor-models.js';

async function checkEmbeddings(steward: Steward): Promise<DoctorCheck> {
  const embedder = steward.memory.embedder;
  if (embedder.kind === 'offline')
    return {
      name: 'embeddings',
      status: 'ok',
      detail: `offline hashing embedder ${embedder.id} (no server needed); set STEWARD_EMBEDDINGS_URL for a real model`,
    };
  const started = performance.now();
  try {
    const [vector] = await embedder.embed(['steward doctor'], {
      signal: AbortSignal.timeout(Math.max(steward.config.models.health.timeoutMs, 5000)),
    });
    return {
      name: 'embeddings',
      status: 'ok',
      detail: `${embedder.id} answered in ${Math.round(performance.now() - started)} ms (${vector?.length ?? 0} dimensions)`,
    };
  } catch (error) {
    const where = embedder.kind === 'cloud' ? 'OpenAI' : (steward.config.embeddings.url ?? '');
    return {
      name: 'embeddings',
      status: 'fail',
      detail: `${embedder.id} at ${where} failed (${describeError(error)}): start it, fix the URL or model, or unset STEWARD_EMBEDDINGS_URL; texts wait in the queue meanwhile`,
    };
  }
}

function checkMemory(steward: Steward): DoctorCheck {
  const memory = steward.memory.status();
  const detail = describeMemory(memory);
  if (memory.queue.stuck > 0) return { name: 'memory', status: 'warn', detail };
  return { name: 'memory', status: 'ok', detail };
}

async function checkSignal(steward: Steward): Promise<DoctorCheck[]> {
  const missing = steward.status().signal.missing;
  if (missing !== undefined)
    return [{ name: 'signal', status: 'warn', detail: `${missing}; briefings cannot be delivered` }];
  const transport = steward.signalTransport;
  if (transport === undefined) return [{ name: 'signal', status: 'warn', detail: 'Signal is off' }];
  const health = await transport.check();
  const checks: DoctorCheck[] = [
    health.ok
      ? { name: 'signal', status: 'ok', detail: `${health.detail}; owner ${steward.config.signal.to.join(', ')}` }
      : {
          name: 'signal',
          status: 'fail',
          detail: `${health.detail}${health.detail.includes('421') ? '' : ': is signal-cli running with --http?'}`,
        },
  ];
  if (health.ok && steward.config.signal.receive.enabled) checks.push(await checkSignalReceive(steward, transport));
  return checks;
}

const RECEIVE_FIX =
  'restart it with --receive-mode on-connection ("steward service install --signal-cli" prints a unit that does)';

/**
 * Whether messages that arrive while steward is not connected wait for it:
 * signal-cli must receive only while a client is connected
 * (`--receive-mode on-connection`), read from its command line; the REST API
 * must not be in json-rpc mode, whose daemon receives from the start.
 */
async function checkSignalReceive(steward: Steward, transport: SignalTransport): Promise<DoctorCheck> {
  const name = 'signal receive';
  const url = steward.config.signal.url ?? '';
  if (transport instanceof RestSignalTransport) {
    const mode = await transport.mode();
    if (mode === 'json-rpc')
      return {
        name,
        status: 'warn',
        detail:
          'signal-cli-rest-api runs with MODE=json-rpc: its daemon receives from the start, so messages that arrive while steward is not connected are dropped; with MODE=native (or normal) steward polls /v1/receive and the Signal server keeps them between calls',
      };
    if (mode === 'normal' || mode === 'native')
      return {
        name,
        status: 'ok',
        detail: `signal-cli-rest-api runs with MODE=${mode}: steward polls /v1/receive, and the Signal server keeps messages between calls`,
      };
    return { name, status: 'warn', detail: `${url}/v1/about does not say the REST API's mode` };
  }
  const finding = await detectReceiveMode(url);
  if (!finding.found)
    return {
      name,
      status: 'warn',
      detail: `${finding.reason}: make sure it runs with --receive-mode on-connection, or messages that arrive while steward is not connected are lost (see docs/servers.md)`,
    };
  if (finding.mode === 'on-start')
    return {
      name,
      status: 'warn',
      detail: `signal-cli receives from the start (--receive-mode on-start, its default), so messages that arrive while steward is not connected are lost: ${RECEIVE_FIX}`,
    };
  return {
    name,
    status: 'ok',
    detail: `signal-cli receives only while steward is connected (--receive-mode ${finding.mode}): the Signal server keeps messages meanwhile`,
  };
}

function checkDaemon(steward: Steward): DoctorCheck {
  const report = daemonHealth(steward.database, steward.clock, steward.config.daemon.lockStaleMs);
  if (report.status === 'ok') return { name: 'daemon', status: 'ok', detail: report.summary };
  if (report.status === 'degraded')
    return { name: 'daemon', status: 'warn', detail: `${report.summary}; ${report.problems.join('; ')}` };
  return {
    name: 'daemon',
    status: 'warn',
    detail: `${report.summary}; briefings and Signal replies need it (see "steward service install")`,
  };
}

function checkDatabase(steward: Steward): DoctorCheck {
  try {
    const pending = applyMigrations(steward.database, readCoreMigrations());
    const integrity = steward.database.pragma('quick_check', { simple: true });
    const mode = steward.database.pragma('journal_mode', { simple: true });
    if (integrity !== 'ok')
      return { name: 'database', status: 'fail', detail: `integrity check: ${String(integrity)}` };
    const readOnly = writeProblem(steward);
    if (readOnly !== undefined)
      return {
        name: 'database',
        status: 'fail',
        detail: `${steward.status().databaseFile} cannot be written (${readOnly}): make the file and its folder writable; until then only reading works`,
      };
    return {
      name: 'database',
      status: 'ok',
      detail: `${steward.status().databaseFile} (${String(mode)}, migrations current${pending.length > 0 ? `, applied ${pending.join(', ')}` : ''})`,
    };
  } catch (error) {
    return { name: 'database', status: 'fail', detail: describeError(error) };
  }
}

/**
 * Why the database cannot take a write, or undefined when it can. A real
 * write is tried and rolled back: on a write-protected file in WAL mode
 * `BEGIN IMMEDIATE` still succeeds (its lock lives in the -shm file), and
 * only writing a page fails.
 */
function writeProblem(steward: Steward): string | undefined {
  const { database } = steward;
  const rollBack = new Error('roll back the probe');
  try {
    database
      .transaction(() => {
        const version = Number(database.pragma('user_version', { simple: true }));
        database.pragma(`user_version = ${version}`);
        throw rollBack;
      })
      .immediate();
  } catch (error) {
    if (error === rollBack) return undefined;
    if (isReadOnlyDatabase(error)) return (error as { code: string }).code;
    // Busy (another process writes) is not a fault of the file.
    if (String((error as { code?: unknown }).code).startsWith('SQLITE_BUSY')) return undefined;
    throw error;
  }
  return undefined;
}

/** Receive events that failed in the last 7 days, with the latest reasons (see `FailedEvents`). */
function checkFailedEvents(steward: Steward): DoctorCheck {
  const failed = new FailedEvents(steward.database, steward.clock);
  const since = new Date(steward.clock.now().getTime() - 7 * 24 * 3_600_000);
  const count = failed.countSince(since);
  if (count === 0) return { name: 'signal events', status: 'ok', detail: 'no failed events in the last 7 days' };
  const latest = failed
    .recent(3)
    .map((event) => `${event.lastAt} ${event.reason}${event.count > 1 ? ` (${event.count} times)` : ''}`)
    .join('; ');
  return {
    name: 'signal events',
    status: 'warn',
    detail: `${count} failed event${count === 1 ? '' : 's'} in the last 7 days, skipped (receiving went on); latest: ${latest}`,
  };
}

/**
 * Run every check.
 * @param steward - the open assistant
 * @returns the checks in display order
 */
export async function runDoctorChecks(steward: Steward): Promise<DoctorCheck[]> {
  const plugins = steward.plugins;
  const pluginChecks: DoctorCheck[] = [
    { name: 'plugins', status: 'ok', detail: plugins.active.map((entry) => entry.plugin.name).join(', ') || 'none' },
    ...plugins.failures.map((failure): DoctorCheck => ({
      name: `plugin ${failure.name}`,
      status: 'fail',
      detail: failure.reason,
    })),
  ];
  return [
    { name: 'config', status: 'ok', detail: `valid; time zone ${steward.timeZone}` },
    ...plugins.deprecations.map((notice): DoctorCheck => ({ name: 'config', status: 'warn', detail: notice })),
    checkDatabase(steward),
    ...pluginChecks,
    ...(await checkModels(steward)),
    await checkEmbeddings(steward),
    checkMemory(steward),
    ...(await checkSignal(steward)),
    checkFailedEvents(steward),
    checkDaemon(steward),
  ];
}

/**
 * `steward doctor`: every part, each OK or what to fix.
 * @returns 0 when nothing failed, 1 otherwise
 */
export async function doctorCommand(options: { json?: boolean } = {}): Promise<number> {
  const { steward } = await openSteward({ stderr: false });
  try {
    const checks = await runDoctorChecks(steward);
    const failed = checks.filter((check) => check.status === 'fail').length;
    if (options.json === true) {
      process.stdout.write(`${JSON.stringify({ ok: failed === 0, failed, checks }, null, 2)}\n`);
      return failed === 0 ? 0 : 1;
    }
    const pc = colorsFor(process.stdout);
    const marks = { ok: pc.green('ok  '), warn: pc.yellow('warn'), fail: pc.red('FAIL') };
    for (const check of checks)
      process.stdout.write(`${marks[check.status]}  ${check.name.padEnd(20)} ${check.detail}\n`);
    process.stdout.write(
      failed === 0 ? pc.green('\nAll good.\n') : pc.red(`\n${failed} problem${failed === 1 ? '' : 's'} to fix.\n`),
    );
    return failed === 0 ? 0 : 1;
  } finally {
    await steward.close();
  }
}
