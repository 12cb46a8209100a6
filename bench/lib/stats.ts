// Latency samples -> percentiles; every bench part times calls the same way.

/** p50/p99 of a sample set in microseconds, with the sample count. */
export interface Latency {
  p50: number;
  p99: number;
  n: number;
}

/** The `p`-th percentile (nearest rank) of `xs`; 0 for an empty set. */
export function percentile(xs: number[], p: number): number {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

/** p50/p99 of samples (µs). */
export function latency(xs: number[]): Latency {
  return { p50: percentile(xs, 50), p99: percentile(xs, 99), n: xs.length };
}

/**
 * Times `fn(i)` for i in [0, n), one sample per call, in microseconds; stops early once `budgetMs`
 * (default: no limit) is spent, so a pathologically slow shape cannot stall the whole run.
 */
export function timeEach(
  n: number,
  fn: (i: number) => unknown,
  budgetMs = Number.POSITIVE_INFINITY,
): number[] {
  const out: number[] = [];
  const end = performance.now() + budgetMs;
  for (let i = 0; i < n; i++) {
    const t = process.hrtime.bigint();
    fn(i);
    out.push(Number(process.hrtime.bigint() - t) / 1000);
    // checked after every call (outside the timed span): one slow shape may take seconds per call
    if (performance.now() > end) break;
  }
  return out;
}

/** The async twin of `timeEach` (peers whose check is a promise, e.g. oso). */
export async function timeEachAsync(n: number, fn: (i: number) => Promise<unknown>): Promise<number[]> {
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const t = process.hrtime.bigint();
    await fn(i);
    out[i] = Number(process.hrtime.bigint() - t) / 1000;
  }
  return out;
}

/** Resident set size of this process in MiB after two full GCs (needs `--expose-gc` to collect). */
export function rssAfterGcMiB(): number {
  global.gc?.();
  global.gc?.();
  return process.memoryUsage().rss / 2 ** 20;
}
