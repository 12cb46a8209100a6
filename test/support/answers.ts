/**
 * Comparing `list`/`actions` answers that may contain `"*"` (every value of the type). The reference
 * evaluator lists every mentioned id that is allowed plus `"*"`; an engine may list fewer ids next
 * to `"*"`, since `"*"` already covers them. Without `"*"` the answers must be equal as sets.
 */
export function sameAnswer(reference: readonly string[], got: readonly string[]): boolean {
  const sorted = (xs: readonly string[]) => [...new Set(xs)].sort();
  if (!reference.includes('*')) return JSON.stringify(sorted(reference)) === JSON.stringify(sorted(got));
  return got.includes('*') && got.every((id) => reference.includes(id));
}
