import {
  loadConfigWithSources,
  readUserConfig,
  sourceOfKey,
  userConfigFileOf,
  writeUserConfig,
  type ExplainedConfig,
} from '../../config/index.js';
import {
  applyChoices,
  checkChat,
  checkEmbeddings,
  choicesOf,
  decideAll,
  describeChoice,
  findSignal,
  isFound,
  normaliseServerUrl,
  probeServer,
  proposeChoices,
  sendTestMessage,
  SOFTWARE_NAMES,
  USUAL_SERVERS,
  USUAL_SIGNAL_URLS,
  type ChoiceFlags,
  type FoundServer,
  type FoundSignal,
  type MissingServer,
  type Proposal,
  type SetupChoices,
} from '../../setup/index.js';
import { colorsFor } from '../../shared/colors.js';
import { ConfigError } from '../../shared/errors.js';

/** Options of `steward init`. */
export interface InitOptions extends ChoiceFlags {
  /** Take the proposals without asking. */
  yes?: boolean;
  /** More server URLs to probe. */
  url?: string[];
  /** Probe the usual local ports (default true; `--no-scan`). */
  scan?: boolean;
  /** Check each choice with one request (default true; `--no-check`). */
  check?: boolean;
  /** Send a Signal test message. */
  sendTest?: boolean;
  /** Show what would change, write nothing. */
  dryRun?: boolean;
}

/** Timeout of each probe request, in ms: a local server answers in a few ms. */
const PROBE_TIMEOUT_MS = 1500;
/** Timeout of each check request, in ms: the first request may load the model. */
const CHECK_TIMEOUT_MS = 120_000;

const out = (line = ''): void => {
  process.stdout.write(`${line}\n`);
};

function describeServer(server: FoundServer): string[] {
  const lines = [
    `${SOFTWARE_NAMES[server.software]} at ${server.baseUrl}${server.note === undefined ? '' : ` (${server.note})`}`,
  ];
  if (server.models.length === 0) lines.push('    no models');
  for (const model of server.models.slice(0, 20)) {
    const facts = [
      model.size > 0 ? `${model.size >= 1 ? model.size.toFixed(1) : model.size.toFixed(2)}B` : '',
      model.loaded === true ? 'loaded' : '',
    ]
      .filter((fact) => fact !== '')
      .join(', ');
    const kind = model.kind === 'unknown' ? '?' : model.kindFrom === 'name' ? `${model.kind}?` : model.kind;
    lines.push(`    ${kind.padEnd(10)} ${model.id}${facts === '' ? '' : ` (${facts})`}`);
  }
  if (server.models.length > 20) lines.push(`    ... and ${server.models.length - 20} more`);
  return lines;
}

/** Load the configuration in effect; a broken user config file is reported and read as empty. */
function loadCurrent(path: string): { explained: ExplainedConfig; user: Record<string, unknown> } {
  try {
    return { explained: loadConfigWithSources(), user: readUserConfig(path) };
  } catch (error) {
    if (!(error instanceof ConfigError) || !error.source.startsWith('user config')) throw error;
    out(`${error.message}\nThat file is set aside: init writes a new one from your answers.`);
    return { explained: loadConfigWithSources({ userConfig: {} }), user: {} };
  }
}

async function discover(
  options: InitOptions,
  current: SetupChoices,
): Promise<{ servers: FoundServer[]; missing: MissingServer[]; scannedEmpty: string[] }> {
  const asked = [
    ...(options.url ?? []),
    ...[options.fastUrl, options.qualityUrl, options.embeddingsUrl].filter(
      (url): url is string => url !== undefined && !/^(none|off|-)$/i.test(url),
    ),
    ...[current.fast, current.quality, current.embeddings].flatMap((choice) =>
      choice === null ? [] : [choice.baseUrl],
    ),
  ];
  const scanned = options.scan === false ? [] : USUAL_SERVERS.map((entry) => entry.url);
  const urls = [...new Set([...asked, ...scanned].map((url) => normaliseServerUrl(url).baseUrl))];
  const askedSet = new Set(asked.map((url) => normaliseServerUrl(url).baseUrl));
  const probes = await Promise.all(urls.map((url) => probeServer(url, { timeoutMs: PROBE_TIMEOUT_MS })));
  const servers = probes.filter(isFound);
  const notFound = probes.filter((probe): probe is MissingServer => !isFound(probe));
  return {
    servers,
    missing: notFound.filter((probe) => askedSet.has(probe.baseUrl)),
    scannedEmpty: notFound.filter((probe) => !askedSet.has(probe.baseUrl)).map((probe) => probe.baseUrl),
  };
}

async function checkChoices(choices: SetupChoices): Promise<boolean> {
  let allOk = true;
  const pc = colorsFor(process.stdout);
  const report = (label: string, result: Awaited<ReturnType<typeof checkChat>>): void => {
    if (result.ok) out(`  ${pc.green('ok')}    ${label}: ${result.detail}`);
    else {
      allOk = false;
      out(`  ${pc.red('FAIL')}  ${label}: ${result.reason}`);
    }
  };
  const checked = new Map<string, Awaited<ReturnType<typeof checkChat>>>();
  for (const slot of ['fast', 'quality'] as const) {
    const choice = choices[slot];
    if (choice === null) continue;
    const key = JSON.stringify(choice);
    const result = checked.get(key) ?? (await checkChat(choice, { timeoutMs: CHECK_TIMEOUT_MS }));
    checked.set(key, result);
    report(`${slot} tier, ${describeChoice(choice)}`, result);
  }
  if (choices.embeddings !== null)
    report(
      `embedder, ${describeChoice(choices.embeddings)}`,
      await checkEmbeddings(choices.embeddings, { timeoutMs: CHECK_TIMEOUT_MS }),
    );
  return allOk;
}

function showCurrent(current: SetupChoices, explained: ExplainedConfig): void {
  const set = (['fast', 'quality', 'embeddings'] as const).filter((slot) => current[slot] !== null);
  if (set.length === 0 && current.signal === null) return;
  out('Current choices:');
  const from = (key: string): string => ` (from ${sourceOfKey(key, explained.sources)})`;
  if (current.fast !== null) out(`  fast tier   ${describeChoice(current.fast)}${from('models.local.fast.baseUrl')}`);
  if (current.quality !== null)
    out(`  quality     ${describeChoice(current.quality)}${from('models.local.quality.baseUrl')}`);
  if (current.embeddings !== null) out(`  embedder    ${describeChoice(current.embeddings)}${from('embeddings.url')}`);
  if (current.signal !== null)
    out(
      `  signal      ${current.signal.api} at ${current.signal.url} → ${current.signal.to.join(', ')}${from('signal.url')}`,
    );
  out();
}

function showFound(
  found: { servers: FoundServer[]; missing: MissingServer[]; scannedEmpty: string[] },
  signal: FoundSignal | undefined,
): void {
  for (const server of found.servers) for (const line of describeServer(server)) out(line);
  for (const missing of found.missing) out(`Nothing usable at ${missing.baseUrl}: ${missing.reason}`);
  if (found.scannedEmpty.length > 0)
    out(
      `No model server on ${found.scannedEmpty.map((url) => url.replace(/^http:\/\/127\.0\.0\.1/, '').replace(/\/v1$/, '')).join(', ')}.`,
    );
  if (found.servers.length === 0)
    out(
      'No local model server found. Start one (see docs/models.md) and run "steward init" again, or give its URL with --url.',
    );
  out(signal === undefined ? 'No signal-cli found (see docs/signal.md).' : `Signal: ${signal.detail} at ${signal.url}`);
  out();
}

/**
 * `steward init`: find the local model servers and signal-cli, propose the
 * fast and quality tiers and the embedder, check each with one request,
 * and write the user config file. Interactive on a terminal; with `--yes`
 * (or without a terminal) it takes flags, what is set now, then the
 * proposals, in that order.
 * @param options - the flags
 * @returns 0 when every check passed, 1 when one failed (the choices are written all the same)
 * @throws ConfigError when the choices make an invalid configuration (nothing is written)
 */
export async function initCommand(options: InitOptions): Promise<number> {
  const path = userConfigFileOf();
  if (path === null)
    throw new ConfigError('config error: no user config folder: set HOME or XDG_CONFIG_HOME', {
      key: 'HOME',
      source: 'environment',
    });
  const { explained, user } = loadCurrent(path);
  const current = choicesOf(explained.config);
  showCurrent(current, explained);

  const found = await discover(options, current);
  const signalUrls =
    options.signalUrl !== undefined
      ? [options.signalUrl]
      : current.signal !== null
        ? [current.signal.url]
        : options.scan === false
          ? []
          : USUAL_SIGNAL_URLS;
  const signal = /^(none|off|-)$/i.test(options.signalUrl ?? '')
    ? undefined
    : await findSignal(signalUrls, PROBE_TIMEOUT_MS);
  showFound(found, signal);
  const proposal: Proposal = proposeChoices(found.servers);

  const interactive = options.yes !== true && process.stdin.isTTY === true && process.stdout.isTTY === true;
  let sendTest = options.sendTest === true;
  let chosen: SetupChoices;
  if (interactive) {
    const { askChoices } = await import('./init-prompts.js');
    const answers = await askChoices({ current, proposal, servers: found.servers, signal, flags: options });
    chosen = answers.choices;
    sendTest ||= answers.sendTest;
  } else {
    chosen = decideAll(options, current, { servers: found.servers, proposal, signal });
  }

  out('Choices:');
  out(`  fast tier   ${describeChoice(chosen.fast)}`);
  out(
    `  quality     ${chosen.quality === null && chosen.fast !== null ? 'none (the fast tier answers quality turns too)' : describeChoice(chosen.quality)}`,
  );
  out(
    `  embedder    ${chosen.embeddings === null ? 'the offline embedder (no server)' : describeChoice(chosen.embeddings)}`,
  );
  out(
    `  signal      ${chosen.signal === null ? 'off' : `${chosen.signal.api} at ${chosen.signal.url} → ${chosen.signal.to.join(', ')}`}`,
  );
  let ok = true;
  if (options.check !== false && (chosen.fast ?? chosen.quality ?? chosen.embeddings) !== null) {
    out('Checking each with one request:');
    ok = await checkChoices(chosen);
  }

  const { user: next, changed } = applyChoices(user, current, chosen);
  loadConfigWithSources({ userConfig: next }); // throws a ConfigError naming the key: nothing is written
  if (changed.length === 0) out(`Nothing changed in ${path}.`);
  else if (options.dryRun === true) out(`Would write ${path}:`);
  else {
    writeUserConfig(path, next);
    out(`Wrote ${path}:`);
  }
  for (const change of changed)
    out(`  ${change.key}: ${JSON.stringify(change.before)} → ${JSON.stringify(change.after)}`);

  if (sendTest) {
    if (chosen.signal === null) {
      out('No Signal test message: Signal is not set up (give --signal-url and --signal-to).');
      ok = false;
    } else {
      const sent = await sendTestMessage(chosen.signal, explained.config.signal.timeoutMs);
      out(
        sent.ok
          ? `Sent a test message to ${chosen.signal.to.join(', ')}.`
          : `The Signal test message failed: ${sent.reason}`,
      );
      ok &&= sent.ok;
    }
  }
  out();
  out('Next: "steward doctor" checks everything; "steward" opens the REPL.');
  return ok ? 0 : 1;
}
