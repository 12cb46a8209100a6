/**
 * Comparing `list`/`actions` answers that may contain `"*"` (every value of the type).
 *
 * The reference evaluator lists every mentioned id that is allowed, plus `"*"` when unmentioned ids
 * are allowed too. An engine may list fewer ids next to `"*"`, since `"*"` covers them. When some
 * mentioned id is denied although unmentioned ones are allowed (a wildcard narrowed by `not` or
 * `!=`, e.g. "every folder except the locked f1"), `"*"` would overstate the answer and the exact
 * set is not representable: the engine must then leave `"*"` out and list only allowed ids
 * (authorize is still checked exactly, id by id).
 */
export function sameAnswer(
  reference: readonly string[],
  got: readonly string[],
  mentioned: readonly string[] = [],
): boolean {
  const allowed = new Set(reference);
  if (!allowed.has('*')) return allowed.size === new Set(got).size && got.every((id) => allowed.has(id));
  const partial = mentioned.some((id) => !allowed.has(id));
  return got.includes('*') !== partial && got.every((id) => allowed.has(id));
}
