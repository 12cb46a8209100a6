import fc from 'fast-check';
import type { SqlJsStatic } from 'sql.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildDatabase, createEngine, loadSqlJs } from '../../lib/engine/index.ts';
import type { Fact, Rule, Value } from '../../lib/polar/index.ts';
import { ROLES } from '../support/arbitraries.ts';
import { atom, buildPolicy, call, fact, isa, rule, S, str, V, val } from '../support/ir-builder.ts';
import { groupRules } from '../support/policy-shapes.ts';
import { evaluate } from '../support/reference-evaluator.ts';

// Differential test on deep recursion: the SQL engine and the reference evaluator agree on role
// inheritance down 30-folder chains and through 20 nested groups, with random extra edges (cycles).

let sql: SqlJsStatic;
beforeAll(async () => {
  sql = await loadSqlJs();
});

const show = (v: Value) => `${v.type}{"${v.id}"}`;

/** Long parent chains (30 folders, 20 nested groups) with random extra edges, cycles included. */
const arbDeep = fc.record({
  folderEdges: fc.array(fc.tuple(fc.nat(29), fc.nat(29)), { maxLength: 15 }),
  groupEdges: fc.array(fc.tuple(fc.nat(19), fc.nat(19)), { maxLength: 10 }),
  grants: fc.array(fc.tuple(fc.nat(2), fc.constantFrom(...ROLES), fc.nat(29)), {
    minLength: 1,
    maxLength: 4,
  }),
  groupGrants: fc.array(fc.tuple(fc.nat(19), fc.constantFrom(...ROLES), fc.nat(29)), { maxLength: 3 }),
  groupMode: fc.constantFrom<'right' | 'left' | 'nonlinear'>('right', 'left', 'nonlinear'),
});

/** Role inheritance down folder chains and through nested groups, deep enough to need many rounds. */
function compareDeep(deep: typeof arbDeep extends fc.Arbitrary<infer T> ? T : never): void {
  const folder = (i: number) => val('Folder', `d${i}`);
  const group = (i: number) => val('Group', `g${i}`);
  const user = (i: number) => val('User', `u${i}`);
  const facts: Fact[] = [
    ...Array.from({ length: 29 }, (_, i) => fact('has_relation', folder(i + 1), str('parent'), folder(i))),
    ...deep.folderEdges.map(([c, p]) => fact('has_relation', folder(c), str('parent'), folder(p))),
    ...Array.from({ length: 19 }, (_, i) => fact('has_group', group(i), group(i + 1))),
    ...deep.groupEdges.map(([a, b]) => fact('has_group', group(a), group(b))),
    fact('has_group', user(0), group(0)),
    ...deep.grants.map(([u, r, f]) => fact('has_role', user(u), str(r), folder(f))),
    ...deep.groupGrants.map(([g, r, f]) => fact('has_role', group(g), str(r), folder(f))),
  ];
  const rules: Rule[] = [
    rule(
      atom('has_role', V('a'), V('role'), V('x')),
      isa('a', 'User', 'Group'),
      isa('role', 'String'),
      isa('x', 'Folder'),
      isa('y', 'Folder'),
      call('has_relation', V('x'), S('parent'), V('y')),
      call('has_role', V('a'), V('role'), V('y')),
    ),
    rule(
      atom('has_role', V('a'), S('reader'), V('x')),
      isa('a', 'User', 'Group'),
      isa('x', 'Folder'),
      call('has_role', V('a'), S('admin'), V('x')),
    ),
    rule(
      atom('has_permission', V('a'), S('read'), V('x')),
      isa('a', 'User'),
      isa('x', 'Folder'),
      call('has_role', V('a'), S('reader'), V('x')),
    ),
    ...groupRules(deep.groupMode),
  ];
  const policy = buildPolicy({ actors: ['User'], resources: ['Folder', 'Group'], rules });
  const ref = evaluate(policy, facts, { now: 0 });
  const engine = createEngine(sql, buildDatabase(sql, policy, facts), policy, { clock: () => 0 });
  try {
    for (const u of [0, 1, 2].map(user)) {
      const got = engine.list({ actor: u, action: 'read', resourceType: 'Folder' }).results;
      expect([...got].sort(), `list(${show(u)}, "read", Folder)`).toEqual(ref.list(u, 'read', 'Folder'));
      for (const f of [0, 14, 29].map(folder)) {
        expect(
          engine.authorize({ actor: u, action: 'read', resource: f }),
          `authorize ${show(u)} ${show(f)}`,
        ).toBe(ref.authorize(u, 'read', f));
      }
    }
  } finally {
    engine.close();
  }
}

describe('SQL engine vs reference evaluator on deep recursion', () => {
  it('agrees on deep folder chains and nested groups (right, left, non-linear recursion)', () => {
    fc.assert(fc.property(arbDeep, compareDeep), { numRuns: 12 });
  });
});
