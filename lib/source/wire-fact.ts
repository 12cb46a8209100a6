import type { Fact, Value } from '../polar/ast.ts';

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** Integer ids must be 64-bit decimal integers and Boolean ids `true`/`false` (checked here to keep file:line). */
function primitiveProblem(type: string, id: string): string | undefined {
  if (type === 'Integer') {
    if (!/^[+-]?\d+$/.test(id)) return `invalid Integer "${id}"`;
    if (id.length > 18 && (BigInt(id) < INT64_MIN || BigInt(id) > INT64_MAX))
      return `Integer out of range "${id}"`;
  }
  if (type === 'Boolean' && id !== 'true' && id !== 'false') return `invalid Boolean "${id}"`;
  return undefined;
}

/**
 * Parses one Oso wire-format fact, `{"predicate":"p","args":[{"type":"T","id":"x"},...]}`.
 * Returns the fact, or a lower-case reason why the text is not one.
 */
export function parseWireFact(text: string): Fact | string {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    return `malformed json: ${(e as Error).message}`;
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return 'a fact must be a json object';
  const o = v as { predicate?: unknown; args?: unknown };
  if (typeof o.predicate !== 'string' || o.predicate === '') {
    return `"predicate" must be a non-empty string, got ${JSON.stringify(o.predicate ?? null)}`;
  }
  if (!Array.isArray(o.args) || o.args.length === 0) return '"args" must be a non-empty array';
  const args: Value[] = [];
  for (const [i, a] of o.args.entries()) {
    const arg = a as { type?: unknown; id?: unknown } | null;
    if (typeof arg !== 'object' || arg === null || typeof arg.type !== 'string' || arg.type === '') {
      return `args[${i}] must be {"type": string, "id": string}, got ${JSON.stringify(a)}`;
    }
    if (typeof arg.id !== 'string')
      return `args[${i}].id must be a string, got ${JSON.stringify(arg.id ?? null)}`;
    const bad = primitiveProblem(arg.type, arg.id);
    if (bad !== undefined) return `args[${i}]: ${bad}`;
    args.push({ type: arg.type, id: arg.id });
  }
  return { predicate: o.predicate, args };
}
