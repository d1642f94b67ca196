import { homedir } from 'node:os';
import { join } from 'node:path';
import { systemdArgument, systemdQuote, xml, type ServiceManager, type ServiceUnit } from './service.js';

/** launchd label of the signal-cli agent. */
export const SIGNAL_CLI_LAUNCHD_LABEL = 'local.steward.signal-cli';

/** What goes into a signal-cli unit. */
export interface SignalCliSpec {
  /** Absolute path of the signal-cli executable. */
  executable: string;
  /** The assistant's own number (`-a`). */
  account: string;
  /** `host:port` for `--http` (from STEWARD_SIGNAL_URL). */
  http: string;
  /** The data directory, for launchd's stdout/stderr files. */
  dataDir: string;
}

/**
 * The arguments signal-cli runs with for steward: the HTTP daemon
 * (`daemon --http`), receiving only while a client is connected
 * (`--receive-mode on-connection`: signal-cli `ReceiveMode.java`; with the
 * default `on-start` it receives while steward's stream is down and those
 * messages are lost, since its SSE stream keeps nothing), and not printing
 * each message to its log (`--no-receive-stdout`).
 * @param spec - account and address
 */
export function signalCliArguments(spec: Pick<SignalCliSpec, 'account' | 'http'>): string[] {
  return ['-a', spec.account, 'daemon', '--http', spec.http, '--receive-mode', 'on-connection', '--no-receive-stdout'];
}

/**
 * A systemd user unit (systemd.service(5)) that runs signal-cli's HTTP
 * daemon the way steward needs it (see {@link signalCliArguments}), before
 * steward's own unit.
 * @param spec - executable, account, address
 * @param configHome - `$XDG_CONFIG_HOME` or `~/.config`
 */
export function signalCliSystemdUnit(
  spec: SignalCliSpec,
  configHome = process.env.XDG_CONFIG_HOME ?? join(homedir(), '.config'),
): ServiceUnit {
  const path = join(configHome, 'systemd', 'user', 'signal-cli.service');
  const text = [
    '[Unit]',
    "Description=signal-cli's HTTP daemon for steward (receives only while steward is connected)",
    'After=network-online.target',
    'Wants=network-online.target',
    'Before=steward.service',
    '',
    '[Service]',
    'Type=simple',
    `ExecStart=${systemdQuote(spec.executable)} ${signalCliArguments(spec).map(systemdArgument).join(' ')}`,
    'Restart=on-failure',
    'RestartSec=10',
    '',
    '[Install]',
    'WantedBy=default.target',
    '',
  ].join('\n');
  const instructions = [
    '# Install:',
    `mkdir -p ${join(configHome, 'systemd', 'user')} && steward service install --signal-cli --systemd > ${path}`,
    'systemctl --user daemon-reload',
    'systemctl --user enable --now signal-cli',
    '# Check:',
    'systemctl --user status signal-cli; steward doctor',
    '# Remove:',
    `systemctl --user disable --now signal-cli && rm ${path} && systemctl --user daemon-reload`,
  ].join('\n');
  return { manager: 'systemd', path, text, instructions };
}

/**
 * A launchd agent (launchd.plist(5)) that runs signal-cli's HTTP daemon the
 * way steward needs it (see {@link signalCliArguments}).
 * @param spec - executable, account, address, data directory
 * @param home - the user's home folder
 */
export function signalCliLaunchdPlist(spec: SignalCliSpec, home = homedir()): ServiceUnit {
  const path = join(home, 'Library', 'LaunchAgents', `${SIGNAL_CLI_LAUNCHD_LABEL}.plist`);
  const text = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">',
    '<plist version="1.0">',
    '  <dict>',
    '    <key>Label</key>',
    `    <string>${SIGNAL_CLI_LAUNCHD_LABEL}</string>`,
    '    <key>ProgramArguments</key>',
    '    <array>',
    `      <string>${xml(spec.executable)}</string>`,
    ...signalCliArguments(spec).map((arg) => `      <string>${xml(arg)}</string>`),
    '    </array>',
    '    <key>RunAtLoad</key>',
    '    <true/>',
    '    <key>KeepAlive</key>',
    '    <true/>',
    '    <key>ThrottleInterval</key>',
    '    <integer>10</integer>',
    '    <key>StandardOutPath</key>',
    `    <string>${xml(join(spec.dataDir, 'signal-cli.out.log'))}</string>`,
    '    <key>StandardErrorPath</key>',
    `    <string>${xml(join(spec.dataDir, 'signal-cli.err.log'))}</string>`,
    '  </dict>',
    '</plist>',
    '',
  ].join('\n');
  const instructions = [
    '# Install:',
    `mkdir -p ${join(home, 'Library', 'LaunchAgents')} && steward service install --signal-cli --launchd > ${path}`,
    `launchctl bootstrap gui/$(id -u) ${path}`,
    '# Check:',
    `launchctl print gui/$(id -u)/${SIGNAL_CLI_LAUNCHD_LABEL}; steward doctor`,
    '# Remove:',
    `launchctl bootout gui/$(id -u)/${SIGNAL_CLI_LAUNCHD_LABEL} && rm ${path}`,
  ].join('\n');
  return { manager: 'launchd' satisfies ServiceManager, path, text, instructions };
}
