// Recursive-descent parser for Oso Cloud Polar; recovers at `;` / `}` to report many errors per file.
import type { Diagnostic } from '../errors.ts';
import { tokenize } from './lexer.ts';
import { Cursor, describe, recover, SyntaxFail } from './parser-base.ts';
import { parseBlockBody } from './parser-blocks.ts';
import { parseExpr } from './parser-expr.ts';
import type {
  Param,
  SetupItem,
  SynAssertion,
  SynFile,
  SynItem,
  SynRule,
  SynTest,
  TypeRef,
} from './syntax.ts';

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
  let setups = 0;
  while (!c.isPunct('}')) {
    if (c.peek().kind === 'eof') c.fail(`missing "}" to close test ${JSON.stringify(name.value)}`);
    const start = c.pos;
    try {
      if (c.isWord('setup') && c.isPunct('{', 1)) {
        const at = c.next();
        if (++setups === 2) {
          const where = c.loc(at);
          c.diagnostics.push({
            code: 'duplicate-setup',
            message: 'a test can have only one setup block',
            ...where,
          });
        }
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
