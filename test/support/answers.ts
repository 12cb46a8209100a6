/**
 * Comparing `list`/`actions` answers that may contain `"*"` (every value of the type).
 *
 * The reference evaluator lists every mentioned id that is allowed, plus `"*"` when unmentioned ids
 * are allowed too. An engine may list fewer ids next to `"*"`, since `"*"` covers them. When some
 * mentioned id is denied although unmentioned ones are allowed (a wildcard narrowed by `not` or
 * `!=`, e.g. "every folder except the locked f1"), `"*"` would overstate the answer and the exact
 * set is not representable: the engine must then leave `"*"` out and list exactly the mentioned
 * ids that are allowed.
 */
export function sameAnswer(
  reference: readonly string[],
  got: readonly string[],
  mentioned: readonly string[] = [],
): boolean {
  const allowed = new Set(reference);
  if (!allowed.has('*')) return allowed.size === new Set(got).size && got.every((id) => allowed.has(id));
  const partial = mentioned.some((id) => !allowed.has(id));
  if (!partial) return got.includes('*') && got.every((id) => allowed.has(id));
  // Narrowed: exactly the allowed ids that are mentioned.
  const exact = [...allowed].filter((id) => id !== '*');
  return new Set(got).size === exact.length && got.every((id) => exact.includes(id));
}
