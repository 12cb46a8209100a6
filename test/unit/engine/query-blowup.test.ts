import type { SqlJsStatic } from 'sql.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildDatabase, createEngine, loadSqlJs } from '../../../lib/engine/index.ts';
import { type Fact, parsePolicy, type Value } from '../../../lib/polar/index.ts';
import { evaluate } from '../../support/reference-evaluator.ts';

// Found by the property test: two atoms whose unfoldings multiply past the conjunctive-query cap
// (4096). The compiler then evaluates each atom as its own relation and joins them.
const SRC = `
actor User {}
actor Group {}
resource Org {}
resource Repo {}
resource Sheet {}
has_role(a, "member", x) if a matches User and x matches Org and has_role(a, "reader", x);
has_role(a, "member", x) if a matches User and x matches Org and has_role(a, "admin", x);
has_role(a, "reader", x) if a matches User and x matches Repo and has_role(a, "member", x);
has_role(a, "reader", x) if a matches User and x matches Org and has_role(a, "admin", x);
has_role(a, role, x) if a matches User and role matches String and x matches Repo and
  y matches Org and has_relation(x, "org", y) and has_role(a, role, y);
has_role(a, role, x) if a matches Group and role matches String and x matches Repo and
  y matches Org and has_relation(x, "org", y) and has_role(a, role, y);
has_role(a, role, x) if a matches User and role matches String and x matches Repo and
  y matches Org and has_relation(x, "org", y) and has_role(a, role, y);
has_role(a, role, x) if a matches Group and role matches String and x matches Repo and
  y matches Org and has_relation(x, "org", y) and has_role(a, role, y);
in_group(x, g) if x matches User and g matches Group and has_group(x, g);
in_group(x, g) if x matches Group and g matches Group and has_group(x, g);
in_group(x, g) if x matches User and g matches Group and m matches Group and has_group(x, m) and in_group(m, g);
in_group(x, g) if x matches Group and g matches Group and m matches Group and has_group(x, m) and in_group(m, g);
has_role(u, role, x) if u matches User and role matches String and g matches Group and
  in_group(u, g) and has_role(g, role, x);
has_permission(a, p, x) if a matches User and x matches Repo and has_role(a, "reader", x) and
  p in ["read", "write", "delete"];
allow(actor, action, resource) if has_permission(actor, action, resource);
`;
const v = (type: string, id: string): Value => ({ type, id });
const FACTS: Fact[] = [
  { predicate: 'has_role', args: [v('User', "o'neil"), v('String', 'reader'), v('Sheet', '1')] },
  { predicate: 'has_role', args: [v('Group', '1'), v('String', 'admin'), v('Repo', 'r%_')] },
  { predicate: 'has_role', args: [v('Group', '1'), v('String', 'reader'), v('Org', '1')] },
  { predicate: 'has_relation', args: [v('Org', '1'), v('String', 'parent'), v('Org', '2')] },
  { predicate: 'has_relation', args: [v('Repo', 'r%_'), v('String', 'owner'), v('User', '2')] },
  { predicate: 'has_group', args: [v('Group', '1'), v('Group', '3')] },
  // one more path so that the answer is not empty
  { predicate: 'has_group', args: [v('User', '1'), v('Group', '1')] },
  { predicate: 'has_relation', args: [v('Repo', 'r1'), v('String', 'org'), v('Org', '1')] },
];

let sql: SqlJsStatic;
beforeAll(async () => {
  sql = await loadSqlJs();
});

describe('queries whose atoms multiply past the conjunctive-query cap', () => {
  it('joins the atoms as separate relations and answers like the reference evaluator', () => {
    const policy = parsePolicy([{ filename: 'blowup.polar', src: SRC }]);
    const engine = createEngine(sql, buildDatabase(sql, policy, FACTS), policy);
    const ref = evaluate(policy, FACTS, { now: 0n });
    try {
      for (const user of ['1', '2']) {
        const rows = engine.evaluateQuery({
          predicate: ['has_role', ['a', 'role', 'r']],
          calls: [['has_permission', ['a', 'p', 'r']]],
          constraints: {
            a: { type: 'User', ids: [user] },
            role: { type: 'String', ids: null },
            r: { type: 'Repo', ids: null },
            p: { type: 'String', ids: ['read'] },
          },
        });
        const want: string[] = [];
        for (const role of ref.mentioned('String'))
          for (const r of ref.mentioned('Repo')) {
            const a = v('User', user);
            if (
              ref.holds('has_role', [a, role, r]) &&
              ref.holds('has_permission', [a, v('String', 'read'), r])
            )
              want.push(`${role.id} ${r.id}`);
          }
        const got = rows.map((row) => `${row.role} ${row.r}`);
        expect(got.sort(), `user ${user}`).toEqual(want.sort());
        if (user === '1') expect(want.length).toBeGreaterThan(0);
      }
    } finally {
      engine.close();
    }
  });
});
