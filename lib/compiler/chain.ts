import type { Literal, Rule } from '../polar/ast.ts';

/**
 * A linear recursive rule that walks one argument position: `p(v1..vn) :- <step over vk, wk, fresh
 * vars>, <isa filters on vi, i != k>, p(v1..wk..vn)`. Every other position passes through unchanged,
 * so `p(..c at k..)` holds iff some r reachable from c through the step satisfies a non-chain rule
 * (or a fact) at position k.
 */
export interface ChainRule {
  rule: Rule;
  k: number;
  /** Index of the recursive call in the rule body. */
  call: number;
  /** Types the walked position must have (isa on vk; null: any). */
  inTypes: string[] | null;
}

const cache = new WeakMap<Rule, ChainRule | null>();

/** The chain shape of a rule, or null when it does not fit. */
export function chainRule(rule: Rule): ChainRule | null {
  let c = cache.get(rule);
  if (c === undefined) {
    c = analyse(rule);
    cache.set(rule, c);
  }
  return c;
}

function varsOf(l: Literal): string[] {
  const terms =
    l.kind === 'call' || l.kind === 'not'
      ? l.atom.args
      : l.kind === 'cmp'
        ? [l.left, l.right]
        : l.kind === 'in'
          ? [l.left, ...l.list]
          : [];
  const out = terms.flatMap((t) => (t.kind === 'var' ? [t.name] : []));
  if (l.kind === 'isa') out.push(l.var);
  return out;
}

function analyse(rule: Rule): ChainRule | null {
  const { pred, args } = rule.head;
  const head = args.map((a) => (a.kind === 'var' ? a.name : null));
  if (head.some((h) => h === null) || new Set(head).size !== head.length) return null;
  const calls = rule.body.flatMap((l, i) =>
    l.kind === 'call' && l.atom.pred === pred && l.atom.args.length === args.length ? [i] : [],
  );
  if (calls.length !== 1) return null;
  const callIdx = calls[0]!;
  const call = rule.body[callIdx]!;
  if (call.kind !== 'call') return null;
  let k = -1;
  for (let i = 0; i < head.length; i++) {
    const a = call.atom.args[i]!;
    if (a.kind !== 'var') return null;
    if (a.name === head[i]) continue;
    if (k !== -1 || head.includes(a.name)) return null;
    k = i;
  }
  if (k === -1) return null;
  const vk = head[k]!;
  const wk = (call.atom.args[k] as { name: string }).name;
  const others = new Set(head.filter((_, i) => i !== k) as string[]);
  let inTypes: string[] | null = null;
  let outTypes: string[] | null = null;
  for (let i = 0; i < rule.body.length; i++) {
    if (i === callIdx) continue;
    const l = rule.body[i]!;
    // a negated call to p would make the walk depend on p itself
    if ((l.kind === 'call' || l.kind === 'not') && l.atom.pred === pred) return null;
    if (l.kind === 'isa' && others.has(l.var)) continue;
    if (varsOf(l).some((v) => others.has(v))) return null;
    if (l.kind === 'isa' && l.var === vk)
      inTypes = inTypes === null ? l.types : inTypes.filter((t) => l.types.includes(t));
    if (l.kind === 'isa' && l.var === wk)
      outTypes = outTypes === null ? l.types : outTypes.filter((t) => l.types.includes(t));
  }
  // a step that cannot follow itself (User -> Group) is one hop: plain unfolding handles it
  if (inTypes !== null && outTypes !== null && !outTypes.some((t) => inTypes!.includes(t))) return null;
  return { rule, k, call: callIdx, inTypes };
}

/** True when body literal `i` of a chain rule is a filter on a position other than the walked one. */
export function isFilter(c: ChainRule, i: number): boolean {
  const l = c.rule.body[i]!;
  if (l.kind !== 'isa') return false;
  const v = c.rule.head.args.findIndex((a) => a.kind === 'var' && a.name === l.var);
  return v !== -1 && v !== c.k;
}
