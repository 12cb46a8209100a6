// Recursive-descent parser for Oso Cloud Polar; recovers at `;` / `}` to report many errors per file.
import type { Diagnostic } from '../errors.ts';
import { tokenize } from './lexer.ts';
import { Cursor, describe, SyntaxFail } from './parser-base.ts';
import { parseExpr } from './parser-expr.ts';
import type {
  BlockItem,
  Named,
  Param,
  SetupItem,
  ShorthandBody,
  SynAssertion,
  SynFile,
  SynItem,
  SynRule,
  SynTest,
  TypeRef,
} from './syntax.ts';

const TOP_WORDS = new Set(['actor', 'resource', 'global', 'declare', 'test']);

/** Parses one file into a syntax tree plus every syntax diagnostic found (lexical ones included). */
export function parseFile(filename: string, src: string): { file: SynFile; diagnostics: Diagnostic[] } {
  const lexed = tokenize(filename, src);
  const c = new Cursor(filename, lexed.tokens);
  const items: SynItem[] = [];
  while (c.peek().kind !== 'eof') {
    const start = c.pos;
    try {
      items.push(parseItem(c));
    } catch (e) {
      if (!(e instanceof SyntaxFail)) throw e;
      recover(c, false);
      if (c.pos === start) c.next();
    }
  }
  return { file: { filename, items }, diagnostics: [...lexed.diagnostics, ...c.diagnostics] };
}

/** Skips to just after the next `;` (or a closing `}`) at the current nesting level. */
function recover(c: Cursor, insideBlock: boolean): void {
  let depth = 0;
  while (c.peek().kind !== 'eof') {
    const t = c.peek();
    if (t.kind === 'punct' && '{(['.includes(t.value)) depth++;
    else if (t.kind === 'punct' && '})]'.includes(t.value)) {
      if (depth === 0) {
        if (insideBlock && t.value === '}') return;
        c.next();
        if (t.value === '}') return;
        continue;
      }
      depth--;
      if (depth === 0 && t.value === '}' && !insideBlock) {
        c.next();
        if (c.isPunct(';')) c.next();
        return;
      }
    } else if (t.kind === 'punct' && t.value === ';' && depth === 0) {
      c.next();
      return;
    } else if (
      !insideBlock &&
      depth === 0 &&
      t.kind === 'ident' &&
      t.column === 1 &&
      TOP_WORDS.has(t.value)
    ) {
      return;
    }
    c.next();
  }
}

function parseItem(c: Cursor): SynItem {
  const t = c.peek();
  const loc = c.loc(t);
  if (t.kind === 'ident' && !c.isPunct('(', 1)) {
    if (t.value === 'actor' || t.value === 'resource') {
      c.next();
      const name = c.typeName(`a type name after "${t.value}"`);
      let ext: TypeRef | undefined;
      if (c.isWord('extends')) {
        c.next();
        ext = c.typeName('a type name after "extends"');
      }
      const items = parseBlockBody(c, `${t.value} ${name.name}`);
      return { kind: 'block', blockKind: t.value, name, ...(ext ? { extends: ext } : {}), items, loc };
    }
    if (t.value === 'global') {
      c.next();
      return { kind: 'global', items: parseBlockBody(c, 'global'), loc };
    }
    if (t.value === 'declare') {
      c.next();
      const name = c.ident('a predicate name after "declare"').value;
      c.expectPunct('(', `after declare ${name}`);
      const types: TypeRef[] = [];
      while (!c.isPunct(')')) {
        types.push(c.typeName('an argument type'));
        if (!c.isPunct(',')) break;
        c.next();
      }
      c.expectPunct(')', `to close declare ${name}(...)`);
      c.expectPunct(';', `after declare ${name}(...)`);
      return { kind: 'declare', name, types, loc };
    }
    if (t.value === 'test') return parseTest(c);
    c.fail(`expected a rule, fact, actor/resource/global block, declare or test, found ${describe(t)}`);
  }
  if (t.kind !== 'ident') {
    c.fail(`expected a rule, fact, actor/resource/global block, declare or test, found ${describe(t)}`);
  }
  return parseRule(c, true);
}

/** `name(params) [if body];` */
function parseRule(c: Cursor, allowBody: boolean): SynRule {
  const first = c.peek();
  const name = c.ident('a rule name').value;
  const params = parseParams(c, name);
  let body: SynRule['body'];
  if (!c.isWord('if') && !c.isPunct(';')) {
    c.fail(`expected "if" or ";" after ${name}(...), found ${describe(c.peek())}`);
  }
  if (c.isWord('if')) {
    if (!allowBody) c.fail(`a fact cannot have a body: ${name}(...) if ...`);
    c.next();
    body = parseExpr(c);
  }
  c.expectPunct(';', body ? `after the body of ${name}` : `after ${name}(...)`);
  return { kind: 'rule', name, params, ...(body ? { body } : {}), loc: c.loc(first) };
}

function parseParams(c: Cursor, name: string): Param[] {
  c.expectPunct('(', `after ${name}`);
  const params: Param[] = [];
  while (!c.isPunct(')')) {
    const term = c.term();
    if (c.isPunct(':')) {
      const colon = c.next();
      if (term.kind !== 'var') c.fail('only a variable can be given a type with ":"', colon);
      params.push({ term, type: c.typeName('a type name after ":"') });
    } else params.push({ term });
    if (!c.isPunct(',')) break;
    c.next();
  }
  c.expectPunct(')', `to close the parameters of ${name}`);
  return params;
}

function parseBlockBody(c: Cursor, what: string): BlockItem[] {
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
  if (t.kind === 'string' && (c.isPunct(';', 1) || c.isWord('on', 1))) {
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

function parseTest(c: Cursor): SynItem {
  const loc = c.loc(c.next());
  if (c.isWord('fixture')) {
    c.next();
    const n = c.ident('a fixture name');
    c.expectPunct('{', `to open test fixture ${n.value}`);
    const facts = parseFacts(c, `test fixture ${n.value}`).filter((f): f is SynRule => f.kind === 'rule');
    return { kind: 'fixture', name: { value: n.value, loc: c.loc(n) }, facts, loc };
  }
  const name = c.string('a test name or "fixture"');
  c.expectPunct('{', `to open test ${JSON.stringify(name.value)}`);
  const test: SynTest = { kind: 'test', name, setup: [], assertions: [], loc };
  while (!c.isPunct('}')) {
    if (c.peek().kind === 'eof') c.fail(`missing "}" to close test ${JSON.stringify(name.value)}`);
    const start = c.pos;
    try {
      if (c.isWord('setup') && c.isPunct('{', 1)) {
        c.next();
        c.next();
        test.setup.push(...parseFacts(c, 'setup', true));
      } else test.assertions.push(parseAssertion(c));
    } catch (e) {
      if (!(e instanceof SyntaxFail)) throw e;
      recover(c, true);
      if (c.pos === start) c.next();
    }
  }
  c.next();
  return test;
}

/** Facts (and `fixture name;` lines in a setup) up to and including the closing `}`. */
function parseFacts(c: Cursor, what: string, allowFixtures = false): SetupItem[] {
  const out: SetupItem[] = [];
  while (!c.isPunct('}')) {
    if (c.peek().kind === 'eof') c.fail(`missing "}" to close ${what}`);
    const start = c.pos;
    try {
      if (allowFixtures && c.isWord('fixture') && c.peek(1).kind === 'ident') {
        const loc = c.loc(c.next());
        const n = c.ident('a fixture name');
        c.expectPunct(';', `after fixture ${n.value}`);
        out.push({ kind: 'use-fixture', name: { value: n.value, loc: c.loc(n) }, loc });
      } else out.push(parseRule(c, false));
    } catch (e) {
      if (!(e instanceof SyntaxFail)) throw e;
      recover(c, true);
      if (c.pos === start) c.next();
    }
  }
  c.next();
  return out;
}

function parseAssertion(c: Cursor): SynAssertion {
  const t = c.peek();
  if (!(c.isWord('assert') || c.isWord('assert_not'))) {
    c.fail(`expected setup { ... }, assert or assert_not, found ${describe(t)}`);
  }
  c.next();
  const kind = t.value as 'assert' | 'assert_not';
  const name = c.ident('a predicate name').value;
  const params = parseParams(c, name);
  let iff: SynAssertion['iff'];
  if (c.isWord('iff')) {
    c.next();
    const v = c.ident('the assertion variable after "iff"');
    let negated = false;
    if (c.isWord('not')) {
      c.next();
      negated = true;
    }
    c.expectWord('in', `after iff ${v.value}`);
    if (!c.isPunct('[')) c.fail(`expected a list [...] after "in", found ${describe(c.peek())}`);
    iff = { var: { value: v.value, loc: c.loc(v) }, negated, list: c.list() };
  }
  c.expectPunct(';', `after the ${kind}`);
  return { kind, name, params, ...(iff ? { iff } : {}), loc: c.loc(t) };
}
