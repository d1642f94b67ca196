/** Helpers shared by the benchmark programs (this folder is not a benchmark of its own). */

/**
 * The value at a fraction of the sorted samples (nearest rank).
 * @param values - samples, for example times in ms
 * @param fraction - 0–1, for example 0.95 for p95
 * @param empty - what an empty list gives (default 0)
 * @returns the percentile
 */
export function percentile(values: readonly number[], fraction: number, empty = 0): number {
  const sorted = [...values].sort((left, right) => left - right);
  return sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))] ?? empty;
}

/**
 * A deterministic pseudo-random sequence in [0, 1) (mulberry32, Tommy
 * Ettinger's 32-bit generator), so every run measures the same data.
 * @param seed - any integer
 * @returns the next number on each call
 */
export function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let value = Math.imul(state ^ (state >>> 15), 1 | state);
    value = (value + Math.imul(value ^ (value >>> 7), 61 | value)) ^ value;
    return ((value ^ (value >>> 14)) >>> 0) / 4_294_967_296;
  };
}
