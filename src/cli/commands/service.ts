import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { loadConfig, ENVIRONMENT_KEYS } from '../../config/load.js';
import {
  launchdPlist,
  systemdUnit,
  type ServiceManager,
  type ServiceSpec,
  type ServiceUnit,
} from '../../daemon/service.js';
import { signalCliLaunchdPlist, signalCliSystemdUnit } from '../../daemon/signal-cli-service.js';
import type { StewardConfig } from '../../config/schema.js';
import { colorsFor } from '../../shared/colors.js';
import { UserError } from '../../shared/errors.js';
import { packageRoot } from '../../shared/paths.js';

/** Variables of the contract that hold secrets: never written into a unit. */
const SECRET_VARIABLES = new Set(['OPENAI_API_KEY', 'STEWARD_LOCAL_FAST_API_KEY', 'STEWARD_LOCAL_QUALITY_API_KEY']);

/** Options of {@link serviceInstallCommand}. */
export interface ServiceInstallOptions {
  /** Force systemd (default on Linux and others). */
  systemd?: boolean;
  /** Force launchd (default on macOS). */
  launchd?: boolean;
  /** Write the file (never done without this flag). */
  write?: boolean;
  /** Overwrite a different existing file. */
  force?: boolean;
  /** The unit of signal-cli's HTTP daemon, as steward needs it, instead of steward's. */
  signalCli?: boolean;
}

/**
 * The environment the unit sets: the contract's variables as they are set
 * now (paths made absolute, secrets left out), with the data directory
 * always spelled out so the service uses the same database.
 * @param dataDir - the resolved data directory
 * @returns the variables, and the secret ones that were left out
 */
function serviceEnvironment(dataDir: string): { environment: Record<string, string>; leftOut: string[] } {
  const environment: Record<string, string> = {};
  const leftOut: string[] = [];
  for (const { variable } of ENVIRONMENT_KEYS) {
    const value = process.env[variable];
    if (value === undefined || value.trim() === '') continue;
    if (SECRET_VARIABLES.has(variable)) {
      leftOut.push(variable);
      continue;
    }
    environment[variable] = value;
  }
  const extraConfig = process.env.STEWARD_CONFIG;
  if (extraConfig !== undefined && extraConfig.trim() !== '')
    environment.STEWARD_CONFIG = isAbsolute(extraConfig) ? extraConfig : resolve(extraConfig);
  environment.STEWARD_DATA_DIR = dataDir;
  return { environment, leftOut };
}

/**
 * `steward service install [--systemd | --launchd] [--write [--force]]`:
 * print a systemd user unit or a launchd agent that runs `steward daemon`,
 * with the commands to install, check and remove it. The unit goes to
 * stdout (so it can be redirected into place), the instructions to stderr.
 * Nothing is installed: with --write the file is written where it belongs,
 * and the commands that enable it are printed, not run.
 * @param options - which manager, and whether to write the file
 * @returns 0
 * @throws UserError for both --systemd and --launchd, or when --write would overwrite a different file without --force
 */
export function serviceInstallCommand(options: ServiceInstallOptions): number {
  if (options.systemd === true && options.launchd === true)
    throw new UserError('Choose one of --systemd and --launchd.');
  const manager: ServiceManager =
    options.launchd === true
      ? 'launchd'
      : options.systemd === true
        ? 'systemd'
        : process.platform === 'darwin'
          ? 'launchd'
          : 'systemd';
  const config = loadConfig();
  if (options.signalCli === true) return writeOrPrint(signalCliUnit(config, manager), manager, [], options);
  const { environment, leftOut } = serviceEnvironment(config.dataDir);
  const spec: ServiceSpec = {
    node: process.execPath,
    root: packageRoot(),
    environment,
    dataDir: config.dataDir,
    logFile: join(config.dataDir, config.log.file),
    // Long enough for a send in flight and the shutdown grace, with room to spare.
    stopTimeoutSeconds: Math.ceil((config.daemon.shutdownGraceMs + 2 * config.signal.timeoutMs) / 1000) + 15,
  };
  const unit = manager === 'launchd' ? launchdPlist(spec) : systemdUnit(spec);
  const notes: string[] = [];
  if (leftOut.length > 0) {
    const where =
      manager === 'systemd'
        ? '~/.config/steward/env (KEY=value lines) or config/local.json'
        : 'config/local.json (models.openai.apiKey)';
    notes.push(`# ${leftOut.join(', ')} is set in your shell but is not written into the unit: put it in ${where}.`);
  }
  if (config.signal.url !== null && config.signal.api === 'jsonrpc')
    notes.push(
      '# signal-cli must run with --receive-mode on-connection, or messages that arrive while steward is down are lost: "steward service install --signal-cli" prints its unit.',
    );
  return writeOrPrint(unit, manager, notes, options, spec.root);
}

/** The absolute path of a command found on PATH, or undefined. */
function onPath(command: string): string | undefined {
  for (const directory of (process.env.PATH ?? '').split(':')) {
    if (directory === '') continue;
    const candidate = join(directory, command);
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

/**
 * The signal-cli unit for this configuration: `-a` STEWARD_SIGNAL_ACCOUNT,
 * `--http` the host and port of STEWARD_SIGNAL_URL, signal-cli from PATH.
 * @throws UserError when Signal is not set up for signal-cli's HTTP daemon
 */
function signalCliUnit(config: StewardConfig, manager: ServiceManager): ServiceUnit {
  const { url, api, account } = config.signal;
  if (api !== 'jsonrpc')
    throw new UserError(
      "steward service install --signal-cli is for signal-cli's HTTP daemon (STEWARD_SIGNAL_API=jsonrpc); signal-cli-rest-api runs in its own container.",
    );
  if (account === null || url === null)
    throw new UserError('Set STEWARD_SIGNAL_ACCOUNT and STEWARD_SIGNAL_URL first (for example http://127.0.0.1:8080).');
  const parsed = new URL(url);
  const spec = {
    executable: onPath('signal-cli') ?? '/usr/local/bin/signal-cli',
    account,
    http: `${parsed.hostname}:${parsed.port || '8080'}`,
    dataDir: config.dataDir,
  };
  return manager === 'launchd' ? signalCliLaunchdPlist(spec) : signalCliSystemdUnit(spec);
}

/** Print the unit (to stdout) and its instructions (to stderr), or write it with --write. */
function writeOrPrint(
  unit: ServiceUnit,
  manager: ServiceManager,
  notes: readonly string[],
  options: ServiceInstallOptions,
  root?: string,
): number {
  if (options.write !== true) {
    process.stdout.write(unit.text);
    const what =
      root === undefined
        ? `The ${manager} unit above runs signal-cli's HTTP daemon for steward.`
        : `The ${manager} unit above runs "steward daemon" from ${root}.`;
    process.stderr.write(colorsFor(process.stderr).dim(`\n# ${what}\n${[...notes, unit.instructions].join('\n')}\n`));
    return 0;
  }
  if (existsSync(unit.path)) {
    const current = readFileSync(unit.path, 'utf8');
    if (current === unit.text) {
      process.stdout.write(`${unit.path} is already up to date.\n`);
      process.stderr.write(`${unit.instructions.split('\n').slice(2).join('\n')}\n`);
      return 0;
    }
    if (options.force !== true)
      throw new UserError(
        `${unit.path} already exists and differs: look at it, then run again with --force to replace it.`,
      );
  }
  mkdirSync(dirname(unit.path), { recursive: true });
  writeFileSync(unit.path, unit.text);
  process.stdout.write(`Wrote ${unit.path}. Nothing is enabled yet; to start it:\n`);
  process.stdout.write(`${[...notes, ...unit.instructions.split('\n').slice(2)].join('\n')}\n`);
  return 0;
}
