// "did you mean" hints for misspelled names.

/** Levenshtein distance, bounded: stops early once every path exceeds `max`. */
function distance(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let best = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const d = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
      cur.push(d);
      best = Math.min(best, d);
    }
    if (best > max) return max + 1;
    prev = cur;
  }
  return prev[b.length]!;
}

/** `; did you mean "x"?` for the closest candidate (case-insensitive match or small edit distance), else ''. */
export function suggest(name: string, candidates: Iterable<string>, quote = true): string {
  const max = name.length <= 2 ? 0 : name.length <= 4 ? 1 : 2;
  let best: string | undefined;
  let bestD = max + 1;
  for (const c of candidates) {
    if (c === name) continue;
    const d = c.toLowerCase() === name.toLowerCase() ? 0 : distance(name, c, max);
    if (d < bestD) {
      best = c;
      bestD = d;
    }
  }
  if (best === undefined) return '';
  return `; did you mean ${quote ? `"${best}"` : best}?`;
}
