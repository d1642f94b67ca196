import Table from 'cli-table3';
import { loadConfig } from '../../src/config/load.js';
import { GloveEmbedder, HashingEmbedder } from '../../src/memory/embedders/index.js';
import { sifWeight, zipfFrequency } from '../../src/memory/embedders/glove/glove.js';
import { bm25Search, ftsQuery } from '../../src/memory/fts.js';
import { fuse, type Candidate, type FusionSettings } from '../../src/memory/fusion.js';
import { loadMemoryTexts, refKey, type MemoryText } from '../../src/memory/sources.js';
import { words } from '../../src/memory/text.js';
import { CATEGORIES, type Conversation, type Question } from './locomo.js';
import { storeConversation } from './locomo-store.js';
import { byCategory, scoreQuestion, type QuestionScore, type Summary } from './recall-metrics.js';

/**
 * `BENCH_TUNE=1 pnpm bench recall`: the search that chose recall's fusion,
 * its weights and the offline embedder's recipe. Each conversation is
 * stored as the benchmark stores it; then, per question, the BM25 list
 * (steward's FTS5 query, 50 candidates) and the 50 nearest memories by
 * exact cosine under each embedder recipe are kept, and every setting is
 * scored by running steward's own `fuse` over them. Settings are chosen
 * on one half of the conversations and reported on the other.
 */

/** The pool of each leg, as `memory.recall.candidates`. */
const POOL = 50;

interface Prepared {
  question: Question;
  memories: Map<string, MemoryText>;
  turnOf: Map<number, string>;
  bm25: Array<{ key: string; score: number }>;
  /** Per embedder recipe: the nearest memories, best first. */
  vectors: Map<string, Array<{ key: string; similarity: number }>>;
}

type Recipe = (texts: readonly string[], corpus: readonly string[]) => Promise<Float32Array[]>;

/** IDF over the stored memories, as the issue first proposed: log((N + 1) / (df + 0.5)). */
function idfWeights(corpus: readonly string[]): (token: string) => number {
  const df = new Map<string, number>();
  for (const text of corpus) for (const word of new Set(words(text))) df.set(word, (df.get(word) ?? 0) + 1);
  const n = corpus.length;
  return (token) => Math.log((n + 1) / ((df.get(token) ?? 0) + 0.5));
}

function gloveRecipe(options: ConstructorParameters<typeof GloveEmbedder>[0]): Recipe {
  const embedder = new GloveEmbedder(options);
  return (texts) => embedder.embed(texts);
}

const RECIPES: Record<string, Recipe> = {
  'glove SIF a=1e-3 (shipped)': gloveRecipe({ removeCommonComponent: false }),
  'glove SIF a=1e-3 − PC1': gloveRecipe({ removeCommonComponent: true }),
  'glove SIF a=1e-4': gloveRecipe({ weight: (_t, rank, v) => sifWeight(zipfFrequency(rank, v), 1e-4) }),
  'glove SIF a=1e-2': gloveRecipe({ weight: (_t, rank, v) => sifWeight(zipfFrequency(rank, v), 1e-2) }),
  'glove unweighted mean': gloveRecipe({ weight: () => 1 }),
  'glove IDF over memories': async (texts, corpus) => {
    const idf = idfWeights(corpus);
    return new GloveEmbedder({ weight: (token) => idf(token) }).embed(texts);
  },
  'glove IDF over memories − PC1': async (texts, corpus) => {
    const idf = idfWeights(corpus);
    return new GloveEmbedder({ weight: (token) => idf(token), removeCommonComponent: true }).embed(texts);
  },
  'glove IDF × SIF': async (texts, corpus) => {
    const idf = idfWeights(corpus);
    return new GloveEmbedder({ weight: (token, rank, v) => idf(token) * sifWeight(zipfFrequency(rank, v)) }).embed(
      texts,
    );
  },
  'hashing v1 384': (texts) => new HashingEmbedder(384).embed(texts),
};

function cosine(left: Float32Array, right: Float32Array): number {
  let dot = 0;
  for (let axis = 0; axis < left.length; axis += 1) dot += (left[axis] ?? 0) * (right[axis] ?? 0);
  return dot;
}

async function prepare(conversation: Conversation): Promise<Prepared[]> {
  const stored = await storeConversation(conversation);
  try {
    const database = stored.steward.database;
    const refs = [
      ...database
        .prepare<[], { id: number }>('SELECT id FROM messages')
        .all()
        .map((row) => ({ type: 'message' as const, id: row.id })),
      ...database
        .prepare<[], { id: number }>('SELECT id FROM episodes')
        .all()
        .map((row) => ({ type: 'episode' as const, id: row.id })),
    ];
    const memories = loadMemoryTexts(database, refs);
    const keys = [...memories.keys()];
    const texts = keys.map((key) => (memories.get(key) as MemoryText).text);
    const questions = conversation.questions.map((question) => question.text);
    const nearest = new Map<string, Array<Array<{ key: string; similarity: number }>>>();
    for (const [name, recipe] of Object.entries(RECIPES)) {
      const vectors = await recipe(texts, texts);
      const queries = await recipe(questions, texts);
      nearest.set(
        name,
        queries.map((query) =>
          vectors
            .map((vector, index) => ({ key: keys[index] as string, similarity: cosine(query, vector) }))
            .sort((left, right) => right.similarity - left.similarity)
            .slice(0, POOL),
        ),
      );
    }
    return conversation.questions.map((question, index) => {
      const match = ftsQuery(question.text);
      const lexical = match === undefined ? [] : bm25Search(database, match, POOL);
      return {
        question,
        memories,
        turnOf: stored.turnOf,
        bm25: lexical.map((hit) => ({ key: refKey(hit.ref), score: hit.bm25 })).filter((hit) => memories.has(hit.key)),
        vectors: new Map([...nearest].map(([name, lists]) => [name, lists[index] ?? []])),
      };
    });
  } finally {
    await stored.close();
  }
}

interface Trial {
  recipe: string;
  minSimilarity: number;
  fusion: FusionSettings;
  legs: { bm25: boolean; vector: boolean };
}

function candidatesOf(prepared: Prepared, trial: Trial): Candidate[] {
  const found = new Map<string, Candidate>();
  const entry = (key: string): Candidate => {
    let candidate = found.get(key);
    if (candidate === undefined) {
      candidate = { memory: prepared.memories.get(key) as MemoryText, bm25: null, vector: null };
      found.set(key, candidate);
    }
    return candidate;
  };
  if (trial.legs.vector) {
    let rank = 0;
    for (const hit of prepared.vectors.get(trial.recipe) ?? []) {
      if (hit.similarity < trial.minSimilarity) break;
      rank += 1;
      entry(hit.key).vector = { rank, similarity: hit.similarity };
    }
  }
  if (trial.legs.bm25)
    prepared.bm25.forEach((hit, index) => (entry(hit.key).bm25 = { rank: index + 1, score: hit.score }));
  return [...found.values()];
}

function evaluate(prepared: readonly Prepared[], trial: Trial, now: (p: Prepared) => number): QuestionScore[] {
  return prepared.map((item) => {
    const ranked = fuse(candidatesOf(item, trial), trial.fusion, now(item))
      .slice(0, 10)
      .map((hit) => (hit.memory.ref.type === 'message' ? (item.turnOf.get(hit.memory.ref.id) ?? null) : null));
    return scoreQuestion(item.question, ranked);
  });
}

function line(name: string, summary: Map<string, Summary>): string[] {
  const all = summary.get('all') as Summary;
  return [
    name,
    all.r5.toFixed(3),
    all.r10.toFixed(3),
    all.mrr.toFixed(3),
    ...Object.keys(CATEGORIES).map((category) => (summary.get(category) as Summary).r10.toFixed(3)),
  ];
}

function newTable(first: string): Table.Table {
  return new Table({
    head: [first, 'R@5', 'R@10', 'MRR', ...Object.entries(CATEGORIES).map(([n, name]) => `${n} ${name}`)],
    style: { head: [], border: [] },
  });
}

/** Whether a result is at least BM25's in every category (to 0.0005). */
function noWorseThan(result: Map<string, Summary>, bm25: Map<string, Summary>): boolean {
  return Object.keys(CATEGORIES).every(
    (category) => (result.get(category) as Summary).r10 + 5e-4 >= (bm25.get(category) as Summary).r10,
  );
}

/**
 * Run the search and print what chose the settings.
 * @param conversations - the LoCoMo conversations
 * @param split - which conversations choose and which check
 */
export async function tune(
  conversations: readonly Conversation[],
  split: { choose: readonly string[]; check: readonly string[] },
): Promise<void> {
  const defaults = loadConfig({ env: {}, readLocalFile: false }).memory.recall;
  const base: FusionSettings = {
    method: defaults.fusion,
    rrfK: defaults.rrfK,
    vectorWeight: defaults.vectorWeight,
    weights: defaults.weights,
    recencyWeight: defaults.recencyWeight,
    recencyHalfLifeDays: defaults.recencyHalfLifeDays,
  };
  const prepared: Prepared[] = [];
  for (const conversation of conversations) {
    process.stderr.write(`${conversation.id}: storing and embedding with ${Object.keys(RECIPES).length} recipes…\n`);
    prepared.push(...(await prepare(conversation)));
  }
  const lastAt = new Map(conversations.map((conversation) => [conversation.id, conversation.lastAt.getTime()]));
  const now = (item: Prepared): number => (lastAt.get(item.question.conversation) ?? 0) + 86_400_000;
  const half = (ids: readonly string[]): Prepared[] =>
    prepared.filter((item) => ids.includes(item.question.conversation));
  const choose = half(split.choose);
  const check = half(split.check);
  const shipped = process.env.BENCH_RECIPE ?? 'glove SIF a=1e-3 (shipped)';
  const both = { bm25: true, vector: true };
  const defaultTrial: Trial = { recipe: shipped, minSimilarity: defaults.minSimilarity, fusion: base, legs: both };
  const bm25Trial: Trial = { ...defaultTrial, fusion: { ...base, plain: true }, legs: { bm25: true, vector: false } };
  const bm25Choose = byCategory(evaluate(choose, bm25Trial, now));

  // 1. The embedder recipe, by the vectors alone on the choose half.
  const recipes = newTable('vectors alone, choose half');
  for (const recipe of Object.keys(RECIPES))
    recipes.push(
      line(
        recipe,
        byCategory(
          evaluate(
            choose,
            { ...defaultTrial, recipe, fusion: { ...base, plain: true }, legs: { bm25: false, vector: true } },
            now,
          ),
        ),
      ),
    );
  process.stdout.write(`${recipes.toString()}\n`);

  // 2. Fusion method, k, vector weight, minimum similarity and recency, on the choose half.
  const trials: Trial[] = [];
  for (const minSimilarity of (process.env.BENCH_MIN ?? '-1,0.1,0.2,0.3').split(',').map(Number))
    for (const recencyWeight of (process.env.BENCH_RECENCY ?? '0,0.1,0.3').split(',').map(Number))
      for (let step = 0; step <= 10; step += 1) {
        if (step === 0 || step === 10) continue; // one leg alone: reported apart
        const vectorWeight = step / 10;
        const fusion = { ...base, recencyWeight, vectorWeight };
        trials.push({ ...defaultTrial, minSimilarity, fusion: { ...fusion, method: 'convex' } });
        for (const rrfK of [10, 20, 30, 60])
          trials.push({ ...defaultTrial, minSimilarity, fusion: { ...fusion, method: 'rrf', rrfK } });
      }
  const results = trials.map((trial) => ({ trial, choose: byCategory(evaluate(choose, trial, now)) }));
  const admissible = results.filter((result) => noWorseThan(result.choose, bm25Choose));
  const rank = (left: (typeof results)[number], right: (typeof results)[number]): number =>
    (right.choose.get('all') as Summary).r10 - (left.choose.get('all') as Summary).r10 ||
    (right.choose.get('all') as Summary).mrr - (left.choose.get('all') as Summary).mrr;
  const describe = (trial: Trial): string =>
    `${trial.fusion.method}${trial.fusion.method === 'rrf' ? ` k${trial.fusion.rrfK}` : ''} v${trial.fusion.vectorWeight} min${trial.minSimilarity} rec${trial.fusion.recencyWeight}`;
  const best = newTable(`best of ${trials.length} (${admissible.length} ≥ BM25 in every category), choose → check`);
  best.push(line('BM25 alone (choose)', bm25Choose));
  best.push(line('defaults (choose)', byCategory(evaluate(choose, defaultTrial, now))));
  for (const result of admissible.sort(rank).slice(0, 12)) {
    best.push(line(`${describe(result.trial)} (choose)`, result.choose));
    best.push(line(`  (check)`, byCategory(evaluate(check, result.trial, now))));
  }
  best.push(line('BM25 alone (check)', byCategory(evaluate(check, bm25Trial, now))));
  best.push(line('defaults (check)', byCategory(evaluate(check, defaultTrial, now))));
  process.stdout.write(`${best.toString()}\n`);

  // 3. Around the chosen setting: episode weight, the heuristic-episode rule, recency half-life.
  const chosen = (admissible[0] ?? results[0])?.trial ?? defaultTrial;
  const around = newTable(`around ${describe(chosen)}: choose | check R@10`);
  const variants: Array<[string, Trial]> = [
    ['chosen', chosen],
    ['heuristic episodes kept', { ...chosen, fusion: { ...chosen.fusion, keepHeuristicEpisodes: true } }],
    [
      'episode weight 0.8',
      { ...chosen, fusion: { ...chosen.fusion, weights: { ...chosen.fusion.weights, episode: 0.8 } } },
    ],
    [
      'episode weight 1.0',
      { ...chosen, fusion: { ...chosen.fusion, weights: { ...chosen.fusion.weights, episode: 1 } } },
    ],
    [
      'recency half-life 7 d, w 0.3',
      { ...chosen, fusion: { ...chosen.fusion, recencyWeight: 0.3, recencyHalfLifeDays: 7 } },
    ],
    [
      'recency half-life 90 d, w 0.3',
      { ...chosen, fusion: { ...chosen.fusion, recencyWeight: 0.3, recencyHalfLifeDays: 90 } },
    ],
    [
      'recency half-life 365 d, w 0.3',
      { ...chosen, fusion: { ...chosen.fusion, recencyWeight: 0.3, recencyHalfLifeDays: 365 } },
    ],
    ...Object.keys(RECIPES)
      .slice(1)
      .map((recipe): [string, Trial] => [`recipe: ${recipe}`, { ...chosen, recipe }]),
  ];
  for (const [name, trial] of variants) {
    around.push(line(`${name} (choose)`, byCategory(evaluate(choose, trial, now))));
    around.push(line(`  (check)`, byCategory(evaluate(check, trial, now))));
  }
  process.stdout.write(`${around.toString()}\n`);
}
