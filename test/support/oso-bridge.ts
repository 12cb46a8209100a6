/**
 * Bridge from our policy IR to the open-source `oso` 0.27 VM, the second oracle
 * (shared/reference/polar.md §3.3): the IR is printed as longhand OSS Polar with every predicate
 * but `allow/3` renamed `p_<name>` (OSS reserves has_role/has_permission/has_relation), Cloud
 * argument order kept, types registered as JS classes under `AnyActor`/`AnyResource`, object
 * literals written `new T("id")`, `@current_unix_time` as the constant `NOW`, and facts registered
 * as host arrays read by one clause per predicate. OSS evaluates depth-first, so it only answers
 * on acyclic data without left recursion; callers keep to that subset (`osoUnsupported`).
 */
import { Oso, Variable } from 'oso';
import type { Fact, Literal, Policy, Rule, Term, Value } from '../../lib/polar/ast.ts';

class AnyResource {
  constructor(readonly id: string) {}
  toString(): string {
    return `${this.constructor.name}{"${this.id}"}`;
  }
}
class AnyActor extends AnyResource {}

type HostValue = AnyResource | string | number | boolean;
const PRIMITIVES = new Set(['String', 'Integer', 'Boolean']);

const predName = (pred: string, arity: number): string =>
  pred === 'allow' && arity === 3 ? 'allow' : `p_${pred}`;
const varName = (name: string): string => `_v_${name.replace(/[^A-Za-z0-9_]/g, '_')}`;

function termText(t: Term): string {
  if (t.kind === 'var') return varName(t.name);
  if (t.kind === 'now') return 'NOW';
  const { type, id } = t.value;
  if (type === 'String') return JSON.stringify(id);
  if (type === 'Integer' || type === 'Boolean') return id;
  return `new ${type}(${JSON.stringify(id)})`;
}

function literalText(l: Literal): string {
  switch (l.kind) {
    case 'call':
      return `${predName(l.atom.pred, l.atom.args.length)}(${l.atom.args.map(termText).join(', ')})`;
    case 'not':
      return `not ${predName(l.atom.pred, l.atom.args.length)}(${l.atom.args.map(termText).join(', ')})`;
    case 'isa':
      return `(${l.types.map((t) => `${varName(l.var)} matches ${t}`).join(' or ') || 'false'})`;
    case 'cmp':
      return `${termText(l.left)} ${l.op === '=' ? '=' : l.op} ${termText(l.right)}`;
    case 'in':
      return `${termText(l.left)} in [${l.list.map(termText).join(', ')}]`;
    default:
      throw new Error(`oso bridge: unknown literal ${(l satisfies never as Literal).kind}`);
  }
}

/** One rule as OSS Polar; object literals in the head move into the body (OSS heads are patterns). */
function ruleText(r: Rule): string {
  const extra: string[] = [];
  const args = r.head.args.map((t, i) => {
    if (t.kind === 'var' || (t.kind === 'value' && PRIMITIVES.has(t.value.type))) return termText(t);
    extra.push(`_h${i} = ${termText(t)}`);
    return `_h${i}`;
  });
  const body = [...extra, ...r.body.map(literalText)];
  const head = `${predName(r.head.pred, r.head.args.length)}(${args.join(', ')})`;
  return body.length === 0 ? `${head};` : `${head} if\n  ${body.join(' and\n  ')};`;
}

/** Every predicate/arity a policy calls or a fact set stores, as `name/arity`. */
function predicates(policy: Policy, facts: readonly Fact[]): Map<string, [string, number]> {
  const out = new Map<string, [string, number]>();
  for (const f of facts) out.set(`${f.predicate}/${f.args.length}`, [f.predicate, f.args.length]);
  for (const r of policy.rules)
    for (const l of r.body)
      if ('atom' in l) out.set(`${l.atom.pred}/${l.atom.args.length}`, [l.atom.pred, l.atom.args.length]);
  return out;
}

/** The OSS core text for `policy`: its rules plus one fact-reading clause per predicate. */
export function osoCoreText(policy: Policy, facts: readonly Fact[]): string {
  const factClauses = [...predicates(policy, facts).values()].map(([pred, n]) => {
    const vs = Array.from({ length: n }, (_, i) => `a${i}`).join(', ');
    return `${predName(pred, n)}(${vs}) if [${vs}] in F_${pred}_${n};`;
  });
  return [...policy.rules.map(ruleText), ...factClauses].join('\n');
}

/** Why OSS cannot evaluate this policy over this data, or undefined when it can. */
export function osoUnsupported(policy: Policy, facts: readonly Fact[]): string | undefined {
  if (policy.rules.some((r) => r.head.pred === 'allow' && r.head.args.length !== 3))
    return 'allow of arity != 3';
  if (facts.some((f) => f.args.some((v) => v.type === 'Integer' && !Number.isSafeInteger(Number(v.id)))))
    return 'integer beyond 2^53 (JS numbers)';
  return undefined;
}

/** An Oso instance loaded with `policy` (bridged) and `facts`; `now` is `@current_unix_time`. */
export async function loadOso(
  policy: Policy,
  facts: readonly Fact[],
  now: number,
): Promise<{ oso: Oso; host: (v: Value) => HostValue }> {
  const classes = new Map<string, typeof AnyResource>();
  for (const t of policy.types) {
    const base = t.kind === 'actor' ? AnyActor : AnyResource;
    classes.set(t.name, { [t.name]: class extends base {} }[t.name]!);
  }
  const host = (v: Value): HostValue => {
    if (v.type === 'String') return v.id;
    if (v.type === 'Integer') return Number(v.id);
    if (v.type === 'Boolean') return v.id === 'true';
    const cls =
      classes.get(v.type) ??
      classes.set(v.type, { [v.type]: class extends AnyResource {} }[v.type]!).get(v.type)!;
    return new cls(v.id);
  };
  const all = [...policy.facts, ...facts];
  const rows = new Map<string, HostValue[][]>();
  for (const key of predicates(policy, all).keys()) rows.set(key, []);
  for (const f of all) rows.get(`${f.predicate}/${f.args.length}`)!.push(f.args.map(host));
  const oso = new Oso({
    equalityFn: (a, b) =>
      a instanceof AnyResource && b instanceof AnyResource
        ? a.constructor === b.constructor && a.id === b.id
        : a === b,
  });
  oso.registerClass(AnyResource, { name: 'AnyResource' });
  oso.registerClass(AnyActor, { name: 'AnyActor' });
  for (const [name, cls] of classes) oso.registerClass(cls, { name });
  oso.registerConstant(now, 'NOW');
  for (const [key, list] of rows) oso.registerConstant(list, `F_${key.replace('/', '_')}`);
  await oso.loadStr(osoCoreText(policy, all));
  return { oso, host };
}

/**
 * Actions via `allow(actor, action, resource)` with `action` unbound: a bound string is an action;
 * a constraint (`action matches String`) or a still-unbound variable is `"*"`. OSS's own
 * `authorizedActions` throws on the constraint form instead.
 */
export async function osoActions(
  loaded: { oso: Oso; host: (v: Value) => HostValue },
  actor: Value,
  resource: Value,
): Promise<string[]> {
  const out = new Set<string>();
  const results = loaded.oso.queryRule(
    { acceptExpression: true },
    'allow',
    loaded.host(actor),
    new Variable('action'),
    loaded.host(resource),
  );
  for await (const row of results) {
    const action = row.get('action');
    out.add(typeof action === 'string' ? action : '*');
  }
  return [...out].sort();
}
