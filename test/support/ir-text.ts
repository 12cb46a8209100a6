/** Prints policy IR back as longhand Polar, for counterexamples and reports. */
import type { Fact, Literal, Policy, Rule, Term, Value } from '../../lib/polar/ast.ts';

const valueText = (v: Value): string =>
  v.type === 'String'
    ? JSON.stringify(v.id)
    : v.type === 'Integer' || v.type === 'Boolean'
      ? v.id
      : `${v.type}{${JSON.stringify(v.id)}}`;
const termText = (t: Term): string =>
  t.kind === 'var' ? t.name : t.kind === 'now' ? '@current_unix_time' : valueText(t.value);
const callText = (a: { pred: string; args: Term[] }): string =>
  `${a.pred}(${a.args.map(termText).join(', ')})`;

function literalText(l: Literal): string {
  switch (l.kind) {
    case 'call':
      return callText(l.atom);
    case 'not':
      return `not ${callText(l.atom)}`;
    case 'isa':
      return `${l.var} matches ${l.types.join('|')}`;
    case 'cmp':
      return `${termText(l.left)} ${l.op} ${termText(l.right)}`;
    case 'in':
      return `${termText(l.left)} in [${l.list.map(termText).join(', ')}]`;
    default:
      return (l satisfies never as Literal).kind;
  }
}

export const ruleText = (r: Rule): string =>
  r.body.length === 0
    ? `${callText(r.head)};`
    : `${callText(r.head)} if ${r.body.map(literalText).join(' and ')};`;
export const factText = (f: Fact): string => `${f.predicate}(${f.args.map(valueText).join(', ')});`;
export const policyText = (p: Policy): string =>
  [...p.rules.map(ruleText), ...p.facts.map(factText)].join('\n');
