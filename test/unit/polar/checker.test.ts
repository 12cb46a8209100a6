import { describe, expect, it } from 'vitest';
import { DomainError } from '../../../lib/errors.ts';
import { parsePolicy } from '../../../lib/polar/index.ts';

/** Runs the front end and returns `line:column code: message` for each diagnostic, or [] if valid. */
function problems(src: string): { code: string | undefined; list: string[] } {
  try {
    parsePolicy([{ filename: 'p.polar', src }]);
    return { code: undefined, list: [] };
  } catch (e) {
    if (!(e instanceof DomainError)) throw e;
    return { code: e.code, list: e.diagnostics.map((d) => `${d.line}:${d.column} ${d.code}: ${d.message}`) };
  }
}

const BASE = `actor User {}
resource Org { roles = ["member", "admin"]; permissions = ["read"]; relations = { owner: User }; }
`; // lines 1-2; case sources start on line 3

interface Case {
  code: string;
  src: string;
  at: string;
  message: string;
}

const INVALID: Case[] = [
  {
    code: 'duplicate-global',
    src: 'global {}\nglobal {}',
    at: '4:1',
    message: 'a policy can have only one global block',
  },
  {
    code: 'reserved-type',
    src: 'resource Actor {}',
    at: '3:10',
    message: 'type name Actor is built in and cannot be declared',
  },
  {
    code: 'duplicate-type',
    src: 'resource User {}',
    at: '3:10',
    message: 'type User is declared as both actor and resource',
  },
  {
    code: 'unknown-type',
    src: 'allow(u: Usr, "a", o: Org) if f(u, o);',
    at: '3:10',
    message: 'unknown type Usr in the parameters of allow; did you mean User?',
  },
  {
    code: 'unknown-type',
    src: 'allow(u: User, "a", o: Org) if f(u, o, x) and x matches Repo;',
    at: '3:57',
    message: 'unknown type Repo in matches',
  },
  {
    code: 'unknown-type',
    src: 'allow(u: User, "a", o: Org) if f(u, o, Team{"x"});',
    at: '3:40',
    message: 'unknown type Team in object literal Team{"x"}',
  },
  {
    code: 'unknown-type',
    src: 'resource Repo { relations = { org: Organization }; }',
    at: '3:36',
    message: 'relation "org" of resource Repo refers to unknown type Organization',
  },
  {
    code: 'unknown-type',
    src: 'declare f(User, Team);',
    at: '3:17',
    message: 'unknown type Team in declare f',
  },
  {
    code: 'unknown-type',
    src: 'resource Repo extends Orgs {}',
    at: '3:23',
    message: 'resource Repo extends unknown type Orgs; did you mean Org?',
  },
  {
    code: 'extends-cycle',
    src: 'resource A extends B {}\nresource B extends A {}',
    at: '3:10',
    message: 'resource A extends itself through A -> B',
  },
  {
    code: 'duplicate-declaration',
    src: 'resource R { roles = ["x"]; permissions = ["x"]; }',
    at: '3:44',
    message: '"x" is declared twice in resource R (role and permission)',
  },
  {
    code: 'global-relations',
    src: 'global { relations = { o: Org }; }',
    at: '3:10',
    message: 'the global block cannot declare relations',
  },
  {
    code: 'unknown-name',
    src: 'resource R { roles = ["reader"]; "maintainer" if "reader"; }',
    at: '3:34',
    message: 'unknown role or permission "maintainer" in resource R',
  },
  {
    code: 'unknown-name',
    src: 'resource R { roles = ["reader"]; "reader" if "maintainer"; }',
    at: '3:46',
    message: 'unknown role, permission or relation "maintainer" in resource R',
  },
  {
    code: 'unknown-name',
    src: 'resource R { roles = ["reader"]; relations = { org: Org }; "reader" if "membr" on "org"; }',
    at: '3:72',
    message:
      'unknown role, permission or relation "membr" in resource Org (the "org" relation of resource R); did you mean "member"?',
  },
  {
    code: 'unknown-name',
    src: 'global { roles = ["admin"]; }\nresource R { roles = ["x"]; "x" if global "root"; }',
    at: '4:43',
    message: 'unknown global role or permission "root"',
  },
  {
    code: 'shorthand-head-relation',
    src: 'resource R { relations = { p: Org }; roles = ["a"]; "p" if "a"; }',
    at: '3:53',
    message: '"p" is a relation of resource R; a shorthand rule can grant only a role or a permission',
  },
  {
    code: 'no-global-block',
    src: 'resource R { roles = ["x"]; "x" if global "admin"; }',
    at: '3:43',
    message: '"admin" if global ... needs a global block that declares it',
  },
  {
    code: 'global-on',
    src: 'global { roles = ["a"]; "a" if "a" on "p"; }',
    at: '3:39',
    message: '"on" cannot be used in the global block, which has no relations',
  },
  {
    code: 'not-a-relation',
    src: 'resource R { roles = ["a"]; "a" if "a" on "a"; }',
    at: '3:43',
    message: '"a" is a role, not a relation, of resource R',
  },
  {
    code: 'unknown-relation',
    src: 'resource R { roles = ["a"]; relations = { parent: R }; "a" if "a" on "paren"; }',
    at: '3:70',
    message: 'unknown relation "paren" in resource R; did you mean "parent"?',
  },
  {
    code: 'relation-not-actor',
    src: 'resource R { roles = ["a"]; relations = { org: Org }; "a" if "org"; }',
    at: '3:62',
    message:
      'relation "org" of resource R points to Org, which is not an actor type; use "role" on "org" to inherit through it',
  },
  {
    code: 'shorthand-variable',
    src: 'resource R { relations = { p: R }; r if r on "p"; }',
    at: '3:36',
    message:
      'unknown shorthand variable "r"; use role if role on "relation" or permission if permission on "relation"',
  },
  {
    code: 'shorthand-variable',
    src: 'resource R { roles = ["a"]; role if "a"; }',
    at: '3:29',
    message:
      'a shorthand rule head must be a string such as "reader"; role is only allowed in role if role on "relation"',
  },
  {
    code: 'wrong-arity',
    src: 'has_role(u: User, "a", o: Org, x: Org);',
    at: '3:1',
    message: 'rule has_role has 4 arguments; has_role takes 2 or 3',
  },
  {
    code: 'wrong-arity',
    src: 'allow(u: User, "a", o: Org) if has_relation(o, u);',
    at: '3:32',
    message: 'call to has_relation has 2 arguments; has_relation takes 3',
  },
  {
    code: 'wrong-arity',
    src: 'declare has_permission(User);',
    at: '3:1',
    message: 'declaration of has_permission has 1 argument; has_permission takes 2 or 3',
  },
  {
    code: 'wrong-arity',
    src: 'declare f(User, Org);\nallow(u: User, "a", o: Org) if f(u, o, o);',
    at: '4:32',
    message: 'call to f has 3 arguments; it is declared with 2',
  },
  {
    code: 'wrong-arity',
    src: 'test "t" { setup { has_role(User{"a"}); } }',
    at: '3:20',
    message: 'fact has_role has 1 argument; has_role takes 2 or 3',
  },
  {
    code: 'abstract-type-value',
    src: 'allow(u: User, "a", o: Org) if f(u, Actor{"x"}, o);',
    at: '3:37',
    message: 'Actor{"x"} is not a value: Actor is abstract',
  },
  {
    code: 'bad-literal',
    src: 'allow(u: User, "a", o: Org) if f(u, Integer{"x1"}, o);',
    at: '3:37',
    message: 'Integer{"x1"} is not an integer',
  },
  {
    code: 'not-compound',
    src: 'allow(u: User, "a", o: Org) if f(u, o) and not (g(u) or h(u));',
    at: '3:44',
    message: 'not can only negate a single fact such as not is_banned(actor); found an or expression',
  },
  {
    code: 'not-compound',
    src: 'allow(u: User, "a", o: Org) if f(u, o) and not u = o;',
    at: '3:44',
    message: 'not can only negate a single fact such as not is_banned(actor); found a comparison',
  },
  {
    code: 'bad-operand',
    src: 'allow(u: User, "a", o: Org) if f(u, o) and u = [1];',
    at: '3:44',
    message: 'a list cannot be compared with =',
  },
  {
    code: 'non-ground-fact',
    src: 'test "t" { setup { has_role(User{"a"}, x, Org{"o"}); } }',
    at: '3:40',
    message: 'facts in a test setup must have only values as arguments; found variable "x"',
  },
  {
    code: 'duplicate-test',
    src: 'test "t" {}\ntest "t" {}',
    at: '4:6',
    message: 'duplicate test name "t" (first defined at p.polar:3:6)',
  },
  {
    code: 'duplicate-fixture',
    src: 'test fixture f {}\ntest fixture f {}',
    at: '4:14',
    message: 'duplicate fixture name "f" (first defined at p.polar:3:14)',
  },
  {
    code: 'unknown-fixture',
    src: 'test fixture base {}\ntest "t" { setup { fixture bas; } }',
    at: '4:28',
    message: 'unknown fixture "bas"; did you mean "base"?',
  },
  {
    code: 'untyped-assertion-variable',
    src: 'test "t" { assert allow(x, "read", Org{"o"}); }',
    at: '3:25',
    message: 'assertion variable "x" needs a type, e.g. x: String',
  },
  {
    code: 'bad-assertion-argument',
    src: 'test "t" { assert allow(User{"a"}, @current_unix_time, Org{"o"}); }',
    at: '3:36',
    message: 'assertion arguments must be values or one typed variable',
  },
  {
    code: 'assertion-variables',
    src: 'test "t" { assert allow(x: User, y: String, Org{"o"}); }',
    at: '3:34',
    message: 'an assertion can have at most one variable; found "x", "y"',
  },
  {
    code: 'iff-without-variable',
    src: 'test "t" { assert allow(User{"a"}, "read", Org{"o"}) iff x in []; }',
    at: '3:58',
    message: 'iff x needs a typed variable in the assertion',
  },
  {
    code: 'iff-variable-mismatch',
    src: 'test "t" { assert allow(User{"a"}, a: String, Org{"o"}) iff b in []; }',
    at: '3:61',
    message: 'iff names "b" but the assertion variable is "a"',
  },
  {
    code: 'unsupported-iff-not-in',
    src: 'test "t" { assert allow(User{"a"}, a: String, Org{"o"}) iff a not in ["x"]; }',
    at: '3:61',
    message: 'iff a not in [...] is not supported; list the values with iff ... in [...]',
  },
  {
    code: 'bad-iff-value',
    src: 'test "t" { assert allow(User{"a"}, "read", o: Org) iff o in [User{"b"}]; }',
    at: '3:62',
    message: 'iff value User{"b"} is not a Org',
  },
  {
    code: 'bad-iff-value',
    src: 'test "t" { assert allow(User{"a"}, "read", o: Resource) iff o in ["b"]; }',
    at: '3:67',
    message: 'cannot tell the type of "b" for a Resource variable; write Type{"b"}',
  },
  {
    code: 'unsafe-negation',
    src: 'allow(u: User, "a", o: Org) if f(u, o) and not banned(u, x);',
    at: '3:44',
    message: 'variable "x" in not banned(...) must also appear in a fact or rule call that is not negated',
  },
  {
    code: 'unsafe-variable',
    src: 'allow(u: User, "a", o: Org) if f(u, o) and n > 3;',
    at: '3:44',
    message: 'variable "n" is only compared, never bound; it must also appear in a fact or rule call',
  },
  {
    code: 'unsafe-variable',
    src: 'allow(u: User, "a", o: Org) if f(u, o) and n != m;',
    at: '3:44',
    message: 'variable "n" is only compared, never bound; it must also appear in a fact or rule call',
  },
  {
    code: 'unbound-head-variable',
    src: 'allow(u: User, action, o: Org) if f(u, o);',
    at: '3:16',
    message:
      'variable "action" in the head of allow is not bound by the body; give it a type (action: Type) or use it in a call',
  },
  {
    code: 'unbound-head-variable',
    src: 'seen(x, _);',
    at: '3:6',
    message:
      'variable "x" in the head of seen is not bound by the body; give it a type (x: Type) or use it in a call',
  },
  {
    code: 'unbound-head-variable',
    src: 'allow(u: User, _, o: Org) if f(u, o);',
    at: '3:16',
    message:
      'variable _ in the head of allow is not bound by the body; give it a type (_: Type) or use it in a call',
  },
  {
    code: 'unused-variable',
    src: 'allow(u: User, "a", o: Org) if f(u, o) and x matches User;',
    at: '3:44',
    message: 'variable "x" is only given a type with matches and never used',
  },
  {
    code: 'abstract-relation',
    src: 'resource R { roles = ["a"]; relations = { p: Resource }; "a" if "a" on "p"; }',
    at: '3:72',
    message: 'relation "p" of resource R has the abstract type Resource; ... on "p" needs a declared type',
  },
  {
    code: 'unstratified-negation',
    src: 'allow(u: User, "a", o: Org) if f(u, o) and not blocked(u, o);\nblocked(u: User, o: Org) if f(u, o) and allow(u, "a", o);',
    at: '3:44',
    message:
      'not blocked(...) depends on allow, the rule being defined: negation cannot go through recursion',
  },
  {
    code: 'unknown-name',
    src: 'resource R { roles = ["a"]; relations = { org: Org }; "a" if "member"; }',
    at: '3:62',
    message:
      'unknown role, permission or relation "member" in resource R; it is declared in resource Org: write ... if "member" on "org"',
  },
  {
    code: 'unknown-name',
    src: 'global { roles = ["root"]; }\nresource R { roles = ["a"]; "a" if "root"; }',
    at: '4:36',
    message:
      'unknown role, permission or relation "root" in resource R; it is declared in the global block: write ... if global "root"',
  },
  {
    code: 'unknown-predicate',
    src: 'test "t" { assert alow(User{"a"}, "read", Org{"o"}); }',
    at: '3:12',
    message: 'assert alow(...): no rule or fact defines alow; did you mean "allow"?',
  },
  {
    code: 'wrong-arity',
    src: 'test "t" { assert_not allow(User{"a"}, "read"); }',
    at: '3:12',
    message: 'assert_not allow has 2 arguments; allow is defined with 3',
  },
  {
    code: 'fact-mismatch',
    src: 'allow(u: User, "a", o: Org) if has_role(u, "member", o);\ntest "t" { setup { has_role(User{"a"}, "member", User{"b"}); } }',
    at: '4:20',
    message:
      'fact has_role(User, String, User) does not match how the policy uses has_role: expected has_role(User, String, Org)',
  },
  {
    code: 'fact-mismatch',
    src: 'test "t" { setup { nothing(User{"a"}); } }',
    at: '3:20',
    message: 'fact nothing(User) is not used by the policy: no rule reads nothing and no declare names it',
  },
  {
    code: 'body-too-complex',
    src: `allow(u: User, "a", o: Org) if ${Array.from({ length: 9 }, (_, i) => `(p${i}(u) or q${i}(o))`).join(' and ')};`,
    at: '3:33',
    message: 'rule body expands to more than 256 alternatives; split it into several rules',
  },
];

describe('checker: one diagnostic per kind, with code and exact line:column', () => {
  it('accepts the base policy', () => {
    expect(problems(BASE).list).toEqual([]);
  });
  for (const c of INVALID) {
    it(`${c.code} at ${c.at}: ${c.src.slice(0, 60)}`, () => {
      const { code, list } = problems(BASE + c.src);
      expect(code).toBe('policy-invalid');
      const hit = list.find((l) => l.startsWith(`${c.at} ${c.code}:`));
      expect(hit, list.join('\n')).toBeDefined();
      if (c.message) expect(hit).toBe(`${c.at} ${c.code}: ${c.message}`);
    });
  }
});

describe('checker: reporting', () => {
  it('reports every problem of a policy in one pass, sorted by position, in the error message too', () => {
    const src = `actor User {}
resource Repository {
  roles = ["reader"];
  permissions = ["read"];
  relations = { org: Organisation };
  "read" if "maintainer";
  "write" if "reader";
}
allow(u: Usr, "read", r: Repository) if not (a(u) and b(r));
test "x" { setup { fixture missing; } }
test "x" { }
`;
    let err: unknown;
    try {
      parsePolicy([{ filename: 'repo.polar', src }]);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DomainError);
    const e = err as DomainError;
    expect(e.code).toBe('policy-invalid');
    expect(e.diagnostics.map((d) => `${d.line}:${d.column} ${d.code}`)).toEqual([
      '5:22 unknown-type',
      '6:13 unknown-name',
      '7:3 unknown-name',
      '9:10 unknown-type',
      '9:41 not-compound',
      '10:28 unknown-fixture',
      '11:6 duplicate-test',
    ]);
    expect(e.message.split('\n')).toEqual([
      'policy has 7 problems',
      'repo.polar:5:22: relation "org" of resource Repository refers to unknown type Organisation',
      'repo.polar:6:13: unknown role, permission or relation "maintainer" in resource Repository',
      'repo.polar:7:3: unknown role or permission "write" in resource Repository',
      'repo.polar:9:10: unknown type Usr in the parameters of allow; did you mean User?',
      'repo.polar:9:41: not can only negate a single fact such as not is_banned(actor); found an and expression',
      'repo.polar:10:28: unknown fixture "missing"',
      'repo.polar:11:6: duplicate test name "x" (first defined at repo.polar:10:6)',
    ]);
  });

  it('names the right file when a policy spans several files', () => {
    try {
      parsePolicy([
        { filename: 'a.polar', src: 'actor User {}' },
        { filename: 'b.polar', src: 'resource Doc { roles = ["r"]; "r" if "q"; }' },
      ]);
      expect.unreachable();
    } catch (e) {
      expect((e as DomainError).diagnostics).toEqual([
        {
          code: 'unknown-name',
          message: 'unknown role, permission or relation "q" in resource Doc',
          file: 'b.polar',
          line: 1,
          column: 38,
        },
      ]);
    }
  });
});
