// A child process for the crash test: it writes memories as fast as it can
// through the real pipeline (built dist/), and prints a line after each one
// is committed, until it is killed. Run: node burst-writer.mjs (env as for steward).
import { loadConfig } from '../../dist/src/config/load.js';
import { Steward } from '../../dist/src/app/steward.js';

const config = loadConfig({ readLocalFile: false });
const steward = await Steward.open({ config });
for (let index = 0; ; index += 1) {
  const text =
    index % 5 === 4 ? `remember burst key ${index}: value ${index}` : `burst note ${index} about topic ${index % 7}`;
  const reply = await steward.handle({ channel: 'repl', sender: 'owner', text, receivedAt: new Date() });
  const row = steward.database.prepare('SELECT max(id) AS id FROM messages WHERE role = ?').get('user');
  process.stdout.write(`committed ${index} ${row.id} ${reply.kind}\n`);
  if (index % 3 === 0) await steward.memory.embedPending();
}
