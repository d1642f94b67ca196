import { homedir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** The two service managers steward writes a unit for. */
export type ServiceManager = 'systemd' | 'launchd';

/** What goes into a service unit. */
export interface ServiceSpec {
  /** Absolute path of the Node.js binary. */
  node: string;
  /** Absolute path of the steward checkout. */
  root: string;
  /** Environment variables to set (already filtered of secrets). */
  environment: Record<string, string>;
  /** The data directory, for launchd's stdout/stderr files. */
  dataDir: string;
  /** steward's log file, for the instructions. */
  logFile: string;
  /** How long the manager waits after SIGTERM before SIGKILL, in s. */
  stopTimeoutSeconds: number;
}

/** A rendered unit, where it belongs, and how to install it. */
export interface ServiceUnit {
  /** `systemd` or `launchd`. */
  manager: ServiceManager;
  /** Where the file goes. */
  path: string;
  /** The file's text. */
  text: string;
  /** Shell commands to install, check and remove it, with comments. */
  instructions: string;
}

/** launchd label of the agent. */
export const LAUNCHD_LABEL = 'local.steward.daemon';

/**
 * A value with systemd's specifiers escaped: `%` becomes `%%` (systemd.unit(5),
 * "Specifiers"), for directives that expand specifiers but take no quotes.
 * @param value - the literal text
 * @returns the text systemd reads back as `value`
 */
export function systemdSpecifiers(value: string): string {
  return value.replace(/%/g, '%%');
}

/**
 * A path for a directive that takes one path and no quotes, such as
 * `WorkingDirectory=`: systemd keeps quote characters as part of the path
 * (and then rejects `"/home/me"` as "not absolute"), so the path is written
 * bare, with only `%` escaped. Inner spaces are kept as they are.
 * @param path - an absolute path
 * @returns the value for the directive
 * @throws Error if the path holds a line break, which a unit line cannot carry
 */
function systemdPath(path: string): string {
  if (/[\r\n]/.test(path))
    throw new Error(`steward: a systemd unit cannot hold a path with a line break: ${JSON.stringify(path)}`);
  return systemdSpecifiers(path);
}

/**
 * A value in double quotes, for the directives that unquote and C-unescape
 * their words (`Environment=`, `ExecStart=`; systemd.syntax(7) "Quoting"):
 * backslash, double quote and line breaks escaped, and `%` as a specifier.
 * @param value - the literal text
 * @returns the quoted word
 */
export function systemdQuote(value: string): string {
  const escaped = value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n').replace(/\r/g, '\\r');
  return `"${systemdSpecifiers(escaped)}"`;
}

/**
 * An argument after the executable in `ExecStart=`: quoted as
 * {@link systemdQuote}, with `$` doubled, since systemd substitutes
 * `$NAME` and `${NAME}` in the arguments (systemd.service(5), "Command
 * lines"). The executable itself is not substituted, so it is only quoted.
 * @param value - the literal argument
 * @returns the quoted word
 */
export function systemdArgument(value: string): string {
  return systemdQuote(value.replace(/\$/g, '$$$$'));
}

/**
 * Text escaped for an XML element.
 * @param value - the literal text
 */
export function xml(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/**
 * A systemd user unit that runs `steward daemon` (systemd.service(5)):
 * restarted on failure, stopped with SIGTERM (steward finishes its work in
 * flight and exits 0), and SIGKILL only after `stopTimeoutSeconds`.
 * Each directive is written the way systemd parses it: `WorkingDirectory=`
 * bare (it takes no quotes), `ExecStart=` and `Environment=` quoted, and `%`
 * escaped everywhere.
 * @param spec - paths, environment and stop timeout
 * @param configHome - `$XDG_CONFIG_HOME` or `~/.config`
 * @throws Error if the checkout's path holds a line break
 */
export function systemdUnit(
  spec: ServiceSpec,
  configHome = process.env.XDG_CONFIG_HOME ?? join(homedir(), '.config'),
): ServiceUnit {
  const path = join(configHome, 'systemd', 'user', 'steward.service');
  const environment = Object.entries(spec.environment).map(
    ([key, value]) => `Environment=${systemdQuote(`${key}=${value}`)}`,
  );
  const text = [
    '[Unit]',
    'Description=steward, a local-first personal assistant (scheduler, Signal, outbox)',
    // A URL: spaces become %20, so the list of URLs stays one word.
    `Documentation=${systemdSpecifiers(pathToFileURL(join(spec.root, 'docs', 'daemon.md')).href)}`,
    'After=network-online.target',
    'Wants=network-online.target',
    '',
    '[Service]',
    'Type=simple',
    `WorkingDirectory=${systemdPath(spec.root)}`,
    `ExecStart=${systemdQuote(spec.node)} ${systemdArgument(join(spec.root, 'bin', 'steward.js'))} daemon`,
    ...environment,
    '# Secrets (OPENAI_API_KEY=...) go in this optional file, not in the unit.',
    'EnvironmentFile=-%h/.config/steward/env',
    'Restart=on-failure',
    'RestartSec=10',
    'KillSignal=SIGTERM',
    `TimeoutStopSec=${spec.stopTimeoutSeconds}`,
    '',
    '[Install]',
    'WantedBy=default.target',
    '',
  ].join('\n');
  const instructions = [
    `# Install (or run "steward service install --write" for the first step):`,
    `mkdir -p ${join(configHome, 'systemd', 'user')} && steward service install --systemd > ${path}`,
    'systemctl --user daemon-reload',
    'systemctl --user enable --now steward',
    'loginctl enable-linger "$USER"    # keep it running while you are logged out',
    '# Check:',
    'systemctl --user status steward; steward health; journalctl --user -u steward -f',
    '# Remove:',
    `systemctl --user disable --now steward && rm ${path} && systemctl --user daemon-reload`,
  ].join('\n');
  return { manager: 'systemd', path, text, instructions };
}

/**
 * A launchd agent (launchd.plist(5)) that runs `steward daemon` at login
 * and again if it exits with an error; launchd sends SIGTERM to stop it and
 * SIGKILL after `ExitTimeOut`.
 * @param spec - paths, environment and stop timeout
 * @param home - the user's home folder
 */
export function launchdPlist(spec: ServiceSpec, home = homedir()): ServiceUnit {
  const path = join(home, 'Library', 'LaunchAgents', `${LAUNCHD_LABEL}.plist`);
  const environment = Object.entries(spec.environment).flatMap(([key, value]) => [
    `      <key>${xml(key)}</key>`,
    `      <string>${xml(value)}</string>`,
  ]);
  const text = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">',
    '<plist version="1.0">',
    '  <dict>',
    '    <key>Label</key>',
    `    <string>${LAUNCHD_LABEL}</string>`,
    '    <key>ProgramArguments</key>',
    '    <array>',
    `      <string>${xml(spec.node)}</string>`,
    `      <string>${xml(join(spec.root, 'bin', 'steward.js'))}</string>`,
    '      <string>daemon</string>',
    '    </array>',
    '    <key>WorkingDirectory</key>',
    `    <string>${xml(spec.root)}</string>`,
    '    <key>EnvironmentVariables</key>',
    '    <dict>',
    ...environment,
    '    </dict>',
    '    <key>RunAtLoad</key>',
    '    <true/>',
    '    <key>KeepAlive</key>',
    '    <dict>',
    '      <key>SuccessfulExit</key>',
    '      <false/>',
    '    </dict>',
    '    <key>ThrottleInterval</key>',
    '    <integer>10</integer>',
    '    <key>ExitTimeOut</key>',
    `    <integer>${spec.stopTimeoutSeconds}</integer>`,
    '    <key>ProcessType</key>',
    '    <string>Background</string>',
    '    <key>StandardOutPath</key>',
    `    <string>${xml(join(spec.dataDir, 'daemon.out.log'))}</string>`,
    '    <key>StandardErrorPath</key>',
    `    <string>${xml(join(spec.dataDir, 'daemon.err.log'))}</string>`,
    '  </dict>',
    '</plist>',
    '',
  ].join('\n');
  const instructions = [
    `# Install (or run "steward service install --write" for the first step):`,
    `mkdir -p ${join(home, 'Library', 'LaunchAgents')} && steward service install --launchd > ${path}`,
    `launchctl bootstrap gui/$(id -u) ${path}`,
    '# Check:',
    `launchctl print gui/$(id -u)/${LAUNCHD_LABEL}; steward health; tail -f ${spec.logFile}`,
    '# Remove:',
    `launchctl bootout gui/$(id -u)/${LAUNCHD_LABEL} && rm ${path}`,
  ].join('\n');
  return { manager: 'launchd', path, text, instructions };
}
