import type { SqlJsStatic } from 'sql.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildDatabase, createEngine, type Engine, loadSqlJs } from '../../../lib/engine/index.ts';
import type { Fact, Rule } from '../../../lib/polar/index.ts';
import { sameAnswer } from '../../support/answers.ts';
import {
  atom,
  buildPolicy,
  C,
  call,
  cmp,
  fact,
  inList,
  isa,
  not,
  rule,
  S,
  str,
  V,
  val,
} from '../../support/ir-builder.ts';
import { groupRules } from '../../support/policy-shapes.ts';
import { evaluate } from '../../support/reference-evaluator.ts';

// Minimal counterexamples found by test/property/engine-vs-reference.test.ts, kept as plain tests.
// Each states the policy in longhand Polar and what the engine used to answer.

let sql: SqlJsStatic;
beforeAll(async () => {
  sql = await loadSqlJs();
});

function engineFor(rules: Rule[], facts: Fact[], resources = ['Folder']): Engine {
  const policy = buildPolicy({ actors: ['User'], resources, rules });
  return createEngine(sql, buildDatabase(sql, policy, facts), policy, { clock: () => 0 });
}

const u = val('User', 'u');
const folder = (id: string) => val('Folder', id);

/** has_permission(a: User, "read", x: Folder) if has_role(a, <role>, x); */
const readIf = (role: string): Rule =>
  rule(
    atom('has_permission', V('a'), S('read'), V('x')),
    isa('a', 'User'),
    isa('x', 'Folder'),
    call('has_role', V('a'), S(role), V('x')),
  );

const org = (id: string) => val('Org', id);

/**
 * has_role(a, role, x: Org) if y matches Org and has_relation(x, "parent", y) and has_role(a, role, y);
 * has_role(a: User, "admin", x: Org) if has_role(a, "super");                     (wildcard: every Org)
 */
const inheritedAdmin: Rule[] = [
  rule(
    atom('has_role', V('a'), V('role'), V('x')),
    isa('a', 'User'),
    isa('x', 'Org'),
    isa('y', 'Org'),
    call('has_relation', V('x'), S('parent'), V('y')),
    call('has_role', V('a'), V('role'), V('y')),
  ),
  rule(
    atom('has_role', V('a'), S('admin'), V('x')),
    isa('a', 'User'),
    isa('x', 'Org'),
    call('has_role', V('a'), S('super')),
  ),
];

/** The engine's `read` on Orgs answers like the reference evaluator; returns the engine's list. */
function readOrgsLikeReference(rules: Rule[], facts: Fact[], ids: string[]): string[] {
  const ref = evaluate(buildPolicy({ actors: ['User'], resources: ['Org'], rules }), facts, { now: 0 });
  const engine = engineFor(rules, facts, ['Org']);
  try {
    for (const id of [...ids, 'unknown']) {
      expect(engine.authorize({ actor: u, action: 'read', resource: org(id) }), id).toBe(
        ref.authorize(u, 'read', org(id)),
      );
    }
    const got = engine.list({ actor: u, action: 'read', resourceType: 'Org' }).results;
    const want = ref.list(u, 'read', 'Org');
    const known = ref.mentioned('Org').map((v) => v.id);
    expect(sameAnswer(want, got, known), `[${got}], want [${want}]`).toBe(true);
    return got;
  } finally {
    engine.close();
  }
}

describe('engine regressions (differential testing)', () => {
  // Two rules derive the same (actor, "read", Folder{"2"}): list used to return ["2", "2"].
  it('list has no duplicate ids when two rules grant the same permission', () => {
    const facts = [
      fact('has_role', u, str('admin'), folder('2')),
      fact('has_role', u, str('member'), folder('2')),
    ];
    const engine = engineFor([readIf('member'), readIf('admin')], facts);
    try {
      expect(engine.list({ actor: u, action: 'read', resourceType: 'Folder' }).results).toEqual(['2']);
    } finally {
      engine.close();
    }
  });

  // has_role(a: User, "reader", x: Folder) if has_role(a, "super");            (wildcard: every Folder)
  // has_permission(a: User, "read", x: Folder) if has_role(a, "reader", x) and not is_locked(x);
  // authorize allows f2, f3 and unknown folders, denies the locked f1; list used to return [] (dropped
  // the wildcard row because some folder is locked). "*" would wrongly cover f1, so list should
  // name the allowed folders it knows: f2 and f3.
  it('list names the known allowed ids when negation narrows a wildcard', () => {
    const rules = [
      rule(
        atom('has_role', V('a'), S('reader'), V('x')),
        isa('a', 'User'),
        isa('x', 'Folder'),
        call('has_role', V('a'), S('super')),
      ),
      rule(
        atom('has_permission', V('a'), S('read'), V('x')),
        isa('a', 'User'),
        isa('x', 'Folder'),
        call('has_role', V('a'), S('reader'), V('x')),
        not('is_locked', V('x')),
      ),
    ];
    const facts = [
      fact('has_role', u, str('super')),
      fact('is_locked', folder('f1')),
      fact('has_relation', folder('f2'), str('parent'), folder('f3')),
    ];
    const engine = engineFor(rules, facts);
    try {
      const ref = evaluate(buildPolicy({ actors: ['User'], resources: ['Folder'], rules }), facts, {
        now: 0,
      });
      for (const id of ['f1', 'f2', 'f3', 'unknown']) {
        expect(engine.authorize({ actor: u, action: 'read', resource: folder(id) })).toBe(
          ref.authorize(u, 'read', folder(id)),
        );
      }
      expect(engine.list({ actor: u, action: 'read', resourceType: 'Folder' }).results).toEqual(['f2', 'f3']);
    } finally {
      engine.close();
    }
  });

  // FIXED (found by the property test): the wildcard came out of the recursive relation and the
  // negation tested the wildcard itself, so it let it through. Now the query is unfolded again
  // knowing which relation columns hold wildcards, and a tested one ranges over the known values.
  // has_role(a, role, x: Org) if y matches Org and has_relation(x, "parent", y) and has_role(a, role, y);
  // has_role(a: User, "admin", x: Org) if has_role(a, "super");                     (wildcard: every Org)
  // has_permission(a: User, "read", x: Org) if has_role(a, "admin", x) and not is_locked(x);
  // Org{"2"} is locked, so list must not answer "*" alone (that would cover Org{"2"}); it answered ["*"].
  it('list does not answer "*" alone when a negation narrows a wildcard from a recursive rule', () => {
    const org = (id: string) => val('Org', id);
    const rules = [
      rule(
        atom('has_role', V('a'), V('role'), V('x')),
        isa('a', 'User'),
        isa('x', 'Org'),
        isa('y', 'Org'),
        call('has_relation', V('x'), S('parent'), V('y')),
        call('has_role', V('a'), V('role'), V('y')),
      ),
      rule(
        atom('has_role', V('a'), S('admin'), V('x')),
        isa('a', 'User'),
        isa('x', 'Org'),
        call('has_role', V('a'), S('super')),
      ),
      rule(
        atom('has_permission', V('a'), S('read'), V('x')),
        isa('a', 'User'),
        isa('x', 'Org'),
        call('has_role', V('a'), S('admin'), V('x')),
        not('is_locked', V('x')),
      ),
    ];
    const facts = [
      fact('has_relation', org('2'), str('parent'), org('1')),
      fact('has_role', u, str('super')),
      fact('is_locked', org('2')),
    ];
    const engine = engineFor(rules, facts, ['Org']);
    try {
      expect(engine.authorize({ actor: u, action: 'read', resource: org('2') })).toBe(false);
      expect(engine.list({ actor: u, action: 'read', resourceType: 'Org' }).results).toEqual(['1']);
    } finally {
      engine.close();
    }
  });

  // inheritedAdmin, and
  // has_permission(a: User, "read", x: Org) if has_role(a, "admin", x) and x != Org{"2"};
  // the comparison, like the negation above, must not let the wildcard through: every Org but Org{"2"}.
  it('list names the known allowed ids when a comparison narrows a wildcard from a recursive rule', () => {
    const rules = [
      ...inheritedAdmin,
      rule(
        atom('has_permission', V('a'), S('read'), V('x')),
        isa('a', 'User'),
        isa('x', 'Org'),
        call('has_role', V('a'), S('admin'), V('x')),
        cmp(V('x'), '!=', C('Org', '2')),
      ),
    ];
    const facts = [
      fact('has_relation', org('2'), str('parent'), org('1')),
      fact('has_relation', org('3'), str('parent'), org('2')),
      fact('has_role', u, str('super')),
    ];
    expect(readOrgsLikeReference(rules, facts, ['1', '2', '3']).sort()).toEqual(['1', '3']);
  });

  // inheritedAdmin, and the negation inside a mutually recursive pair (naive fixpoint, not a CTE):
  // open(a: User, x: Org) if has_role(a, "admin", x) and not is_locked(x);
  // open(a: User, x: Org) if y matches Org and has_relation(x, "parent", y) and reach(a, y);
  // reach(a: User, y: Org) if open(a, y);
  // has_permission(a: User, "read", x: Org) if open(a, x);
  // Org{"1"} is locked and has no parent: every Org but Org{"1"} is open (Org{"2"} and Org{"3"} both ways).
  it('list names the known allowed ids when a negation narrows a wildcard inside mutual recursion', () => {
    const rules = [
      ...inheritedAdmin,
      rule(
        atom('open', V('a'), V('x')),
        isa('a', 'User'),
        isa('x', 'Org'),
        call('has_role', V('a'), S('admin'), V('x')),
        not('is_locked', V('x')),
      ),
      rule(
        atom('open', V('a'), V('x')),
        isa('a', 'User'),
        isa('x', 'Org'),
        isa('y', 'Org'),
        call('has_relation', V('x'), S('parent'), V('y')),
        call('reach', V('a'), V('y')),
      ),
      rule(atom('reach', V('a'), V('y')), isa('a', 'User'), isa('y', 'Org'), call('open', V('a'), V('y'))),
      rule(
        atom('has_permission', V('a'), S('read'), V('x')),
        isa('a', 'User'),
        isa('x', 'Org'),
        call('open', V('a'), V('x')),
      ),
    ];
    const facts = [
      fact('has_relation', org('2'), str('parent'), org('1')),
      fact('has_relation', org('3'), str('parent'), org('2')),
      fact('has_role', u, str('super')),
      fact('is_locked', org('1')),
    ];
    expect(readOrgsLikeReference(rules, facts, ['1', '2', '3']).sort()).toEqual(['2', '3']);
  });

  // has_role(a: User, "reader", x: Repo) if has_role(a, "super");                 (wildcard: every Repo)
  // has_permission(a: User, "delete", x: Repo) if has_role(a, "reader", x) and not is_locked(x);
  // has_permission(a: User, "delete", x: Repo) if has_relation(x, "owner", a);
  // Repo{"2"} is locked but owned by User{"2"}, so User{"2"} may delete every Repo: the exact
  // answer is "*". list used to return ["2"]: the wildcard row was dropped because some Repo is locked.
  it('list keeps "*" when the negated fact only hits an id that another rule allows', () => {
    const rules = [
      rule(
        atom('has_role', V('a'), S('reader'), V('x')),
        isa('a', 'User'),
        isa('x', 'Repo'),
        call('has_role', V('a'), S('super')),
      ),
      rule(
        atom('has_permission', V('a'), S('delete'), V('x')),
        isa('a', 'User'),
        isa('x', 'Repo'),
        call('has_role', V('a'), S('reader'), V('x')),
        not('is_locked', V('x')),
      ),
      rule(
        atom('has_permission', V('a'), S('delete'), V('x')),
        isa('a', 'User'),
        isa('x', 'Repo'),
        call('has_relation', V('x'), S('owner'), V('a')),
      ),
    ];
    const owner = val('User', '2');
    const facts = [
      fact('has_relation', val('Repo', '2'), str('owner'), owner),
      fact('has_role', owner, str('super')),
      fact('is_locked', val('Repo', '2')),
    ];
    const engine = engineFor(rules, facts, ['Repo']);
    try {
      expect(engine.authorize({ actor: owner, action: 'delete', resource: val('Repo', 'unknown') })).toBe(
        true,
      );
      expect(engine.list({ actor: owner, action: 'delete', resourceType: 'Repo' }).results).toContain('*');
    } finally {
      engine.close();
    }
  });

  // FIXED by the chain walk on the bound actor (fewer unfolded arms).
  // A 9-rule policy (role chain, permissions from roles, right-recursive nested groups with roles
  // granted to groups, `in` over actions, an object literal in a head) and 4 facts whose type
  // signatures multiply the unfolded arms: evaluateQuery has_role(a, role, r) and
  // has_permission(a, p, r) throws "query cannot be compiled: too many terms in compound SELECT"
  // (SQLite caps a compound SELECT at 500 arms). Any of the 9 rules or 4 facts removed, it compiles.
  it('evaluateQuery joins has_role and has_permission without exceeding the compound SELECT limit', () => {
    const R = 'has_role';
    const P = 'has_permission';
    const rules = [
      rule(
        atom(R, V('a'), S('member'), V('x')),
        isa('a', 'User'),
        isa('x', 'Repo'),
        call(R, V('a'), S('admin'), V('x')),
      ),
      rule(
        atom(R, V('a'), S('admin'), V('x')),
        isa('a', 'User'),
        isa('x', 'Repo'),
        call(R, V('a'), S('reader'), V('x')),
      ),
      rule(
        atom(P, V('a'), S('read'), V('x')),
        isa('a', 'User'),
        isa('x', 'Repo'),
        call(R, V('a'), S('admin'), V('x')),
      ),
      rule(
        atom(P, V('a'), S('write'), V('x')),
        isa('a', 'User'),
        isa('x', 'Repo'),
        call(R, V('a'), S('admin'), V('x')),
      ),
      ...groupRules('right'),
      rule(
        atom(P, V('a'), V('p'), V('x')),
        isa('a', 'User'),
        isa('x', 'Repo'),
        call(R, V('a'), S('member'), V('x')),
        inList(V('p'), S('read'), S('write'), S('delete')),
      ),
      rule(
        atom(R, V('a'), S('reader'), C('Repo', '1')),
        isa('a', 'User'),
        call(R, V('a'), S('member'), C('Org', '1')),
      ),
    ];
    const facts = [
      fact(R, val('Group', '2'), str('member'), val('Org', '1')),
      fact('has_group', val('User', '2'), val('Group', '1')),
      fact('has_group', val('Group', '3'), val('Group', '1')),
      fact(R, val('User', 'x'), str('blocked'), val('Repo', 'y')),
    ];
    const engine = engineFor(rules, facts, ['Org', 'Repo', 'Group']);
    try {
      const rows = engine.evaluateQuery({
        predicate: [R, ['a', 'role', 'r']],
        calls: [[P, ['a', 'p', 'r']]],
        constraints: {
          a: { type: 'User', ids: ['2'] },
          role: { type: 'String', ids: null },
          r: { type: 'Repo', ids: null },
          p: { type: 'String', ids: ['read'] },
        },
      });
      // User 2 is in Group 1 only, which holds no roles: nothing to return.
      expect(rows).toEqual([]);
    } finally {
      engine.close();
    }
  });
});
