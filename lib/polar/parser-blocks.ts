// actor / resource / global block bodies: roles, permissions, relations and shorthand rules.
import { type Cursor, describe, recover, SyntaxFail } from './parser-base.ts';
import { parseExpr } from './parser-expr.ts';
import type { BlockItem, Named, ShorthandBody, TypeRef } from './syntax.ts';

/** `{ block items }` of an actor, resource or global block; recovers at each item. */
export function parseBlockBody(c: Cursor, what: string): BlockItem[] {
  c.expectPunct('{', `to open ${what}`);
  const items: BlockItem[] = [];
  while (!c.isPunct('}')) {
    if (c.peek().kind === 'eof') c.fail(`missing "}" to close ${what}`);
    const start = c.pos;
    try {
      items.push(parseBlockItem(c));
    } catch (e) {
      if (!(e instanceof SyntaxFail)) throw e;
      recover(c, true);
      if (c.pos === start) c.next();
    }
  }
  c.next();
  return items;
}

function parseBlockItem(c: Cursor): BlockItem {
  const t = c.peek();
  const loc = c.loc(t);
  if (t.kind === 'ident' && (t.value === 'roles' || t.value === 'permissions') && c.isPunct('=', 1)) {
    c.next();
    c.next();
    c.expectPunct('[', `to start the ${t.value} list`);
    const names: Named[] = [];
    while (!c.isPunct(']')) {
      names.push(c.string(`a ${t.value === 'roles' ? 'role' : 'permission'} name`));
      if (!c.isPunct(',')) break;
      c.next();
    }
    c.expectPunct(']', `to close the ${t.value} list`);
    c.expectPunct(';', `after the ${t.value} list`);
    return { kind: 'decl', what: t.value, names, loc };
  }
  if (t.kind === 'ident' && t.value === 'relations' && c.isPunct('=', 1)) {
    c.next();
    c.next();
    c.expectPunct('{', 'to start the relations, e.g. relations = { parent: Folder };');
    const relations: { name: Named; type: TypeRef }[] = [];
    while (!c.isPunct('}')) {
      const n = c.ident('a relation name');
      c.expectPunct(':', `after relation name ${n.value}`);
      relations.push({
        name: { value: n.value, loc: c.loc(n) },
        type: c.typeName(`the type of relation ${n.value}`),
      });
      if (!c.isPunct(',')) break;
      c.next();
    }
    c.expectPunct('}', 'to close the relations');
    c.expectPunct(';', 'after the relations');
    return { kind: 'relations', relations, loc };
  }
  if ((t.kind === 'string' || t.kind === 'ident') && c.isWord('if', 1)) {
    if (t.kind === 'ident') c.ident('a shorthand rule head');
    else c.next();
    c.next();
    const head = { kind: t.kind, value: t.value, loc };
    const body = parseShorthandBody(c);
    c.expectPunct(';', 'after the shorthand rule');
    return { kind: 'shorthand', head, body, loc };
  }
  return c.fail(
    `expected roles = [...], permissions = [...], relations = {...} or a shorthand rule such as "read" if "reader"; found ${describe(t)}`,
  );
}

function parseShorthandBody(c: Cursor): ShorthandBody {
  if (c.isWord('global') && c.peek(1).kind === 'string') {
    c.next();
    return { kind: 'implied', name: c.string('a global role or permission'), global: true };
  }
  const t = c.peek();
  if (t.kind === 'string' && !continuesCondition(c)) {
    const name = c.string('a role, permission or relation');
    if (!c.isWord('on')) return { kind: 'implied', name, global: false };
    c.next();
    return { kind: 'implied', name, global: false, on: c.string('a relation name after "on"') };
  }
  if (t.kind === 'string' && (c.isWord('and', 1) || c.isWord('or', 1))) {
    c.fail(
      `a shorthand rule body is one of "role", "role" on "relation", global "role", or a condition; ${JSON.stringify(t.value)} ${c.peek(1).value} ... is not allowed: write one shorthand rule per line or a longhand rule`,
    );
  }
  if (t.kind === 'ident' && c.isWord('on', 1)) {
    const v = c.ident('a variable');
    c.next();
    return {
      kind: 'var-on',
      name: { value: v.value, loc: c.loc(v) },
      on: c.string('a relation name after "on"'),
    };
  }
  return { kind: 'expr', expr: parseExpr(c) };
}

const OPERATORS = new Set(['=', '!=', '<', '<=', '>', '>=', '==']);

/** After a string in a shorthand body: does an operator follow, making the body a condition? */
function continuesCondition(c: Cursor): boolean {
  const next = c.peek(1);
  if (next.kind === 'punct') return OPERATORS.has(next.value);
  return next.kind === 'ident' && ['in', 'matches', 'and', 'or'].includes(next.value);
}
