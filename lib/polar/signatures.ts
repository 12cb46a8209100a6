// Fact signatures: which (predicate, argument types) the policy can read, and whether a fact fits one.
import type { Fact, FactSignature, Policy, Rule, Term } from './ast.ts';

/** Argument types of one term in a rule: a constant's type, a variable's isa types, or any (`[]`). */
function termTypes(t: Term, varTypes: Map<string, string[]>): string[] {
  if (t.kind === 'value') return [t.value.type];
  if (t.kind === 'now') return ['Integer'];
  return varTypes.get(t.name) ?? [];
}

/**
 * Per-variable types from `isa` literals (several intersect); an untyped variable takes the type of
 * the constants it is unified with (`=`, `in`) or ordered against an Integer (`<`, `<=`, `>`, `>=`).
 */
function varTypes(rule: Rule): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const l of rule.body) {
    if (l.kind !== 'isa') continue;
    const prev = out.get(l.var);
    out.set(l.var, prev === undefined ? [...l.types] : prev.filter((t) => l.types.includes(t)));
  }
  const hints = new Map<string, Set<string>>();
  const hint = (v: Term, types: string[]) => {
    if (v.kind !== 'var' || out.has(v.name) || types.length === 0) return;
    const set = hints.get(v.name) ?? new Set<string>();
    for (const t of types) set.add(t);
    hints.set(v.name, set);
  };
  const constType = (t: Term) => (t.kind === 'value' ? [t.value.type] : t.kind === 'now' ? ['Integer'] : []);
  for (const l of rule.body) {
    if (l.kind === 'cmp' && l.op !== '!=') {
      const ordered = l.op !== '=';
      const lt = constType(l.left).filter((t) => !ordered || t === 'Integer');
      const rt = constType(l.right).filter((t) => !ordered || t === 'Integer');
      hint(l.left, rt);
      hint(l.right, lt);
    } else if (l.kind === 'in' && l.list.length > 0 && l.list.every((i) => i.kind !== 'var')) {
      hint(l.left, l.list.flatMap(constType));
    }
  }
  for (const [v, set] of hints) out.set(v, [...set]);
  return out;
}

/**
 * One signature per distinct use: every call (negated or not) in a rule body may read stored facts.
 * `declared` signatures are added as written (types already expanded).
 */
export function inferSignatures(rules: Rule[], declared: FactSignature[]): FactSignature[] {
  const seen = new Map<string, FactSignature>();
  const add = (sig: FactSignature) => {
    const norm = { predicate: sig.predicate, argTypes: sig.argTypes.map((ts) => [...new Set(ts)].sort()) };
    const key = JSON.stringify(norm);
    if (!seen.has(key)) seen.set(key, norm);
  };
  for (const r of rules) {
    const types = varTypes(r);
    for (const l of r.body) {
      if (l.kind === 'call' || l.kind === 'not') {
        add({ predicate: l.atom.pred, argTypes: l.atom.args.map((a) => termTypes(a, types)) });
      }
    }
  }
  for (const d of declared) add(d);
  return [...seen.values()];
}

const fits = (sig: FactSignature, fact: Fact) =>
  sig.argTypes.length === fact.args.length &&
  sig.argTypes.every((ts, i) => ts.length === 0 || ts.includes(fact.args[i]!.type));

const showSig = (s: FactSignature) =>
  `${s.predicate}(${s.argTypes.map((ts) => (ts.length === 0 ? '_' : ts.join(' | '))).join(', ')})`;

/**
 * Null when the fact's predicate, arity and argument types fit one of the policy's signatures;
 * otherwise a lower-case explanation showing the fact's shape and what the policy expects.
 */
export function checkFact(policy: Pick<Policy, 'signatures'>, fact: Fact): string | null {
  const sameName = policy.signatures.filter((s) => s.predicate === fact.predicate);
  if (sameName.some((s) => fits(s, fact))) return null;
  const shape = `${fact.predicate}(${fact.args.map((a) => a.type).join(', ')})`;
  if (sameName.length === 0) {
    return `fact ${shape} is not used by the policy: no rule reads ${fact.predicate} and no declare names it`;
  }
  const sameArity = sameName.filter((s) => s.argTypes.length === fact.args.length);
  if (sameArity.length === 0) {
    const arities = [...new Set(sameName.map((s) => s.argTypes.length))].sort().join(' or ');
    const n = fact.args.length;
    return `fact ${shape} has ${n} argument${n === 1 ? '' : 's'} but the policy uses ${fact.predicate} with ${arities}`;
  }
  const shown = sameArity.slice(0, 4).map(showSig).join('; ');
  const more = sameArity.length > 4 ? ` (and ${sameArity.length - 4} more)` : '';
  return `fact ${shape} does not match how the policy uses ${fact.predicate}: expected ${shown}${more}`;
}
