import {
  ACCOUNT,
  crashed,
  OWNER,
  OWNER_UUID,
  place,
  query,
  secretsIn,
  startDaemonProcess,
  steward,
  storedText,
  until,
  type Finished,
  type Outcome,
  type Servers,
} from './world.js';

/**
 * Several processes on one database at once: a daemon answering Signal, a
 * REPL fed a line every 10 ms, and rounds of parallel `steward run`. Every
 * command must succeed (no "database is locked"), every owner message must
 * be stored with the fact it gave, and every Signal message answered once.
 */

/**
 * Run the processes.
 * @param servers - the servers
 * @param rounds - rounds of 3 parallel runs and a Signal message
 */
export async function concurrentProcesses(servers: Servers, rounds: number): Promise<Outcome> {
  const { signal } = servers;
  signal.sent.length = 0;
  signal.mode = 'ok';
  const where = place(servers);
  const daemon = await startDaemonProcess(servers, where.env);
  const repl = steward(['chat'], where.env);
  const keys: string[] = [];
  const runs: Finished[] = [];
  let outputs = '';
  try {
    let lines = 0;
    const feeder = setInterval(() => {
      keys.push(`repl key ${lines}`);
      repl.child.stdin?.write(`remember repl key ${lines}: value ${lines}\n`);
      lines += 1;
    }, 10);
    try {
      for (let round = 0; round < rounds; round += 1) {
        keys.push(`signal key ${round}`);
        signal.pushEnvelope(
          signal.incoming(OWNER, `remember signal key ${round}: value ${round}`, { uuid: OWNER_UUID }),
          ACCOUNT,
        );
        const batch = await Promise.all(
          [0, 1, 2].map((index) => {
            keys.push(`run key ${round}-${index}`);
            return steward(['run', `remember run key ${round}-${index}: value ${round}`], where.env).done;
          }),
        );
        runs.push(...batch);
      }
    } finally {
      clearInterval(feeder);
    }
    repl.child.stdin?.end();
    const replEnd = await repl.done;
    await until(() => signal.sent.length >= rounds, 30_000, 'the Signal replies').catch(() => undefined);
    daemon.child.kill('SIGTERM');
    const daemonEnd = await daemon.done;
    outputs = [...runs, replEnd, daemonEnd].map((finished) => finished.stdout + finished.stderr).join('\n');
    const texts = query<{ text: string }>(where.dataDir, "SELECT text FROM messages WHERE role = 'user'").map(
      (row) => row.text,
    );
    const facts = new Set(
      query<{ key: string }>(where.dataDir, 'SELECT key FROM facts WHERE valid_to IS NULL').map((row) => row.key),
    );
    const lost = keys.filter((key) => !facts.has(key) || !texts.some((text) => text.startsWith(`remember ${key}: `)));
    const failed = [...runs, replEnd].filter((finished) => crashed(finished) || finished.code !== 0).length;
    return {
      name: 'concurrent processes on one database',
      tried: keys.length,
      crashed: failed + (daemonEnd.code === 0 ? 0 : 1),
      lost: lost.length,
      duplicated: Math.max(0, signal.sent.length - rounds),
      leaked: secretsIn(outputs) + secretsIn(storedText(where.dataDir)),
      note: `a daemon, a REPL (${lines} lines) and ${runs.length} runs, 3 at a time; ${
        outputs.includes('database is locked') ? '"database is locked" seen' : 'no "database is locked"'
      }`,
    };
  } finally {
    daemon.child.kill('SIGKILL');
    repl.child.kill('SIGKILL');
    where.remove();
  }
}
