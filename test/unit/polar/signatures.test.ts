import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkFact, parsePolicy, policyHash } from '../../../lib/polar/index.ts';

const f1 = parsePolicy([
  {
    filename: 'f1.polar',
    src: readFileSync(new URL('../../fixtures/policies/f1-github.polar', import.meta.url), 'utf8'),
  },
]);
const v = (type: string, id: string) => ({ type, id });

describe('checkFact', () => {
  it('accepts facts whose predicate, arity and types match a use in the policy', () => {
    expect(
      checkFact(f1, {
        predicate: 'has_role',
        args: [v('User', 'a'), v('String', 'admin'), v('Repository', 'r')],
      }),
    ).toBeNull();
    expect(
      checkFact(f1, { predicate: 'has_role', args: [v('User', 'root'), v('String', 'admin')] }),
    ).toBeNull();
    expect(
      checkFact(f1, {
        predicate: 'has_relation',
        args: [v('Issue', '1'), v('String', 'creator'), v('User', 'd')],
      }),
    ).toBeNull();
    expect(checkFact(f1, { predicate: 'is_banned', args: [v('Organization', 'anything')] })).toBeNull();
  });

  it('rejects unknown predicates, wrong arity and wrong types with a message showing the fact', () => {
    expect(checkFact(f1, { predicate: 'is_admin', args: [v('User', 'a')] })).toBe(
      'fact is_admin(User) is not used by the policy: no rule reads is_admin and no declare names it',
    );
    expect(checkFact(f1, { predicate: 'is_public', args: [v('Repository', 'r')] })).toBe(
      'fact is_public(Repository) has 1 argument but the policy uses is_public with 2',
    );
    expect(checkFact(f1, { predicate: 'is_public', args: [v('Repository', 'r'), v('String', 'yes')] })).toBe(
      'fact is_public(Repository, String) does not match how the policy uses is_public: expected is_public(Repository, Boolean)',
    );
    expect(
      checkFact(f1, { predicate: 'has_role', args: [v('Issue', 'a'), v('String', 'x'), v('User', 'u')] }),
    ).toMatch(
      /^fact has_role\(Issue, String, User\) does not match how the policy uses has_role: expected has_role\(User, String, /,
    );
  });

  it('accepts declared signatures, expanding abstract types and subtypes', () => {
    const p = parsePolicy([
      {
        filename: 'd.polar',
        src: 'actor User {}\nactor Bot extends User {}\nresource Doc {}\ndeclare tagged(Resource, String);\ndeclare owner(Doc, User);',
      },
    ]);
    expect(checkFact(p, { predicate: 'tagged', args: [v('Bot', 'b'), v('String', 't')] })).toBeNull();
    expect(checkFact(p, { predicate: 'owner', args: [v('Doc', 'd'), v('Bot', 'b')] })).toBeNull();
    expect(checkFact(p, { predicate: 'owner', args: [v('Doc', 'd'), v('Doc', 'e')] })).not.toBeNull();
  });

  it('infers Integer for variables compared with integers and String for = string constants', () => {
    const p = parsePolicy([
      {
        filename: 'q.polar',
        src: 'actor User {}\nallow(u: User, "x", u) if quota(u, n) and n < 10 and status(u, s) and s = "ok";',
      },
    ]);
    expect(checkFact(p, { predicate: 'quota', args: [v('User', 'a'), v('Integer', '3')] })).toBeNull();
    expect(checkFact(p, { predicate: 'quota', args: [v('User', 'a'), v('String', '3')] })).not.toBeNull();
    expect(checkFact(p, { predicate: 'status', args: [v('User', 'a'), v('String', 'ok')] })).toBeNull();
  });
});

describe('policyHash', () => {
  const a = [{ filename: 'a.polar', src: 'actor User {}' }];

  it('is a stable sha256 hex digest of the sources', () => {
    expect(policyHash(a)).toMatch(/^[0-9a-f]{64}$/);
    expect(policyHash(a)).toBe(policyHash([{ filename: 'a.polar', src: 'actor User {}' }]));
  });

  it('does not depend on the order the files are listed in', () => {
    const x = { filename: 'x.polar', src: 'actor User {}' };
    const y = { filename: 'y.polar', src: 'resource Doc {}' };
    expect(policyHash([x, y])).toBe(policyHash([y, x]));
  });

  it('changes with the text, the file name and the file boundaries', () => {
    const h = policyHash(a);
    expect(policyHash([{ filename: 'a.polar', src: 'actor User { }' }])).not.toBe(h);
    expect(policyHash([{ filename: 'b.polar', src: 'actor User {}' }])).not.toBe(h);
    const split = policyHash([
      { filename: 'x', src: 'ab' },
      { filename: 'y', src: 'c' },
    ]);
    expect(
      policyHash([
        { filename: 'x', src: 'a' },
        { filename: 'y', src: 'bc' },
      ]),
    ).not.toBe(split);
  });
});
