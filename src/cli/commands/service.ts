import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { loadConfig, ENVIRONMENT_KEYS } from '../../config/load.js';
import { launchdPlist, systemdUnit, type ServiceManager, type ServiceSpec } from '../../daemon/service.js';
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
  if (options.write !== true) {
    process.stdout.write(unit.text);
    process.stderr.write(
      colorsFor(process.stderr).dim(
        `\n# The ${manager} unit above runs "steward daemon" from ${spec.root}.\n${[...notes, unit.instructions].join('\n')}\n`,
      ),
    );
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
