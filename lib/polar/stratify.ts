// Negation must not go through recursion: `p if not q` is rejected when q depends on p.
import type { Rule } from './ast.ts';
import type { Report } from './checker.ts';

const key = (pred: string, arity: number) => `${pred}/${arity}`;

/** Reports every `not q(...)` whose predicate (by name and arity) can reach the rule's own head. */
export function checkStratification(rules: Rule[], report: Report): void {
  const deps = new Map<string, Set<string>>();
  for (const r of rules) {
    const h = key(r.head.pred, r.head.args.length);
    const out = deps.get(h) ?? new Set<string>();
    deps.set(h, out);
    for (const l of r.body)
      if (l.kind === 'call' || l.kind === 'not') out.add(key(l.atom.pred, l.atom.args.length));
  }
  const reaches = (from: string, to: string): boolean => {
    const seen = new Set<string>([from]);
    const stack = [from];
    while (stack.length > 0) {
      const cur = stack.pop()!;
      if (cur === to) return true;
      for (const d of deps.get(cur) ?? []) {
        if (!seen.has(d)) {
          seen.add(d);
          stack.push(d);
        }
      }
    }
    return false;
  };
  for (const r of rules) {
    const h = key(r.head.pred, r.head.args.length);
    for (const l of r.body) {
      if (l.kind !== 'not') continue;
      const q = key(l.atom.pred, l.atom.args.length);
      if (reaches(q, h)) {
        report(
          'unstratified-negation',
          `not ${l.atom.pred}(...) depends on ${r.head.pred}, the rule being defined: negation cannot go through recursion`,
          l.loc,
        );
      }
    }
  }
}
