import { describe, expect, it } from 'vitest';
import type { DomainError } from '../../../lib/errors.ts';
import { parsePolicy } from '../../../lib/polar/index.ts';
import { tokenize } from '../../../lib/polar/lexer.ts';
import { parseFile } from '../../../lib/polar/parser.ts';
import type { SynBlock, SynExpr, SynRule, SynTest } from '../../../lib/polar/syntax.ts';

const parse = (src: string) => {
  const r = parseFile('p.polar', src);
  expect(r.diagnostics).toEqual([]);
  return r.file.items;
};
const body = (src: string): SynExpr => (parse(`f(x) if ${src};`)[0] as SynRule).body!;

/** Compact rendering of an expression tree, to check precedence. */
function show(e: SynExpr): string {
  switch (e.kind) {
    case 'or':
    case 'and':
      return `${e.kind}(${e.items.map(show).join(', ')})`;
    case 'not':
      return `not(${show(e.expr)})`;
    case 'call':
      return e.name;
    case 'cmp':
      return `cmp${e.op}`;
    case 'in':
      return 'in';
    case 'matches':
      return `matches ${e.type.name}`;
    case 'const':
      return String(e.value);
  }
}

describe('lexer', () => {
  it('tokenizes strings with escapes, integers, constants, comments and punctuation with positions', () => {
    const { tokens, diagnostics } = tokenize(
      'f',
      'a "x\\"y\\\\z\\n" -12 +7 @current_unix_time # comment\n  != <= >= :: {',
    );
    expect(diagnostics).toEqual([]);
    expect(tokens.map((t) => `${t.kind}:${t.value}@${t.line}:${t.column}`)).toEqual([
      'ident:a@1:1',
      'string:x"y\\z\n@1:3',
      'integer:-12@1:15',
      'integer:7@1:19',
      'constant:current_unix_time@1:22',
      'punct:!=@2:3',
      'punct:<=@2:6',
      'punct:>=@2:9',
      'punct:::@2:12',
      'punct:{@2:15',
      'eof:@2:16',
    ]);
  });

  it('accepts the 64-bit bounds and rejects one past them', () => {
    expect(tokenize('f', '9223372036854775807 -9223372036854775808').diagnostics).toEqual([]);
    expect(tokenize('f', 'x 9223372036854775808').diagnostics).toEqual([
      {
        code: 'integer-out-of-range',
        message: 'integer 9223372036854775808 is outside the signed 64-bit range',
        file: 'f',
        line: 1,
        column: 3,
      },
    ]);
  });
});

describe('parser: every construct', () => {
  it('actor/resource blocks with extends, roles, permissions, relations and shorthand forms', () => {
    const [user, repo] = parse(`
actor User extends Base {}
resource Repo {
  roles = ["reader", "admin",];
  permissions = ["read"];
  relations = { org: Org, owner: User, };
  "read" if "reader";
  "reader" if "member" on "org";
  "admin" if global "admin";
  "read" if "owner";
  role if role on "org";
  "read" if is_public(resource) and not banned(actor);
}`) as SynBlock[];
    expect(user).toMatchObject({
      kind: 'block',
      blockKind: 'actor',
      name: { name: 'User' },
      extends: { name: 'Base' },
      items: [],
    });
    expect(repo!.items.map((i) => i.kind)).toEqual([
      'decl',
      'decl',
      'relations',
      'shorthand',
      'shorthand',
      'shorthand',
      'shorthand',
      'shorthand',
      'shorthand',
    ]);
    expect(repo!.items[0]).toMatchObject({ what: 'roles', names: [{ value: 'reader' }, { value: 'admin' }] });
    expect(repo!.items[2]).toMatchObject({
      relations: [{ name: { value: 'org' }, type: { name: 'Org' } }, { name: { value: 'owner' } }],
    });
    expect(repo!.items.slice(3).map((i) => (i.kind === 'shorthand' ? i.body : null))).toMatchObject([
      { kind: 'implied', name: { value: 'reader' }, global: false },
      { kind: 'implied', name: { value: 'member' }, on: { value: 'org' } },
      { kind: 'implied', name: { value: 'admin' }, global: true },
      { kind: 'implied', name: { value: 'owner' } },
      { kind: 'var-on', name: { value: 'role' }, on: { value: 'org' } },
      { kind: 'expr', expr: { kind: 'and' } },
    ]);
    expect(repo!.items[7]).toMatchObject({
      head: { kind: 'ident', value: 'role', loc: { line: 11, column: 3 } },
    });
  });

  it('global block, declare, facts, bodiless rules and typed/literal/anonymous parameters', () => {
    const items = parse(`
global { roles = ["admin"]; permissions = ["support"]; "support" if "admin"; }
declare is_public(Repo, Boolean);
declare g(a::B);
plan(Plan{"pro"}, 10, true, "x");
has_permission(_: User, "create", "Organization");
has_permission(user: User, "read", user: User);
p(x, Integer{5}, Boolean{false});
`);
    expect(items.map((i) => i.kind)).toEqual([
      'global',
      'declare',
      'declare',
      'rule',
      'rule',
      'rule',
      'rule',
    ]);
    expect(items[2]).toMatchObject({ name: 'g', types: [{ name: 'a::B' }] });
    expect(items[1]).toMatchObject({ name: 'is_public', types: [{ name: 'Repo' }, { name: 'Boolean' }] });
    const fact = items[3] as SynRule;
    expect(fact.params.map((p) => p.term)).toMatchObject([
      { kind: 'object', type: { name: 'Plan' }, id: 'pro' },
      { kind: 'integer', value: '10' },
      { kind: 'boolean', value: true },
      { kind: 'string', value: 'x' },
    ]);
    expect((items[4] as SynRule).params[0]).toMatchObject({
      term: { kind: 'var', name: '_' },
      type: { name: 'User' },
    });
    expect((items[6] as SynRule).params.map((p) => p.term)).toMatchObject([
      { kind: 'var' },
      { kind: 'object', type: { name: 'Integer' }, id: '5' },
      { kind: 'object', type: { name: 'Boolean' }, id: 'false' },
    ]);
  });

  it('precedence: or < and < not; parentheses group', () => {
    expect(show(body('a(x) or b(x) and c(x)'))).toBe('or(a, and(b, c))');
    expect(show(body('not a(x) and b(x)'))).toBe('and(not(a), b)');
    expect(show(body('not (a(x) and b(x)) or c(x)'))).toBe('or(not(and(a, b)), c)');
    expect(show(body('(a(x) or b(x)) and not not c(x)'))).toBe('and(or(a, b), not(not(c)))');
    expect(show(body('x = 1 and x != 2 and x < 3 and x <= 4 and x > 5 and x >= 6'))).toBe(
      'and(cmp=, cmp!=, cmp<, cmp<=, cmp>, cmp>=)',
    );
    expect(show(body('x in ["a", "b"] and x matches a::T and true or false'))).toBe(
      'or(and(in, matches a::T, true), false)',
    );
    expect(body('x > @current_unix_time')).toMatchObject({ right: { kind: 'now' } });
  });

  it('tests and fixtures', () => {
    const items = parse(`
test fixture base { has_role(User{"a"}, "admin", Org{"o"}); }
test "name with \\"quotes\\"" {
  setup { fixture base; is_public(Repo{"r"}, true); }
  assert allow(User{"a"}, "read", Repo{"r"});
  assert_not allow(User{"b"}, "read", Repo{"r"});
  assert allow(User{"a"}, action: String, Repo{"r"}) iff action in ["read", "write"];
  assert has_role(User{"a"}, r: String, Org{"o"}) iff r not in [];
}`);
    expect(items[0]).toMatchObject({
      kind: 'fixture',
      name: { value: 'base' },
      facts: [{ name: 'has_role' }],
    });
    const t = items[1] as SynTest;
    expect(t.name.value).toBe('name with "quotes"');
    expect(t.setup).toMatchObject([
      { kind: 'use-fixture', name: { value: 'base' } },
      { kind: 'rule', name: 'is_public' },
    ]);
    expect(t.assertions.map((a) => a.kind)).toEqual(['assert', 'assert_not', 'assert', 'assert']);
    expect(t.assertions[2]!.iff).toMatchObject({
      var: { value: 'action' },
      negated: false,
      list: { items: [{}, {}] },
    });
    expect(t.assertions[3]!.iff).toMatchObject({ negated: true });
  });

  it('rules named like block keywords and variables named actor/resource', () => {
    const items = parse(
      'actor(x) if resource(x);\nallow(actor, action, resource) if has_permission(actor, action, resource);',
    );
    expect(items.map((i) => i.kind)).toEqual(['rule', 'rule']);
  });
});

interface SyntaxCase {
  src: string;
  at: string;
  code: string;
  message: string;
}

const SYNTAX: SyntaxCase[] = [
  {
    src: 'test "t" {\n  setup { }\n  setup { }\n}',
    at: '3:3',
    code: 'duplicate-setup',
    message: 'a test can have only one setup block',
  },
  {
    src: 'resource R {\n  roles = ["a", "b"];\n  "a" if "b"\n  "c" if "a";\n}',
    at: '4:3',
    code: 'syntax-error',
    message: 'expected ";" after the shorthand rule, found string "c"',
  },
  {
    src: 'f(x) if g(1.5);',
    at: '1:11',
    code: 'unsupported-float',
    message: 'floating-point number 1.5 is not supported; only integers',
  },
  { src: 'f("a\\qb");', at: '1:5', code: 'bad-escape', message: 'unknown escape sequence "\\q" in string' },
  {
    src: 'f(x) if g("abc);',
    at: '1:11',
    code: 'unterminated-string',
    message: 'unterminated string literal',
  },
  {
    src: 'f(x) if x > @now;',
    at: '1:13',
    code: 'unknown-constant',
    message: 'unknown constant "@now"; the only constant is @current_unix_time',
  },
  {
    src: 'f(x) if g(x) && h(x);',
    at: '1:14',
    code: 'unexpected-character',
    message: 'unexpected character "&"',
  },
  {
    src: 'resource Repo {\n  roles = ["a"]\n  permissions = ["b"];\n}',
    at: '3:3',
    code: 'syntax-error',
    message: 'expected ";" after the roles list, found "permissions"',
  },
  {
    src: 'resource Repo { "a" if "b" and "c"; }',
    at: '1:24',
    code: 'syntax-error',
    message:
      'a shorthand rule body is one of "role", "role" on "relation", global "role", or a condition; "b" and ... is not allowed: write one shorthand rule per line or a longhand rule',
  },
  {
    src: 'allow(a, b, c) if has_permission(a, b, c)',
    at: '1:42',
    code: 'syntax-error',
    message: 'expected ";" after the body of allow, found end of file',
  },
  {
    src: 'allow(a, b, c) has_permission(a, b, c);',
    at: '1:16',
    code: 'syntax-error',
    message: 'expected "if" or ";" after allow(...), found "has_permission"',
  },
  {
    src: 'f(x) if x == 1;',
    at: '1:11',
    code: 'syntax-error',
    message: '"==" is not a polar operator; use "=" for equality',
  },
  {
    src: 'f(x) if x in y;',
    at: '1:14',
    code: 'syntax-error',
    message: 'expected a list [...] after "in", found "y"',
  },
  {
    src: 'f(x) if g(x) and;',
    at: '1:17',
    code: 'syntax-error',
    message: 'expected a value or variable, found ";"',
  },
  {
    src: 'f(x) if x;',
    at: '1:10',
    code: 'syntax-error',
    message:
      'expected a condition after "x": a call needs "(", or use =, !=, <, <=, >, >=, in, matches; found ";"',
  },
  {
    src: 'f("a": String);',
    at: '1:6',
    code: 'syntax-error',
    message: 'only a variable can be given a type with ":"',
  },
  {
    src: 'test fixture f { g(x) if h(x); }',
    at: '1:23',
    code: 'syntax-error',
    message: 'a fact cannot have a body: g(...) if ...',
  },
  {
    src: 'test "t" { assrt allow(x); }',
    at: '1:12',
    code: 'syntax-error',
    message: 'expected setup { ... }, assert or assert_not, found "assrt"',
  },
  {
    src: '"read" if "reader";',
    at: '1:1',
    code: 'syntax-error',
    message: 'expected a rule, fact, actor/resource/global block, declare or test, found string "read"',
  },
  {
    src: 'resource R { relations = { parent Folder }; }',
    at: '1:35',
    code: 'syntax-error',
    message: 'expected ":" after relation name parent, found "Folder"',
  },
  {
    src: 'resource R {\n  roles = ["a"];',
    at: '2:17',
    code: 'syntax-error',
    message: 'missing "}" to close resource R',
  },
  {
    src: 'f(x) if g(Repo{x});',
    at: '1:16',
    code: 'syntax-error',
    message: 'expected the id of Repo as a string, found "x"',
  },
];

describe('parser: syntax errors carry file:line:column', () => {
  for (const c of SYNTAX) {
    it(`${c.code} at ${c.at}: ${c.src.slice(0, 50)}`, () => {
      const { diagnostics } = parseFile('p.polar', c.src);
      expect(diagnostics.map((d) => `${d.line}:${d.column} ${d.code}: ${d.message}`)).toContain(
        `${c.at} ${c.code}: ${c.message}`,
      );
    });
  }

  it('recovers after an error and reports later ones in the same file and in other files', () => {
    let err: DomainError | undefined;
    try {
      parsePolicy([
        {
          filename: 'a.polar',
          src: 'actor User {}\nresource R {\n  roles = ["a" "b"];\n  "a" if ;\n  permissions = ["p"];\n}\nf(x) if g(x) h(x);\ng(1);\n',
        },
        { filename: 'b.polar', src: 'test "t" { assert allow(; }\n' },
      ]);
    } catch (e) {
      err = e as DomainError;
    }
    expect(err?.code).toBe('policy-syntax');
    expect(err?.diagnostics.map((d) => `${d.file}:${d.line}:${d.column}`)).toEqual([
      'a.polar:3:16',
      'a.polar:4:10',
      'a.polar:7:14',
      'b.polar:1:25',
    ]);
    expect(err?.message.split('\n')[0]).toBe('policy has 4 syntax errors');
    expect(err?.message).toContain('a.polar:3:16: expected "]" to close the roles list, found string "b"');
  });

  it('bounds nesting depth instead of overflowing the stack', () => {
    const deep = `f(x) if ${'('.repeat(5000)}g(x)${')'.repeat(5000)};`;
    const { diagnostics } = parseFile('p.polar', deep);
    expect(diagnostics[0]?.message).toBe('expression is nested too deeply');
    const nots = `f(x) if ${'not '.repeat(5000)}g(x);`;
    expect(parseFile('p.polar', nots).diagnostics[0]?.message).toBe('expression is nested too deeply');
  });
});
