import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** What `systemd-analyze verify` said about a unit file. */
export interface SystemdVerdict {
  /** The exit code (0: the unit loads). */
  code: number | null;
  /** Its stdout and stderr together. */
  output: string;
}

function analyze(unitPath: string): SystemdVerdict | undefined {
  const result = spawnSync('systemd-analyze', ['verify', unitPath], { encoding: 'utf8', timeout: 20_000 });
  if (result.error !== undefined) return undefined;
  return { code: result.status, output: `${result.stdout}${result.stderr}` };
}

let usable: boolean | undefined;

/**
 * Whether `systemd-analyze verify` is installed and works here: it must
 * accept a minimal unit first (in some containers it cannot start its
 * manager at all), so that a failure below is the unit's, not the machine's.
 * @returns true when {@link verifySystemdUnit} gives a verdict
 */
function systemdAnalyzeUsable(): boolean {
  if (usable !== undefined) return usable;
  const folder = mkdtempSync(join(tmpdir(), 'steward-systemd-'));
  try {
    const probe = join(folder, 'steward-probe.service');
    writeFileSync(probe, `[Service]\nType=simple\nExecStart=${process.execPath} -e 0\n`);
    const verdict = analyze(probe);
    usable = verdict !== undefined && verdict.code === 0;
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
  return usable;
}

/**
 * Run `systemd-analyze verify` (systemd-analyze(1)) on a unit file, the way
 * systemd itself would load it, when the tool is on this machine.
 * @param unitPath - path of a `.service` file
 * @returns the verdict, or undefined when systemd-analyze is missing or unusable here
 */
export function verifySystemdUnit(unitPath: string): SystemdVerdict | undefined {
  return systemdAnalyzeUsable() ? analyze(unitPath) : undefined;
}
