// Rule bodies: `or` < `and` < `not` < atoms (calls, comparisons, `in`, `matches`, parentheses).
import type { CmpOp } from './ast.ts';
import { type Cursor, describe } from './parser-base.ts';
import type { SynExpr, SynTerm } from './syntax.ts';

const CMP_OPS = new Set(['=', '!=', '<', '<=', '>', '>=']);
/** Nesting bound so adversarial input cannot overflow the stack. */
const MAX_DEPTH = 200;

export function parseExpr(c: Cursor, depth = 0): SynExpr {
  if (depth > MAX_DEPTH) c.fail('expression is nested too deeply');
  const first = parseAnd(c, depth);
  if (!c.isWord('or')) return first;
  const items = [first];
  while (c.isWord('or')) {
    c.next();
    items.push(parseAnd(c, depth));
  }
  return { kind: 'or', items, loc: first.loc };
}

function parseAnd(c: Cursor, depth: number): SynExpr {
  const first = parseUnary(c, depth);
  if (!c.isWord('and')) return first;
  const items = [first];
  while (c.isWord('and')) {
    c.next();
    items.push(parseUnary(c, depth));
  }
  return { kind: 'and', items, loc: first.loc };
}

function parseUnary(c: Cursor, depth: number): SynExpr {
  if (depth > MAX_DEPTH) c.fail('expression is nested too deeply');
  if (c.isWord('not')) {
    const loc = c.loc(c.next());
    if (c.isWord('in'))
      c.fail('"not in" is only allowed after "iff" in an assertion; write not (x in [...])');
    return { kind: 'not', expr: parseUnary(c, depth + 1), loc };
  }
  if (c.isPunct('(')) {
    c.next();
    const inner = parseExpr(c, depth + 1);
    c.expectPunct(')', 'to close the parenthesis');
    return inner;
  }
  return parseAtom(c);
}

function parseAtom(c: Cursor): SynExpr {
  const t = c.peek();
  const loc = c.loc(t);
  if (t.kind === 'ident' && c.isPunct('(', 1)) {
    const name = c.ident('a predicate name').value;
    return { kind: 'call', name, args: parseArgs(c, name), loc };
  }
  if (t.kind === 'ident' && (t.value === 'true' || t.value === 'false') && !isOperatorNext(c)) {
    c.next();
    return { kind: 'const', value: t.value === 'true', loc };
  }
  if (t.kind === 'ident' && (t.value === 'if' || t.value === 'and' || t.value === 'or')) {
    c.fail(`expected a condition, found keyword "${t.value}"`);
  }
  const left = c.term();
  const op = c.peek();
  if (op.kind === 'punct' && CMP_OPS.has(op.value)) {
    c.next();
    const right = c.term();
    return { kind: 'cmp', op: op.value as CmpOp, left, right, loc };
  }
  if (op.kind === 'punct' && op.value === '==')
    c.fail('"==" is not a polar operator; use "=" for equality', op);
  if (op.kind === 'ident' && op.value === 'in') {
    c.next();
    if (!c.isPunct('[')) c.fail(`expected a list [...] after "in", found ${describe(c.peek())}`);
    return { kind: 'in', left, list: c.list(), loc };
  }
  if (op.kind === 'ident' && op.value === 'matches') {
    c.next();
    return { kind: 'matches', left, type: c.typeName('a type name after "matches"'), loc };
  }
  return c.fail(
    left.kind === 'var'
      ? `expected a condition after ${termText(left)}: a call needs "(", or use =, !=, <, <=, >, >=, in, matches; found ${describe(op)}`
      : `expected an operator after ${termText(left)}, found ${describe(op)}`,
    op,
  );
}

function isOperatorNext(c: Cursor): boolean {
  const op = c.peek(1);
  return (op.kind === 'punct' && CMP_OPS.has(op.value)) || c.isWord('in', 1) || c.isWord('matches', 1);
}

/** `(term, ...)` for a call; trailing comma allowed. */
export function parseArgs(c: Cursor, name: string): SynTerm[] {
  c.expectPunct('(', `after ${name}`);
  const args: SynTerm[] = [];
  while (!c.isPunct(')')) {
    args.push(c.term());
    if (!c.isPunct(',')) break;
    c.next();
  }
  c.expectPunct(')', `to close the arguments of ${name}`);
  return args;
}

function termText(t: SynTerm): string {
  switch (t.kind) {
    case 'var':
      return `"${t.name}"`;
    case 'string':
      return JSON.stringify(t.value);
    case 'integer':
      return t.value;
    case 'boolean':
      return String(t.value);
    case 'object':
      return `${t.type.name}{${JSON.stringify(t.id)}}`;
    case 'now':
      return '@current_unix_time';
    case 'list':
      return 'a list';
  }
}
