import { afterEach, describe, expect, it } from 'vitest';
import { GloveEmbedder } from '../../src/memory/embedders/glove/glove.js';
import type { WordSimilarity } from '../../src/memory/embedders/index.js';
import type { RecallHit } from '../../src/memory/recall.js';
import { relevantHits, wordShare, type RelevanceSettings } from '../../src/memory/relevance.js';
import { openTestSteward, type TestSteward } from '../support/steward.js';

const hit = (text: string, similarity: number | null): RecallHit => ({
  ref: { type: 'message', id: 1 },
  text,
  at: '2026-01-01T00:00:00.000Z',
  bm25Rank: null,
  vectorRank: null,
  similarity,
  fused: 0,
  weight: 1,
  recency: 1,
  score: 0,
  why: '',
});

const defaults: RelevanceSettings = {
  candidates: 16,
  minSimilarity: 1,
  minWordShare: 0.5,
  minWordSimilarity: 0.5,
  top: { minSimilarity: 1, minWordShare: 0.3 },
};

async function gloveWords(): Promise<WordSimilarity> {
  const embedder = new GloveEmbedder();
  expect(embedder.wordSimilarity()).toBeUndefined(); // it never loads the vectors itself
  await embedder.load();
  return embedder.wordSimilarity() as WordSimilarity;
}

/** The prompt's relevance gate: shared words, paraphrases through word vectors, and the best candidate. */
describe('relevance of recalled memories for the prompt', () => {
  it('word vectors with the common component removed: paraphrases close, frequent unrelated words apart', async () => {
    const words = await gloveWords();
    expect(words.similarity('pet', 'cat')).toBeGreaterThan(0.6);
    expect(words.similarity('music', 'band')).toBeGreaterThan(0.55);
    expect(words.similarity('bicycle', 'bike')).toBeGreaterThan(0.8);
    // Raw GloVe scores these 0.77 and 0.59: the common direction makes frequent words look alike.
    expect(words.similarity('today', 'time')).toBeLessThan(0.3);
    expect(words.similarity('said', 'going')).toBeLessThan(0.3);
    expect(words.similarity('pet', 'dentist')).toBeLessThan(0.5);
    expect(words.similarity('sister', "sister's")).toBe(1);
    expect(words.similarity('pet', 'zzqxv')).toBeNull();
    expect(words.weight('like')).toBeLessThan(words.weight('rent'));
    expect(words.weight('zzqxv')).toBe(1);
  });

  it('counts a paraphrase as a shared word with word vectors, and only the same stem without them', async () => {
    const words = await gloveWords();
    const cat = 'Our cat Miso has been sick, we took him to the vet on Tuesday.';
    expect(wordShare('How is my pet doing?', cat, words, 0.5)).toBe(1);
    expect(wordShare('How is my pet doing?', cat)).toBe(0);
    expect(wordShare('How is my pet doing?', 'The coffee machine at work broke again.', words, 0.5)).toBe(0);
    expect(wordShare('When is the quarterly report due?', 'the quarterly report is due Friday')).toBe(1);
    expect(wordShare('hello there', '')).toBe(0);
    // Weighted by rarity: "rent" says more than "much" and "going".
    const rent = wordShare(
      'How much is my rent going up?',
      'The landlord is raising the rent by 5% in June.',
      words,
      0.5,
    );
    expect(rent).toBeGreaterThan(0.4);
    expect(wordShare('How much is my rent going up?', 'The landlord is raising the rent by 5% in June.')).toBeCloseTo(
      1 / 3,
      5,
    );
  });

  it('keeps the paraphrase and drops the unrelated, whatever their sentence cosines and ranks', async () => {
    const words = await gloveWords();
    const hits = [
      hit('What time do I normally get up?', 0.93), // recall's best, by its sentence vector only
      hit('Our cat Miso has been sick, we took him to the vet on Tuesday.', 0.88),
      hit('The coffee machine at work broke again, so annoying.', 0.85),
      hit('My dentist is Dr Lee, the appointment is on the 14th.', null),
    ];
    expect(relevantHits(hits, 'How is my pet doing?', defaults, words).map((kept) => kept.text)).toEqual([
      'Our cat Miso has been sick, we took him to the vet on Tuesday.',
    ]);
    // Without word vectors (the hashing or an HTTP embedder) the gate matches words by stem: nothing here.
    expect(relevantHits(hits, 'How is my pet doing?', defaults)).toEqual([]);
    // Small talk shares nothing with any memory: nothing rides along.
    expect(relevantHits(hits, 'Hello! How are you today?', defaults, words)).toEqual([]);
  });

  it('keeps the best candidate by word share on less evidence, and the best cosine by its own threshold', () => {
    const settings = { ...defaults, minSimilarity: 0.9, top: { minSimilarity: 0.8, minWordShare: 0.3 } };
    const kept = relevantHits(
      [
        hit('I moved the meeting to Friday', 0.82), // the best cosine: 0.82 ≥ 0.8
        hit('My dentist is Dr Patel', 0.5), // holds "dentist" of {dentist, appointment, book}: 1/3 < 0.5
        hit('Our cat is sick', 0.75), // neither
        hit('the appointment book is full', null), // 2/3 ≥ 0.5 (and the best share)
      ],
      'dentist appointment book',
      settings,
    );
    expect(kept.map((found) => found.text)).toEqual(['I moved the meeting to Friday', 'the appointment book is full']);
    // Alone, the dentist is the best share: 1/3 ≥ 0.3; the meeting, now the best cosine, is under 0.8.
    const second = relevantHits(
      [hit('I moved the meeting to Friday', 0.7), hit('My dentist is Dr Patel', 0.5)],
      'dentist appointment book',
      settings,
    );
    expect(second.map((found) => found.text)).toEqual(['My dentist is Dr Patel']);
  });

  it('gives the looser threshold to one best candidate: a tie of many lets none of the others in', () => {
    const anna = [
      'Anna called about the party on Saturday',
      'Anna sent photos from the beach',
      'Anna and I went running',
      'Lunch with Anna next week',
    ].map((text) => hit(text, null));
    // Each holds "anna" of {anna, plumber, quote}: 1/3, under 0.5; only the first of the tie gets 0.3.
    expect(relevantHits(anna, 'Anna plumber quote?', defaults).map((kept) => kept.text)).toEqual([
      'Anna called about the party on Saturday',
    ]);
  });

  it('compares a bounded number of words by their vectors, so a very long message or memory stays cheap', async () => {
    const words = await gloveWords();
    const vocabulary = [
      'garden',
      'river',
      'piano',
      'market',
      'winter',
      'doctor',
      'letter',
      'bridge',
      'forest',
      'engine',
    ];
    const long = (count: number, offset: number): string =>
      Array.from({ length: count }, (_, index) => `${vocabulary[(index + offset) % vocabulary.length]}${index}`).join(
        ' ',
      );
    let compared = 0;
    const counting: WordSimilarity = {
      similarity: (left, right) => {
        compared += 1;
        return words.similarity(left, right);
      },
      weight: (word) => words.weight(word),
    };
    wordShare(long(1000, 0), long(1000, 5), counting, 0.5);
    expect(compared).toBeLessThanOrEqual(64 * 256);
    expect(compared).toBeGreaterThan(0);
  });
});

/** The gate in a turn: the serving embedder's word vectors, or exact words with the hashing embedder. */
describe('relevance gate in a turn', () => {
  let opened: TestSteward | undefined;
  afterEach(async () => {
    await opened?.close();
    opened = undefined;
  });

  async function contextFor(provider: 'offline' | 'hashing'): Promise<string[]> {
    opened = await openTestSteward({ overrides: { embeddings: { provider } } });
    for (const line of [
      'Our cat Miso has been sick, we took him to the vet on Tuesday.',
      'The coffee machine at work broke again, so annoying.',
      'My sister Ana is visiting from Lisbon next weekend.',
      'The landlord is raising the rent by 5% in June.',
    ])
      await opened.say(line);
    await opened.steward.memory.embedPending();
    const context = await opened.steward.memory.contextFor({ sessionId: 999_999, text: 'How is my pet doing?' });
    return context.recall.hits.map((found) => found.text);
  }

  it('with the offline word vectors, the pet question gets the cat and nothing else', async () => {
    expect(await contextFor('offline')).toEqual(['Our cat Miso has been sick, we took him to the vet on Tuesday.']);
  });

  it('with the hashing embedder it falls back to exact words: no shared word, nothing in the prompt', async () => {
    expect(await contextFor('hashing')).toEqual([]);
  });
});
