import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Table from 'cli-table3';
import { Steward } from '../src/app/steward.js';
import { loadConfig } from '../src/config/load.js';
import { EXPORT_FORMAT, EXPORT_VERSION, type ExportDocument } from '../src/data/json-format.js';
import { importPath } from '../src/data/import.js';
import { applyMigrations, readCoreMigrations } from '../src/memory/migrations.js';
import { HABIT_MIGRATIONS } from '../plugins/habits/migrations.js';
import { openDatabase } from '../src/shared/database.js';
import { addDays } from '../src/shared/time.js';
import { random } from './lib/stats.js';

/**
 * `pnpm bench import`: `steward import` of 100k messages (a steward JSON
 * export: 5000 conversations of 20 messages) and of 10 years of check-ins
 * (a Loop Habit Tracker CSV export: 10 habits × 3650 days, about 80 % of
 * days checked in), each against a plain SQLite bulk insert of the same
 * rows into the same tables (same schema, triggers and indexes; one
 * prepared INSERT per table in one transaction), measured in the same run.
 * The import also reads and parses the file, checks every field, keys each
 * record for idempotency, and writes through the same triggers (FTS5, the
 * embedding queue). Embedding itself is not timed (it runs after the
 * import, in the background). `BENCH_MESSAGES` and `BENCH_YEARS` scale it.
 */

const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 100_000);
const YEARS = Number(process.env.BENCH_YEARS ?? 10);
const PER_SESSION = 20;
const HABITS = 10;
const TODAY = '2026-11-21';
const WORDS = 'river rowing coffee dentist sister garden budget marathon piano travel book dinner'.split(' ');

function exportDocument(): ExportDocument {
  const next = random(7);
  const start = Date.parse('2023-01-01T08:00:00Z');
  const sessions: ExportDocument['sessions'] = [];
  const messages: ExportDocument['messages'] = [];
  for (let id = 1; id <= MESSAGES; id += 1) {
    const session = Math.ceil(id / PER_SESSION);
    const at = new Date(start + id * 60_000).toISOString();
    if (id % PER_SESSION === 1)
      sessions.push({ id: session, channel: 'repl', peer: 'owner', startedAt: at, lastActivityAt: at, endedAt: at });
    const words = Array.from({ length: 12 }, () => WORDS[Math.floor(next() * WORDS.length)]).join(' ');
    messages.push({
      id,
      sessionId: session,
      channel: 'repl',
      sender: id % 2 === 1 ? 'owner' : 'steward',
      role: id % 2 === 1 ? 'user' : 'assistant',
      text: `message ${id}: ${words}`,
      createdAt: at,
      meta: id % 2 === 1 ? {} : { kind: 'agent', provider: 'local-fast', tier: 'fast' },
    });
  }
  return {
    format: EXPORT_FORMAT,
    version: EXPORT_VERSION,
    exportedAt: new Date().toISOString(),
    databaseId: 'bench',
    timeZone: 'UTC',
    sessions,
    messages,
    episodes: [],
    facts: [],
    factAudit: [],
    turns: [],
    plugins: {},
  };
}

/** A Loop CSV export folder: Habits.csv and one Checkmarks.csv per habit (newest day first, as Loop writes). */
function loopFolder(directory: string): Array<{ habit: number; day: string }> {
  const next = random(42);
  const rows: Array<{ habit: number; day: string }> = [];
  const header =
    'Position,Name,Type,Question,Description,FrequencyNumerator,FrequencyDenominator,Color,Unit,Target Type,Target Value,Archived?';
  const habits = [header];
  for (let habit = 1; habit <= HABITS; habit += 1) {
    const position = String(habit).padStart(3, '0');
    habits.push(`${position},habit ${habit},YES_NO,,,1,1,#FF8F00,,,,false`);
    const lines = ['Date,Value,Notes'];
    for (let offset = 0; offset < YEARS * 365; offset += 1) {
      const day = addDays(TODAY, -offset);
      const done = next() < 0.8;
      lines.push(`${day},${done ? 'YES_MANUAL' : 'NO'},`);
      if (done) rows.push({ habit, day });
    }
    mkdirSync(join(directory, `${position} habit ${habit}`), { recursive: true });
    writeFileSync(join(directory, `${position} habit ${habit}`, 'Checkmarks.csv'), `${lines.join('\n')}\n`);
  }
  writeFileSync(join(directory, 'Habits.csv'), `${habits.join('\n')}\n`);
  return rows;
}

async function openSteward(dataDir: string): Promise<Steward> {
  const config = loadConfig({ env: { STEWARD_DATA_DIR: dataDir, STEWARD_TIMEZONE: 'UTC' }, readLocalFile: false });
  return Steward.open({ config });
}

function time(work: () => void): number {
  const started = performance.now();
  work();
  return performance.now() - started;
}

async function main(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'steward-bench-import-'));
  try {
    const document = exportDocument();
    const exportFile = join(root, 'export.json');
    writeFileSync(exportFile, JSON.stringify(document));
    const loop = join(root, 'loop');
    const checkIns = loopFolder(loop);

    // Peer: the same rows, plain prepared INSERTs in one transaction, into a migrated database.
    const peerDir = join(root, 'peer');
    const peer = openDatabase(peerDir);
    applyMigrations(peer, readCoreMigrations());
    applyMigrations(
      peer,
      HABIT_MIGRATIONS.map((migration) => ({ id: `habits:${migration.id}`, sql: migration.sql })),
    );
    const peerMessages = time(() => {
      const session = peer.prepare(
        'INSERT INTO sessions (id, channel, peer, started_at, last_activity_at, ended_at) VALUES (?, ?, ?, ?, ?, ?)',
      );
      const message = peer.prepare(
        'INSERT INTO messages (id, session_id, channel, sender, role, text, created_at, meta) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      );
      peer.transaction(() => {
        for (const row of document.sessions)
          session.run(row.id, row.channel, row.peer, row.startedAt, row.lastActivityAt, row.endedAt);
        for (const row of document.messages)
          message.run(
            row.id,
            row.sessionId,
            row.channel,
            row.sender,
            row.role,
            row.text,
            row.createdAt,
            JSON.stringify(row.meta),
          );
      })();
    });
    const peerCheckIns = time(() => {
      const habit = peer.prepare("INSERT INTO habits (id, name, created_at) VALUES (?, ?, '2016-01-01T12:00:00Z')");
      const checkIn = peer.prepare(
        "INSERT INTO habit_checkins (habit_id, day, kind, created_at) VALUES (?, ?, 'done', '2026-11-21T12:00:00Z')",
      );
      peer.transaction(() => {
        for (let id = 1; id <= HABITS; id += 1) habit.run(id, `habit ${id}`);
        for (const row of checkIns) checkIn.run(row.habit, row.day);
      })();
    });
    peer.close();

    const steward = await openSteward(join(root, 'steward'));
    let started = performance.now();
    const messagesReport = await importPath(steward, exportFile);
    const importMessages = performance.now() - started;
    started = performance.now();
    const again = await importPath(steward, exportFile);
    const importAgain = performance.now() - started;
    started = performance.now();
    const loopReport = await importPath(steward, loop);
    const importCheckIns = performance.now() - started;
    await steward.close();

    const table = new Table({ head: ['what', 'rows', 'ms', 'rows/s', '× peer'], style: { head: [], border: [] } });
    const line = (name: string, rows: number, ms: number, peerMs?: number): void => {
      table.push([
        name,
        String(rows),
        ms.toFixed(0),
        Math.round((rows / ms) * 1000).toLocaleString('en'),
        peerMs === undefined ? '1.00' : (ms / peerMs).toFixed(2),
      ]);
    };
    line('peer: SQLite bulk insert, messages (+ sessions)', document.messages.length, peerMessages);
    line(
      'steward import: steward JSON export (read, check, write)',
      messagesReport.added.messages ?? 0,
      importMessages,
      peerMessages,
    );
    line('steward import: the same file again (adds nothing)', document.messages.length, importAgain, peerMessages);
    line('peer: SQLite bulk insert, habit check-ins', checkIns.length, peerCheckIns);
    line(
      'steward import: Loop CSV export (read, check, write)',
      loopReport.added.checkIns ?? 0,
      importCheckIns,
      peerCheckIns,
    );
    process.stdout.write(
      `import, ${MESSAGES} messages in ${document.sessions.length} conversations, ${HABITS} habits × ${YEARS} years (${checkIns.length} check-ins), Node ${process.version}; the second import added ${Object.values(again.added).reduce((sum, count) => sum + count, 0)} rows\n${table.toString()}\n`,
    );
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

await main();
