// Prints desugared rules as one line of Polar-like text each, for golden comparisons in tests.
import type { Literal, Rule, Term } from '../../../lib/polar/index.ts';

export function showTerm(t: Term): string {
  if (t.kind === 'var') return t.name;
  if (t.kind === 'now') return '@current_unix_time';
  const { type, id } = t.value;
  if (type === 'String') return JSON.stringify(id);
  if (type === 'Integer' || type === 'Boolean') return id;
  return `${type}{${JSON.stringify(id)}}`;
}

export function showLiteral(l: Literal): string {
  switch (l.kind) {
    case 'call':
      return `${l.atom.pred}(${l.atom.args.map(showTerm).join(', ')})`;
    case 'not':
      return `not ${l.atom.pred}(${l.atom.args.map(showTerm).join(', ')})`;
    case 'cmp':
      return `${showTerm(l.left)} ${l.op} ${showTerm(l.right)}`;
    case 'in':
      return `${showTerm(l.left)} in [${l.list.map(showTerm).join(', ')}]`;
    case 'isa':
      return `${l.var} isa ${l.types.join('|') || '<none>'}`;
  }
}

export function showRule(r: Rule): string {
  const head = `${r.head.pred}(${r.head.args.map(showTerm).join(', ')})`;
  return r.body.length === 0 ? `${head};` : `${head} if ${r.body.map(showLiteral).join(' and ')};`;
}
