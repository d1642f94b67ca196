import { redactSecrets } from '../../src/shared/redact.js';
import { fuzzer } from './fuzz.js';
import {
  crashed,
  place,
  pool,
  query,
  secretsIn,
  steward,
  storedText,
  type Finished,
  type Outcome,
  type Servers,
} from './world.js';

/**
 * Fuzzed command lines through `steward run` (one process each, a few at a
 * time on one database) and through one REPL fed on stdin. A line is lost
 * when steward answered it (exit 0 or 1, not the over-the-limit refusal)
 * but it is not in `messages`; a crash is a process that died or said
 * "unexpected error".
 */

/** The refusal of a line over `limits.commandLine`: such a line is not stored, by design. */
const REFUSED = 'longer than steward takes';

/**
 * The text a turn stores for a line: as it crossed the pipe or argv in
 * UTF-8 (a lone surrogate becomes U+FFFD), with a configured key blanked
 * out (the pipeline does that), and without a leading `/fast ` or
 * `/quality ` (the directive).
 */
function storedForms(line: string): string[] {
  const wire = redactSecrets(Buffer.from(line, 'utf8').toString('utf8')).trim();
  return [wire, wire.replace(/^\/(?:fast|quality)\s+/i, '').trim()];
}

/** Whether every form of `line` that the pipeline may store is missing from `stored`. */
function missing(line: string, stored: ReadonlySet<string>): boolean {
  return storedForms(line).every((form) => !stored.has(form));
}

function userMessages(dataDir: string): Set<string> {
  return new Set(
    query<{ text: string }>(dataDir, "SELECT text FROM messages WHERE role = 'user'").map((row) => row.text.trim()),
  );
}

/**
 * `steward run` with fuzzed lines.
 * @param servers - the servers
 * @param count - how many lines
 * @param seed - the fuzzer's seed
 */
export async function fuzzRun(servers: Servers, count: number, seed: number): Promise<Outcome> {
  const fuzz = fuzzer(seed);
  // Half the processes have no local model: their chat lines meet the cloud that echoes the key.
  const withLocal = place(servers);
  const cloudOnly = place(servers, { local: false, dataDir: withLocal.dataDir });
  const lines = Array.from({ length: count }, () => fuzz.line());
  let outputs = '';
  try {
    const results = await pool(
      lines.map((line, index) => async (): Promise<{ line: string; finished: Finished }> => {
        const env = index % 2 === 0 ? withLocal.env : cloudOnly.env;
        const finished = await steward(['run', '--', line], env).done;
        return { line, finished };
      }),
      3,
    );
    outputs = results.map(({ finished }) => finished.stdout + finished.stderr).join('\n');
    const stored = userMessages(withLocal.dataDir);
    const answered = results.filter(
      ({ finished }) =>
        !crashed(finished) && (finished.code === 0 || finished.code === 1) && !finished.stderr.includes(REFUSED),
    );
    return {
      name: 'fuzzed lines: steward run',
      tried: count,
      crashed: results.filter(({ finished }) => crashed(finished)).length,
      lost: answered.filter(({ line }) => line.trim() !== '' && missing(line, stored)).length,
      duplicated: 0,
      leaked: secretsIn(outputs) + secretsIn(storedText(withLocal.dataDir)),
      note: `${count} processes, 3 at a time; exit codes ${summarize(results.map(({ finished }) => finished.code))}`,
    };
  } finally {
    cloudOnly.remove();
    withLocal.remove();
  }
}

/**
 * One REPL fed fuzzed lines on stdin (with control characters and a few 1 MB lines).
 * @param servers - the servers
 * @param count - how many lines
 * @param seed - the fuzzer's seed
 */
export async function fuzzRepl(servers: Servers, count: number, seed: number): Promise<Outcome> {
  const fuzz = fuzzer(seed + 1);
  const where = place(servers);
  try {
    const lines = Array.from({ length: count }, () => fuzz.line({ controlCharacters: true, huge: true }));
    const finished = await steward(['chat'], where.env, lines.join('\n') + '\n').done;
    const stored = userMessages(where.dataDir);
    // What readline hands over: lines split at \r too, trimmed; "/..." lines that are not /fast or /quality are REPL commands.
    const turns = lines
      .flatMap((line) => line.split('\r'))
      .map((line) => line.trim())
      .filter((line) => line !== '' && line.length <= 16_000)
      .filter((line) => !line.startsWith('/') || /^\/(?:fast|quality)\s+\S/i.test(line));
    return {
      name: 'fuzzed lines: REPL (stdin)',
      tried: count,
      crashed: crashed(finished) ? 1 : 0,
      lost: crashed(finished) ? 0 : turns.filter((line) => missing(line, stored)).length,
      duplicated: 0,
      leaked: secretsIn(finished.stdout + finished.stderr) + secretsIn(storedText(where.dataDir)),
      note: `one REPL, exit ${finished.code}; ${lines.filter((line) => line.length > 16_000).length} lines over 1 MB refused`,
    };
  } finally {
    where.remove();
  }
}

/** `0×12, 1×30` for a list of exit codes. */
function summarize(codes: ReadonlyArray<number | null>): string {
  const counts = new Map<string, number>();
  for (const code of codes) counts.set(String(code), (counts.get(String(code)) ?? 0) + 1);
  return [...counts.entries()].map(([code, times]) => `${code}×${times}`).join(', ');
}
