import { accessSync, constants } from 'node:fs';
import { join } from 'node:path';
import { Steward } from '../app/steward.js';
import { loadConfig } from '../config/load.js';
import type { StewardConfig } from '../config/schema.js';
import { providerSecrets } from '../models/providers.js';
import { ensureDirectory } from '../shared/directory.js';
import { ConfigError } from '../shared/errors.js';
import { createLogger, stderrFormatOf, type Logger } from '../shared/log.js';
import { rememberSecrets } from '../shared/redact.js';

/** How a command starts: whether it logs to stderr too, and how those lines look. */
export interface BootstrapOptions {
  /** Also log to stderr (the daemon). */
  stderr: boolean;
  /** The stderr format asked for on the command line (`--log-format`), over `log.format`. */
  logFormat?: 'auto' | 'pretty' | 'json';
}

/** What every CLI command starts from. */
export interface Bootstrapped {
  /** The loaded configuration. */
  config: StewardConfig;
  /** The logger (file, plus stderr for the daemon). */
  log: Logger;
  /** Path of the log file. */
  logFile: string;
}

/**
 * Load the configuration and create the logger. Logs go to
 * `<dataDir>/<log.file>`; the daemon also logs to stderr. Secrets from the
 * config are redacted from every line.
 * @param options - whether to log to stderr too, and its format
 * @throws ConfigError (exit code 2) for a bad configuration, or a data directory that cannot be created or written
 */
export function bootstrap(options: BootstrapOptions): Bootstrapped {
  const config = loadConfig();
  rememberSecrets(providerSecrets(config));
  try {
    ensureDirectory(config.dataDir);
    accessSync(config.dataDir, constants.W_OK);
  } catch (error) {
    const source = process.env.STEWARD_DATA_DIR !== undefined ? 'STEWARD_DATA_DIR' : 'the config (dataDir)';
    throw new ConfigError(
      `config error: dataDir ${config.dataDir} cannot be used (${(error as NodeJS.ErrnoException).code ?? String(error)}): set STEWARD_DATA_DIR to a folder steward may write, from ${source}`,
      { key: 'dataDir', source },
      { cause: error },
    );
  }
  const logFile = join(config.dataDir, config.log.file);
  const log = createLogger({
    level: config.log.level,
    file: logFile,
    stderr: options.stderr,
    stderrFormat: stderrFormatOf(options.logFormat ?? config.log.format),
    secrets: providerSecrets(config),
  });
  return { config, log, logFile };
}

/**
 * Bootstrap and open the assistant.
 * @param options - whether to log to stderr too, and its format
 * @returns the open Steward and what it was built from
 * @throws ConfigError for a bad configuration; SqliteError when the database cannot be opened
 */
export async function openSteward(options: BootstrapOptions): Promise<Bootstrapped & { steward: Steward }> {
  const booted = bootstrap(options);
  const steward = await Steward.open({ config: booted.config, log: booted.log });
  for (const failure of steward.plugins.failures)
    process.stderr.write(`steward: plugin ${failure.name} skipped: ${failure.reason}\n`);
  return { ...booted, steward };
}
