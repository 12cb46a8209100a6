/**
 * The reference evaluator: an executable spec of the policy IR (lib/polar/ast.ts), written to be
 * obviously correct rather than fast. The SQL engine is tested against it.
 *
 * Semantics:
 * - Least fixpoint, set semantics: every rule is re-run over all tuples until a round adds nothing.
 *   Stored facts, policy facts and derived tuples of the same `name/arity` form one relation.
 * - Stratified negation: predicates are layered so a `not p(...)` only reads a finished lower layer;
 *   a policy that cannot be layered is rejected.
 * - `=` unifies typed values; `!=` is its negation; `<` `<=` `>` `>=` compare Integers numerically and
 *   Strings by bytes, and are false across types. `@current_unix_time` is `options.now` (seconds).
 * - `isa` keeps a value whose type is listed; `in` means "equals one of the listed terms".
 * - Wildcards ("any value of type T", from a head variable that no body literal binds): instead of a
 *   wildcard marker, each type's domain is the values mentioned anywhere (facts, policy, rules) plus
 *   K fresh ids that occur nowhere, and an unbound variable ranges over the domain of its `isa` types
 *   (of all types without one). Rules cannot tell unmentioned ids apart (only order comparisons can,
 *   and those on fresh values throw), so a tuple over a fresh id stands for every unmentioned id, and
 *   a query about an unmentioned value is answered by a distinct fresh id of its type. K >= the most
 *   variables in one rule, so any derivation can be renamed into the domain. Unlike a marker, this
 *   gets "any actor except the banned ones" right (F1: banned beats public).
 * - Booleans are a closed domain (`true`, `false`): no fresh ids.
 * - `list`/`actions` report every mentioned id/action that is allowed, plus `"*"` when a fresh one is.
 */
import type { Atom, Fact, Literal, Policy, Rule, Term, Value } from '../../lib/polar/ast.ts';

export interface ReferenceModel {
  holds(pred: string, args: Value[]): boolean;
  authorize(actor: Value, action: string, resource: Value): boolean;
  /** Sorted allowed ids of `type`, with `"*"` when unmentioned ids are allowed too. */
  list(actor: Value, action: string, type: string): string[];
  /** Sorted allowed actions, with `"*"` when unmentioned actions are allowed too. */
  actions(actor: Value, resource: Value): string[];
  /** The values of `type` mentioned by the policy or the facts. */
  mentioned(type: string): Value[];
}

type Subst = ReadonlyMap<string, Value>;
type Tuple = readonly Value[];

const FRESH = '\u0000fresh';
const isFresh = (v: Value): boolean => v.id.startsWith(FRESH);
const vkey = (v: Value): string => `${v.type}\u0001${v.id}`;
const tkey = (t: Tuple): string => t.map(vkey).join('\u0002');
const pkey = (pred: string, arity: number): string => `${pred}/${arity}`;
const same = (a: Value, b: Value): boolean => a.type === b.type && a.id === b.id;

/** Evaluates `policy` over `facts` (plus the policy's own facts) to its least model. */
export function evaluate(
  policy: Policy,
  facts: readonly Fact[],
  options: { now: number | bigint },
): ReferenceModel {
  const now: Value = {
    type: 'Integer',
    id: String(typeof options.now === 'bigint' ? options.now : Math.trunc(options.now)),
  };
  const allFacts = [...policy.facts, ...facts];
  const rels = new Map<string, Map<string, Tuple>>();
  const rel = (k: string) => rels.get(k) ?? rels.set(k, new Map()).get(k)!;
  for (const f of allFacts) rel(pkey(f.predicate, f.args.length)).set(tkey(f.args), f.args);

  // The domain: mentioned values per type, then K fresh ids per non-Boolean type.
  const mentioned = new Map<string, Map<string, Value>>();
  const mention = (v: Value) =>
    (mentioned.get(v.type) ?? mentioned.set(v.type, new Map()).get(v.type)!).set(v.id, v);
  for (const t of [...policy.types.map((d) => d.name), 'String', 'Integer']) mentioned.set(t, new Map());
  mention({ type: 'Boolean', id: 'true' });
  mention({ type: 'Boolean', id: 'false' });
  for (const f of allFacts) for (const v of f.args) mention(v);
  const ruleTerms = (r: Rule): Term[] =>
    [r.head, ...r.body.flatMap((l) => ('atom' in l ? [l.atom] : []))]
      .flatMap((a: Atom) => a.args)
      .concat(
        r.body.flatMap((l) =>
          l.kind === 'cmp' ? [l.left, l.right] : l.kind === 'in' ? [l.left, ...l.list] : [],
        ),
      );
  for (const r of policy.rules) for (const t of ruleTerms(r)) if (t.kind === 'value') mention(t.value);
  const varsIn = (r: Rule) => new Set(ruleTerms(r).flatMap((t) => (t.kind === 'var' ? [t.name] : [])));
  const k = Math.max(3, ...policy.rules.map((r) => Math.max(varsIn(r).size, r.head.args.length)));
  const domain = new Map<string, Value[]>();
  for (const [type, ids] of mentioned) {
    const fresh =
      type === 'Boolean' ? [] : Array.from({ length: k }, (_, i) => ({ type, id: `${FRESH}${i}` }));
    domain.set(type, [...ids.values(), ...fresh]);
  }
  const allValues = [...domain.values()].flat();

  const resolve = (t: Term, s: Subst): Value | undefined =>
    t.kind === 'var' ? s.get(t.name) : t.kind === 'value' ? t.value : now;
  const bind = (s: Subst, name: string, v: Value): Subst => new Map(s).set(name, v);

  /** Binds an atom's arguments against one tuple, or undefined when they clash. */
  const unify = (args: Term[], tuple: Tuple, s: Subst): Subst | undefined => {
    let out = s;
    for (const [i, t] of args.entries()) {
      const v = resolve(t, out);
      if (v === undefined && t.kind === 'var') out = bind(out, t.name, tuple[i]!);
      else if (v === undefined || !same(v, tuple[i]!)) return undefined;
    }
    return out;
  };

  const compare = (op: string, a: Value, b: Value): boolean => {
    if (op === '=') return same(a, b);
    if (op === '!=') return !same(a, b);
    if (a.type !== b.type || (a.type !== 'Integer' && a.type !== 'String')) return false;
    if (isFresh(a) || isFresh(b)) throw new Error(`reference: order comparison on an unbounded ${a.type}`);
    const c =
      a.type === 'Integer'
        ? Number(BigInt(a.id) - BigInt(b.id))
        : Buffer.compare(Buffer.from(a.id), Buffer.from(b.id));
    return op === '<' ? c < 0 : op === '<=' ? c <= 0 : op === '>' ? c > 0 : c >= 0;
  };

  // Per-round index (predicate, argument position, value) -> tuples; cleared whenever tuples are added.
  const index = new Map<string, Map<string, Tuple[]>>();
  const candidates = (atom: Atom, s: Subst): Iterable<Tuple> => {
    const p = pkey(atom.pred, atom.args.length);
    const pos = atom.args.findIndex((t) => resolve(t, s) !== undefined);
    if (pos < 0) return rel(p).values();
    const ik = `${p}#${pos}`;
    if (!index.has(ik)) {
      const m = new Map<string, Tuple[]>();
      for (const t of rel(p).values())
        (m.get(vkey(t[pos]!)) ?? m.set(vkey(t[pos]!), []).get(vkey(t[pos]!))!).push(t);
      index.set(ik, m);
    }
    return index.get(ik)!.get(vkey(resolve(atom.args[pos]!, s)!)) ?? [];
  };

  const unbound = (l: Literal, s: Subst): string[] => {
    const terms =
      'atom' in l
        ? l.atom.args
        : l.kind === 'cmp'
          ? [l.left, l.right]
          : l.kind === 'in'
            ? [l.left, ...l.list]
            : [];
    const names = terms.flatMap((t) => (t.kind === 'var' ? [t.name] : []));
    if (l.kind === 'isa') names.push(l.var);
    return names.filter((n) => !s.has(n));
  };

  /** All substitutions that satisfy the conjunction `lits`, extending `s`. */
  function* solve(lits: readonly Literal[], s: Subst): Generator<Subst> {
    if (lits.length === 0) return yield s;
    // Filters first, then literals that bind, then calls; only then enumerate a variable's domain.
    const rank = (l: Literal): number => {
      const free = unbound(l, s).length;
      if (free === 0) return 0;
      if (l.kind === 'cmp' && l.op === '=' && free === 1) return 1;
      if (
        l.kind === 'in' &&
        unbound({ ...l, list: [] }, s).length === 1 &&
        l.list.every((t) => resolve(t, s))
      )
        return 1;
      if (l.kind === 'call') return 2;
      return l.kind === 'isa' ? 3 : 4;
    };
    const ranks = lits.map(rank);
    const i = ranks.indexOf(Math.min(...ranks));
    const l = lits[i]!;
    const rest = lits.filter((_, j) => j !== i);
    const free = unbound(l, s);
    if (ranks[i] === 3 && l.kind === 'isa') {
      for (const v of l.types.flatMap((t) => domain.get(t) ?? [])) yield* solve(lits, bind(s, l.var, v));
      return;
    }
    if (ranks[i] === 4) {
      if (l.kind === 'not') throw new Error(`reference: unsafe negation of ${l.atom.pred}`);
      for (const v of allValues) yield* solve(lits, bind(s, free[0]!, v));
      return;
    }
    switch (l.kind) {
      case 'call': {
        for (const t of candidates(l.atom, s)) {
          const next = unify(l.atom.args, t, s);
          if (next) yield* solve(rest, next);
        }
        return;
      }
      case 'not': {
        const t = l.atom.args.map((a) => resolve(a, s)!);
        if (!rel(pkey(l.atom.pred, t.length)).has(tkey(t))) yield* solve(rest, s);
        return;
      }
      case 'isa':
        if (l.types.includes(s.get(l.var)!.type)) yield* solve(rest, s);
        return;
      case 'cmp': {
        const [a, b] = [resolve(l.left, s), resolve(l.right, s)];
        if (a && b) {
          if (compare(l.op, a, b)) yield* solve(rest, s);
        } else {
          const [v, t] = a ? [a, l.right] : [b!, l.left];
          if (t.kind === 'var') yield* solve(rest, bind(s, t.name, v));
        }
        return;
      }
      case 'in': {
        const a = resolve(l.left, s);
        for (const item of l.list.map((t) => resolve(t, s)!)) {
          if (a && same(a, item)) return yield* solve(rest, s);
          if (!a && l.left.kind === 'var') yield* solve(rest, bind(s, l.left.name, item));
        }
        return;
      }
      default:
        throw new Error(`reference: unknown literal ${(l satisfies never as Literal).kind}`);
    }
  }

  function* groundAll(args: Term[], s: Subst): Generator<Subst> {
    const name = args.find((t) => t.kind === 'var' && !s.has(t.name));
    if (name?.kind !== 'var') return yield s;
    for (const v of allValues) yield* groundAll(args, bind(s, name.name, v));
  }

  // Strata: a head sits at or above every predicate it calls and strictly above those it negates.
  const heads = new Set(policy.rules.map((r) => pkey(r.head.pred, r.head.args.length)));
  const stratum = new Map([...heads].map((h) => [h, 0]));
  for (let changed = true, round = 0; changed; round++) {
    if (round > heads.size + 1) throw new Error('reference: negation through recursion (not stratifiable)');
    changed = false;
    for (const r of policy.rules) {
      const h = pkey(r.head.pred, r.head.args.length);
      for (const l of r.body) {
        if (l.kind !== 'call' && l.kind !== 'not') continue;
        const need = (stratum.get(pkey(l.atom.pred, l.atom.args.length)) ?? 0) + (l.kind === 'not' ? 1 : 0);
        if (stratum.get(h)! < need) [changed] = [true, stratum.set(h, need)];
      }
    }
  }

  // Naive fixpoint per stratum: run every rule over everything known until a round adds nothing.
  const top = Math.max(0, ...stratum.values());
  for (let level = 0; level <= top; level++) {
    const rules = policy.rules.filter((r) => stratum.get(pkey(r.head.pred, r.head.args.length)) === level);
    for (let added = true; added; ) {
      const found: [string, Tuple][] = [];
      for (const r of rules) {
        for (const s of solve(r.body, new Map())) {
          // A head variable no literal binds ranges over everything (an untyped wildcard).
          for (const g of groundAll(r.head.args, s)) {
            found.push([pkey(r.head.pred, r.head.args.length), r.head.args.map((t) => resolve(t, g)!)]);
          }
        }
      }
      added = false;
      for (const [p, t] of found) if (!rel(p).has(tkey(t))) [added] = [true, rel(p).set(tkey(t), t)];
      index.clear();
    }
  }

  /** Maps each unmentioned value of a query to its own fresh id of the same type. */
  const canon = (values: Value[]): Value[] => {
    const used = new Map<string, Value>();
    return values.map((v) => {
      if (mentioned.get(v.type)?.has(v.id) || v.type === 'Boolean') return v;
      const taken = [...used.values()].filter((u) => u.type === v.type).length;
      return used.get(vkey(v)) ?? used.set(vkey(v), { type: v.type, id: `${FRESH}${taken}` }).get(vkey(v))!;
    });
  };
  const holds = (pred: string, args: Value[]): boolean => rel(pkey(pred, args.length)).has(tkey(canon(args)));
  const ANY = (type: string): Value => ({ type, id: `${FRESH}unmentioned` });
  const str = (s: string): Value => ({ type: 'String', id: s });
  const allowedIds = (type: string, ok: (v: Value) => boolean): string[] => {
    const ids = [...(mentioned.get(type)?.values() ?? [])].filter(ok).map((v) => v.id);
    return (ok(ANY(type)) ? [...ids, '*'] : ids).sort();
  };

  return {
    holds,
    authorize: (actor, action, resource) => holds('allow', [actor, str(action), resource]),
    list: (actor, action, type) => allowedIds(type, (v) => holds('allow', [actor, str(action), v])),
    actions: (actor, resource) => allowedIds('String', (v) => holds('allow', [actor, v, resource])),
    mentioned: (type) => [...(mentioned.get(type)?.values() ?? [])],
  };
}
