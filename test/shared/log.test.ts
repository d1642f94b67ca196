import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLogger, stderrFormatOf } from '../../src/shared/log.js';

describe('daemon log lines on stderr', () => {
  afterEach(() => vi.restoreAllMocks());

  it('are readable on a terminal, JSON through a pipe or when asked', () => {
    expect(stderrFormatOf('auto', { isTTY: true })).toBe('pretty');
    expect(stderrFormatOf('auto', { isTTY: false })).toBe('json');
    expect(stderrFormatOf('json', { isTTY: true })).toBe('json');
    expect(stderrFormatOf('pretty', {})).toBe('pretty');
  });

  it('pretty: time, level and message on a line, redacted like the JSON file', () => {
    const written: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    const sink: string[] = [];
    const log = createLogger({
      level: 'info',
      stderr: true,
      stderrFormat: 'pretty',
      secrets: ['sk-secret-1234567890'],
      sink: (line) => sink.push(line),
    });
    log.child({ component: 'daemon' }).info({ job: 'briefings:morning' }, 'job ran with key sk-secret-1234567890');
    const line = written.join('');
    expect(line).toMatch(/^\[\d\d:\d\d:\d\d\] INFO: \(daemon\) job ran with key \[redacted\]\n/);
    expect(line).toContain('job: "briefings:morning"');
    expect(line).not.toContain('{"level"');
    // What goes to the file (and the sink) stays one JSON object a line.
    expect(JSON.parse(sink[0] ?? '{}')).toMatchObject({ level: 30, msg: 'job ran with key [redacted]' });
  });
});
