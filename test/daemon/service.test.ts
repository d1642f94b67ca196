import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { systemdUnit } from '../../src/daemon/service.js';
import { signalCliLaunchdPlist, signalCliSystemdUnit } from '../../src/daemon/signal-cli-service.js';
import { verifySystemdUnit } from '../support/systemd.js';

describe('the systemd unit', () => {
  const cleanups: Array<() => void> = [];
  afterEach(() => cleanups.splice(0).forEach((cleanup) => cleanup()));

  it('writes each directive the way systemd parses it, for a checkout path with spaces, % and $', () => {
    const base = mkdtempSync(join(tmpdir(), 'steward-unit-'));
    cleanups.push(() => rmSync(base, { recursive: true, force: true }));
    const root = join(base, 'my steward', '100% $HOME');
    mkdirSync(join(root, 'bin'), { recursive: true });
    writeFileSync(join(root, 'bin', 'steward.js'), '');
    // A node binary under an awkward path too, so systemd must find the executable.
    const node = join(root, 'node bin');
    symlinkSync(process.execPath, node);

    const unit = systemdUnit(
      {
        node,
        root,
        environment: { STEWARD_DATA_DIR: join(root, 'data'), STEWARD_TIMEZONE: 'say "hi" \\ 5%' },
        dataDir: join(root, 'data'),
        logFile: join(root, 'data', 'steward.log'),
        stopTimeoutSeconds: 45,
      },
      join(base, 'config'),
    );
    const lines = unit.text.split('\n');
    const escapedRoot = root.replace(/%/g, '%%');
    expect(lines).toContain(`WorkingDirectory=${escapedRoot}`);
    expect(lines).toContain(
      `ExecStart="${escapedRoot}/node bin" "${escapedRoot.split('$').join('$$')}/bin/steward.js" daemon`,
    );
    expect(lines).toContain(`Environment="STEWARD_DATA_DIR=${escapedRoot}/data"`);
    expect(lines).toContain('Environment="STEWARD_TIMEZONE=say \\"hi\\" \\\\ 5%%"');
    expect(lines).toContain(`Documentation=file://${base}/my%%20steward/100%%25%%20$HOME/docs/daemon.md`);

    const unitPath = join(base, 'steward.service');
    writeFileSync(unitPath, unit.text);
    const verdict = verifySystemdUnit(unitPath);
    if (verdict !== undefined) {
      expect(verdict.output).not.toContain(unitPath);
      expect(verdict.code, verdict.output).toBe(0);
    }
  });

  it('refuses a checkout path that a unit line cannot hold', () => {
    expect(() =>
      systemdUnit(
        {
          node: process.execPath,
          root: '/tmp/two\nlines',
          environment: {},
          dataDir: '/tmp/data',
          logFile: '/tmp/data/steward.log',
          stopTimeoutSeconds: 45,
        },
        '/tmp/config',
      ),
    ).toThrow('cannot hold a path with a line break');
  });

  it('writes a signal-cli unit that systemd loads, receiving only while steward is connected', () => {
    const base = mkdtempSync(join(tmpdir(), 'steward-unit-'));
    cleanups.push(() => rmSync(base, { recursive: true, force: true }));
    const spec = { executable: process.execPath, account: '+15550000000', http: '127.0.0.1:8080', dataDir: base };
    const unit = signalCliSystemdUnit(spec, join(base, 'config'));
    expect(unit.path).toBe(join(base, 'config', 'systemd', 'user', 'signal-cli.service'));
    expect(unit.text).toContain(
      `ExecStart="${process.execPath}" "-a" "+15550000000" "daemon" "--http" "127.0.0.1:8080" "--receive-mode" "on-connection" "--no-receive-stdout"`,
    );
    const unitPath = join(base, 'signal-cli.service');
    writeFileSync(unitPath, unit.text);
    const verdict = verifySystemdUnit(unitPath);
    if (verdict !== undefined) expect(verdict.code, verdict.output).toBe(0);
    const plist = signalCliLaunchdPlist(spec, base);
    expect(plist.text).toContain('<string>--receive-mode</string>\n      <string>on-connection</string>');
  });
});
