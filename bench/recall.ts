import Table from 'cli-table3';
import type { RecallOptions } from '../src/memory/index.js';
import { CATEGORIES, readLocomo, type Conversation, type EvidenceReport } from './lib/locomo.js';
import { storeConversation } from './lib/locomo-store.js';
import { byCategory, scoreQuestion, type QuestionScore, type Summary } from './lib/recall-metrics.js';
import { tune } from './lib/recall-tuning.js';
import { percentile } from './lib/stats.js';

/**
 * `pnpm bench recall`: does recall find the right memory? LoCoMo's
 * development half (five long conversations, 999 questions whose evidence
 * turns are annotated), each conversation stored in a fresh data directory
 * through `Memory.importConversations` with its original session dates,
 * embedded with the configured embedder (the offline default unless
 * `STEWARD_EMBEDDINGS_URL` or `BENCH_EMBEDDER=hashing` says otherwise),
 * then every question asked through `Memory.recall`:
 *
 * - the hybrid at the default settings, and each leg alone (BM25, vectors),
 *   in the same run: recall@5, recall@10 and MRR@10, overall and per
 *   category, on the whole set and on each half of the split used to
 *   choose the fusion (`SPLIT`);
 * - the hybrid's latency p50 / p95 and the share of the top 10 taken by episodes;
 * - with `BENCH_TUNE=1`, the search that chose the fusion and its weights
 *   (see `lib/recall-tuning.ts`).
 *
 * Where the data is looked for: `../shared/data/locomo/locomo-dev.json`
 * (or `BENCH_LOCOMO`); when it is missing the program says where to put it.
 */

/** The split that chose the fusion: settings are chosen on `choose` and checked on `check`. */
export const SPLIT = { choose: ['conv-26', 'conv-30', 'conv-41'], check: ['conv-42', 'conv-43'] } as const;

const LEGS: Record<string, RecallOptions['legs']> = {
  'hybrid (defaults)': { bm25: true, vector: true },
  'BM25 alone': { bm25: true, vector: false },
  'vectors alone': { bm25: false, vector: true },
};

interface Run {
  scores: Map<string, QuestionScore[]>;
  latencies: number[];
  episodeSlots: number;
  slots: number;
  embedder: string;
  ingestMs: number[];
}

async function runConversation(conversation: Conversation, run: Run): Promise<void> {
  const overrides = process.env.BENCH_EMBEDDER === 'hashing' ? { embeddings: { provider: 'hashing' } } : {};
  const stored = await storeConversation(conversation, {}, overrides);
  try {
    const { memory } = stored.steward;
    run.embedder = memory.embedder.id;
    run.ingestMs.push(stored.ingestMs);
    for (const question of conversation.questions) {
      for (const [name, legs] of Object.entries(LEGS)) {
        const started = performance.now();
        const result = await memory.recall(question.text, { limit: 10, legs });
        if (name === 'hybrid (defaults)') {
          run.latencies.push(performance.now() - started);
          run.slots += result.hits.length;
          run.episodeSlots += result.hits.filter((hit) => hit.ref.type === 'episode').length;
        }
        const ranked = result.hits.map((hit) =>
          hit.ref.type === 'message' ? (stored.turnOf.get(hit.ref.id) ?? null) : null,
        );
        const key = `${name}\t${conversation.id}`;
        run.scores.set(key, [...(run.scores.get(key) ?? []), scoreQuestion(question, ranked)]);
      }
    }
  } finally {
    await stored.close();
  }
}

function table(run: Run, conversations: readonly string[], title: string): string {
  const head = [
    '',
    'n',
    'all R@5',
    'R@10',
    'MRR',
    ...Object.entries(CATEGORIES).map(([n, name]) => `${n} ${name} R@10`),
  ];
  const rows = new Table({ head, style: { head: [], border: [] } });
  for (const name of Object.keys(LEGS)) {
    const scores = conversations.flatMap((id) => run.scores.get(`${name}\t${id}`) ?? []);
    const summary = byCategory(scores);
    const all = summary.get('all') as Summary;
    rows.push([
      name,
      String(all.n),
      all.r5.toFixed(3),
      all.r10.toFixed(3),
      all.mrr.toFixed(3),
      ...Object.keys(CATEGORIES).map((category) => {
        const part = summary.get(category) as Summary;
        return `${part.r10.toFixed(3)} (${part.n})`;
      }),
    ]);
  }
  return `${title}\n${rows.toString()}`;
}

function describeEvidence(report: EvidenceReport): string {
  return (
    `evidence: ${report.questions} questions; ${report.normalised} evidence entries normalised ` +
    `("D:11:26" → D11:26, "D30:05" → D30:5, "D8:6; D9:17" → two ids); ${report.dropped.length} dropped ` +
    `(${report.dropped.join(', ')}); ${report.questionsDropped} questions left with no evidence, not scored`
  );
}

async function main(): Promise<void> {
  let data;
  try {
    data = readLocomo();
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exitCode = 2;
    return;
  }
  const { conversations, evidence } = data;
  process.stdout.write(describeEvidence(evidence) + '\n');
  if (process.env.BENCH_TUNE === '1') {
    await tune(conversations, SPLIT);
    return;
  }
  const run: Run = { scores: new Map(), latencies: [], episodeSlots: 0, slots: 0, embedder: '', ingestMs: [] };
  for (const conversation of conversations) {
    process.stderr.write(`${conversation.id}: ${conversation.questions.length} questions…\n`);
    await runConversation(conversation, run);
  }
  const all = conversations.map((conversation) => conversation.id);
  process.stdout.write(`embedder ${run.embedder}; ingest ${run.ingestMs.map((ms) => Math.round(ms)).join(', ')} ms\n`);
  process.stdout.write(table(run, all, `all ${all.length} conversations`) + '\n');
  process.stdout.write(table(run, SPLIT.choose, `choose half (${SPLIT.choose.join(', ')})`) + '\n');
  process.stdout.write(table(run, SPLIT.check, `check half (${SPLIT.check.join(', ')})`) + '\n');
  process.stdout.write(
    `hybrid recall latency p50 ${percentile(run.latencies, 0.5).toFixed(2)} ms, p95 ${percentile(run.latencies, 0.95).toFixed(2)} ms over ${run.latencies.length} queries; ` +
      `episodes took ${((100 * run.episodeSlots) / Math.max(1, run.slots)).toFixed(1)}% of the hybrid's top-10 slots\n`,
  );
}

await main();
