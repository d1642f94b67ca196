import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Table from 'cli-table3';
import { fromRoot } from '../src/shared/paths.js';
import { isChatTurn, memoryModel } from '../test/support/memory.js';
import { lastText, startOpenAIServer, type ChatRequest } from '../test/support/openai-server.js';

/**
 * `pnpm bench context`: what reaches the model's prompt. Scripted sessions
 * in which the owner mentions everyday facts in passing (some corrected in
 * a later session) go through the real CLI (`steward` with piped input,
 * one process per conversation) against the test model server, which logs
 * every prompt; then each question is asked in a new conversation, and its
 * prompt is read:
 *
 * - needed: the memories the question needs (found anywhere in the prompt
 *   but the question itself), as a share of all needed memories;
 * - unrelated: recalled memories that ride along without being needed
 *   (per prompt); stale: recalled memories that a later session corrected.
 *
 * Targets (issue 12): ≥ 90 % of needed memories reach the prompt, and on
 * average ≤ 1 unrelated memory per prompt. Peer measured in the same run:
 * the same sessions with the relevance gate off (`memory.recall.prompt`
 * thresholds at 0), which is what steward did before.
 */

/** The owner's life, one conversation per list: facts said in passing between small talk. */
const SESSIONS: readonly string[][] = [
  [
    'Morning! I usually wake up at 5:40 to go rowing on the river.',
    'The coffee machine at work broke again, so annoying.',
    'My sister Ana is visiting from Lisbon next weekend.',
  ],
  [
    "I've started learning Portuguese with an app, 15 minutes a day.",
    'Our cat Miso has been sick, we took him to the vet on Tuesday.',
    'My dentist is Dr Lee, the appointment is on the 14th.',
  ],
  [
    'Work is busy: the quarterly report is due on Friday.',
    "I'm allergic to peanuts, so I skipped the satay at lunch.",
    'My bike got a flat tyre, I need to buy a new inner tube.',
  ],
  [
    'We booked a trip to Kyoto for April.',
    'My favourite band is Radiohead, I saw them live in 2017.',
    'I switched dentists: my new dentist is Dr Patel.',
  ],
  [
    'These days I wake up at 6:15 instead, the rowing club moved to later.',
    'The landlord is raising the rent by 5% in June.',
    "I've been reading Middlemarch, slowly.",
  ],
];

/** A question, the memories it needs (a distinctive piece of each) and the corrected ones it must not need. */
interface Case {
  question: string;
  needs: string[];
  stale?: string[];
  kind: 'everyday' | 'paraphrase' | 'corrected' | 'small talk';
}

const CASES: readonly Case[] = [
  { question: 'What time do I normally get up?', needs: ['6:15'], stale: ['5:40'], kind: 'corrected' },
  { question: 'Who is my dentist now?', needs: ['Dr Patel'], stale: ['Dr Lee'], kind: 'corrected' },
  { question: 'When is my sister coming to visit?', needs: ['Ana is visiting'], kind: 'everyday' },
  { question: 'Which language am I studying?', needs: ['Portuguese'], kind: 'paraphrase' },
  { question: 'How is my pet doing?', needs: ['Miso'], kind: 'paraphrase' },
  { question: 'Can I eat satay?', needs: ['allergic to peanuts'], kind: 'everyday' },
  { question: 'What do I need to fix my bicycle?', needs: ['flat tyre'], kind: 'paraphrase' },
  { question: 'Where are we going on holiday?', needs: ['Kyoto'], kind: 'paraphrase' },
  { question: 'What kind of music do I like?', needs: ['Radiohead'], kind: 'paraphrase' },
  { question: 'How much is my rent going up?', needs: ['raising the rent'], kind: 'everyday' },
  { question: 'What book am I reading at the moment?', needs: ['Middlemarch'], kind: 'everyday' },
  { question: 'When is the quarterly report due?', needs: ['quarterly report'], kind: 'everyday' },
  { question: 'Is the coffee machine at work fixed yet?', needs: ['coffee machine'], kind: 'everyday' },
  { question: 'Hello! How are you today?', needs: [], kind: 'small talk' },
];

const RECALL_BLOCK = /\(Recalled from earlier conversations[^\n]*\n([\s\S]*?)\)\n\n\[/;

/** Run the CLI's REPL with piped lines, as the owner would (`steward < lines.txt`). */
function repl(lines: readonly string[], env: Record<string, string>): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [fromRoot('bin', 'steward.js')], {
      cwd: fromRoot(),
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
      stdio: ['pipe', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`steward exited ${code}: ${stderr.slice(0, 500)}`)),
    );
    child.stdin.end(lines.join('\n') + '\n');
  });
}

interface Outcome {
  kase: Case;
  reached: number;
  recalled: number;
  unrelated: number;
  stale: number;
}

function read(request: ChatRequest, kase: Case): Outcome {
  const question = lastText(request);
  const prompt = [
    ...request.messages.slice(0, -1).map((message) => (typeof message.content === 'string' ? message.content : '')),
    question.replace(kase.question, ''),
  ].join('\n');
  const block = RECALL_BLOCK.exec(question)?.[1] ?? '';
  const lines = block.split('\n').filter((line) => line.startsWith('- '));
  const needed = (line: string): boolean => kase.needs.some((need) => line.includes(need));
  return {
    kase,
    reached: kase.needs.filter((need) => prompt.includes(need)).length,
    recalled: lines.length,
    unrelated: lines.filter((line) => !needed(line)).length,
    stale: lines.filter((line) => (kase.stale ?? []).some((old) => line.includes(old))).length,
  };
}

async function runAll(gate: boolean): Promise<Outcome[]> {
  const dataDir = mkdtempSync(join(tmpdir(), 'steward-bench-context-'));
  // A model that acknowledges (an echo would copy the recalled memories into its stored answer) and
  // summarizes a conversation by its first line, with no invented topics or follow-ups.
  const respond = memoryModel({
    model: 'local-model',
    chat: () => ({ content: 'Noted.' }),
    summary: (transcript) => ({
      summary: `The owner said: ${/: (.*)/.exec(transcript.split('\n')[0] ?? '')?.[1] ?? ''}`,
      topics: [],
      sentiment: 'neutral',
      actions: [],
      followups: [],
    }),
  });
  const server = await startOpenAIServer({ model: 'local-model', respond });
  const env: Record<string, string> = {
    STEWARD_DATA_DIR: dataDir,
    STEWARD_LOCAL_FAST_URL: server.url,
    STEWARD_TIMEZONE: 'UTC',
    ...(gate ? {} : { STEWARD_CONFIG: fromRoot('bench', 'lib', 'context-no-gate.json') }),
  };
  try {
    for (const session of SESSIONS) await repl(session, env);
    const outcomes: Outcome[] = [];
    for (const kase of CASES) {
      const before = server.chatRequests.length;
      await repl([kase.question], env);
      const request = server.chatRequests.slice(before).find(isChatTurn);
      if (request === undefined) throw new Error(`no chat turn for "${kase.question}"`);
      outcomes.push(read(request, kase));
      if (process.env.BENCH_VERBOSE === '1')
        process.stderr.write(
          `${kase.question}\n${RECALL_BLOCK.exec(lastText(request))?.[1] ?? '(nothing recalled)\n'}\n`,
        );
    }
    return outcomes;
  } finally {
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

function summary(outcomes: readonly Outcome[]): { needed: number; reached: number; unrelated: number; stale: number } {
  const needed = outcomes.reduce((total, outcome) => total + outcome.kase.needs.length, 0);
  const reached = outcomes.reduce((total, outcome) => total + outcome.reached, 0);
  return {
    needed,
    reached,
    unrelated: outcomes.reduce((total, outcome) => total + outcome.unrelated, 0) / outcomes.length,
    stale: outcomes.reduce((total, outcome) => total + outcome.stale, 0),
  };
}

async function main(): Promise<void> {
  const gated = await runAll(true);
  const peer = await runAll(false);
  const table = new Table({
    head: [
      'question',
      'kind',
      'needed reached',
      'recalled',
      'unrelated',
      'stale',
      'gate off: reached / recalled / unrelated',
    ],
    style: { head: [], border: [] },
  });
  gated.forEach((outcome, index) => {
    const other = peer[index] as Outcome;
    table.push([
      outcome.kase.question,
      outcome.kase.kind,
      `${outcome.reached}/${outcome.kase.needs.length}`,
      String(outcome.recalled),
      String(outcome.unrelated),
      String(outcome.stale),
      `${other.reached}/${other.kase.needs.length} / ${other.recalled} / ${other.unrelated}`,
    ]);
  });
  process.stdout.write(`${table.toString()}\n`);
  const ours = summary(gated);
  const theirs = summary(peer);
  process.stdout.write(
    `steward: ${ours.reached}/${ours.needed} needed memories reached the prompt (${((100 * ours.reached) / Math.max(1, ours.needed)).toFixed(0)}%, target ≥ 90%); ` +
      `${ours.unrelated.toFixed(2)} unrelated per prompt (target ≤ 1); ${ours.stale} stale recalled\n` +
      `peer (relevance gate off): ${theirs.reached}/${theirs.needed} reached (${((100 * theirs.reached) / Math.max(1, theirs.needed)).toFixed(0)}%); ` +
      `${theirs.unrelated.toFixed(2)} unrelated per prompt; ${theirs.stale} stale recalled\n`,
  );
}

await main();
