// Range restriction: every variable must get its values from a positive call (or be a typed head variable).
import type { Literal, Rule, Term } from './ast.ts';
import type { Report } from './checker.ts';
import type { RuleCtx } from './desugar-body.ts';

const varsOf = (terms: Term[]): string[] => terms.flatMap((t) => (t.kind === 'var' ? [t.name] : []));

/** Variables bound by positive calls, then by `=` / `in` against bound terms, to a fixpoint. */
export function boundVars(body: Literal[]): Set<string> {
  const bound = new Set<string>();
  for (const l of body) if (l.kind === 'call') for (const v of varsOf(l.atom.args)) bound.add(v);
  const isBound = (t: Term) => t.kind !== 'var' || bound.has(t.name);
  for (let changed = true; changed; ) {
    changed = false;
    for (const l of body) {
      if (l.kind === 'cmp' && l.op === '=') {
        if (isBound(l.left) && l.right.kind === 'var' && !bound.has(l.right.name)) {
          bound.add(l.right.name);
          changed = true;
        }
        if (isBound(l.right) && l.left.kind === 'var' && !bound.has(l.left.name)) {
          bound.add(l.left.name);
          changed = true;
        }
      } else if (
        l.kind === 'in' &&
        l.left.kind === 'var' &&
        !bound.has(l.left.name) &&
        l.list.every(isBound)
      ) {
        bound.add(l.left.name);
        changed = true;
      }
    }
  }
  return bound;
}

/** Reports unsafe variables of one desugared rule; `what` names the rule in messages. */
export function checkSafety(rule: Rule, ctx: RuleCtx, report: Report, what: string): void {
  const bound = boundVars(rule.body);
  const typed = new Set(rule.body.flatMap((l) => (l.kind === 'isa' ? [l.var] : [])));
  const shown = (v: string) => (ctx.anonymous.has(v) ? '_' : `"${v}"`);
  const reported = new Set<string>();
  for (const l of rule.body) {
    let vars: string[] = [];
    if (l.kind === 'not') vars = varsOf(l.atom.args);
    else if (l.kind === 'cmp') vars = varsOf([l.left, l.right]);
    else if (l.kind === 'in') vars = varsOf([l.left, ...l.list]);
    for (const v of vars) {
      if (bound.has(v) || reported.has(v)) continue;
      reported.add(v);
      if (l.kind === 'not') {
        report(
          'unsafe-negation',
          `variable ${shown(v)} in not ${l.atom.pred}(...) must also appear in a fact or rule call that is not negated`,
          l.loc,
        );
      } else {
        report(
          'unsafe-variable',
          `variable ${shown(v)} is only compared, never bound; it must also appear in a fact or rule call`,
          l.loc,
        );
      }
    }
  }
  const headVars = new Set(varsOf(rule.head.args));
  for (const v of headVars) {
    if (bound.has(v) || typed.has(v) || reported.has(v)) continue;
    reported.add(v);
    const name = ctx.anonymous.has(v) ? '_' : v;
    report(
      'unbound-head-variable',
      `variable ${shown(v)} in the head of ${what} is not bound by the body; give it a type (${name}: Type) or use it in a call`,
      ctx.varLocs.get(v) ?? rule.loc,
    );
  }
  // A body variable that is only typed (x matches T) constrains nothing: almost always a typo.
  for (const l of rule.body) {
    if (l.kind !== 'isa' || bound.has(l.var) || headVars.has(l.var) || reported.has(l.var)) continue;
    reported.add(l.var);
    report('unused-variable', `variable "${l.var}" is only given a type with matches and never used`, l.loc);
  }
}
