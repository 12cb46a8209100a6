// Deterministic pseudo-randomness for data generators: mulberry32 seeded per (seed, stream, index).

/** mulberry32: a tiny 32-bit PRNG; returns a function yielding floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** FNV-1a hash of a string, used to give each random stream its own seed. */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * A stateless random integer in [0, n) for item `index` of `stream`: the same inputs always give the
 * same answer, so any generated fact can be recomputed later without storing the data set.
 */
export function pick(seed: number, stream: number, index: number, n: number): number {
  const s = (seed ^ stream ^ Math.imul(index + 1, 0x9e3779b9)) >>> 0;
  return Math.floor(mulberry32(s)() * n);
}
