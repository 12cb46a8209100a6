import fc from 'fast-check';
import type { SqlJsStatic } from 'sql.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildDatabase, createEngine, loadSqlJs } from '../../lib/engine/index.ts';
import { type Fact, parsePolicy, type Value } from '../../lib/polar/index.ts';
import { sameAnswer } from '../support/answers.ts';
import { evaluate } from '../support/reference-evaluator.ts';

// Total columns (lib/compiler/implied.ts): a snapshot records the columns that hold every stored value of a
// type, and the compiler drops atoms that only ask whether such a column has a row for a value another
// stored atom gave. The policy below reaches an issue's organization through its repository with the
// organization otherwise unused (a global admin's issues, "peek"): random facts leave some repositories
// without an organization or give them two, so a wrong drop shows up as an answer the reference evaluator
// does not give. Context facts add rows the record does not cover: there nothing may be dropped.

let sql: SqlJsStatic;
beforeAll(async () => {
  sql = await loadSqlJs();
});

const POLICY = parsePolicy([
  {
    filename: 'total.polar',
    src: `
actor User {}
global { roles = ["admin"]; }
resource Org {
  roles = ["member"];
  permissions = ["read"];
  "member" if global "admin";
  "read" if "member";
}
resource Repo {
  roles = ["reader"];
  permissions = ["read"];
  relations = { org: Org };
  "reader" if "member" on "org";
  "read" if "reader";
}
resource Issue {
  roles = ["reader"];
  permissions = ["read", "close"];
  relations = { repo: Repo, creator: User };
  "reader" if "reader" on "repo";
  "read" if "reader";
  "close" if "creator";
}
has_permission(_: User, "peek", i: Issue) if
  has_relation(i, "repo", r) and has_relation(r, "org", _);
# a repository's owner is a user or an organization: "audit" needs an organization
has_permission(_: User, "audit", i: Issue) if
  has_relation(i, "repo", r) and owned_by_org(r, _);
owned_by_org(r: Repo, o: Org) if has_relation(r, "owner", o);
`,
  },
]);

const v = (type: string, id: string): Value => ({ type, id });
const f = (predicate: string, ...args: Value[]): Fact => ({ predicate, args });
const USERS = ['u1', 'u2'].map((id) => v('User', id));
const ORGS = ['o1', 'o2'].map((id) => v('Org', id));
const REPOS = ['r1', 'r2', 'r3'].map((id) => v('Repo', id));
const ISSUES = ['i1', 'i2', 'i3', 'i4'].map((id) => v('Issue', id));
const S = (id: string) => v('String', id);

const ALL_FACTS: Fact[] = [
  ...REPOS.flatMap((r) => ORGS.map((o) => f('has_relation', r, S('org'), o))),
  ...ISSUES.flatMap((i) => REPOS.map((r) => f('has_relation', i, S('repo'), r))),
  ...ISSUES.flatMap((i) => USERS.map((u) => f('has_relation', i, S('creator'), u))),
  ...REPOS.flatMap((r) => [...USERS, ...ORGS].map((o) => f('has_relation', r, S('owner'), o))),
  ...USERS.map((u) => f('has_role', u, S('admin'))),
  ...USERS.flatMap((u) => ORGS.map((o) => f('has_role', u, S('member'), o))),
  ...USERS.flatMap((u) => REPOS.map((r) => f('has_role', u, S('reader'), r))),
];
/** Most cases give every repository an organization, so that the column is total and the drop happens. */
const arbFacts = fc
  .tuple(
    fc.subarray(ALL_FACTS, { maxLength: 16 }),
    fc.boolean().map((all) => (all ? REPOS.map((r, k) => f('has_relation', r, S('org'), ORGS[k % 2]!)) : [])),
    fc
      .boolean()
      .map((all) => (all ? REPOS.map((r, k) => f('has_relation', r, S('owner'), USERS[k % 2]!)) : [])),
  )
  .map(([some, orgs, owners]) => [...orgs, ...owners, ...some]);

/** Context facts may name values no stored fact has (a repository r9 with no organization). */
const NEW_VALUES: Fact[] = [
  f('has_relation', v('Issue', 'i9'), S('repo'), v('Repo', 'r9')),
  f('has_relation', ISSUES[0]!, S('repo'), v('Repo', 'r9')),
  f('has_relation', v('Issue', 'i9'), S('repo'), REPOS[0]!),
  f('has_role', USERS[0]!, S('reader'), v('Repo', 'r9')),
];

function compare(stored: Fact[], context: Fact[]): void {
  const ref = evaluate(POLICY, [...stored, ...context], { now: 0n });
  const engine = createEngine(sql, buildDatabase(sql, POLICY, stored), POLICY);
  const contextFacts = context.length > 0 ? context : undefined;
  try {
    for (const actor of USERS) {
      for (const action of ['read', 'close', 'peek', 'audit']) {
        for (const type of ['Org', 'Repo', 'Issue']) {
          const got = engine.list({ actor, action, resourceType: type, contextFacts }).results;
          const known = ref.mentioned(type).map((x) => x.id);
          const want = ref.list(actor, action, type);
          expect(
            sameAnswer(want, got, known),
            `list(${actor.id}, ${action}, ${type}) = [${got}], want [${want}]`,
          ).toBe(true);
        }
        for (const resource of [...ORGS, ...REPOS, ...ISSUES, v('Repo', 'r9'), v('Issue', 'i9')]) {
          const got = engine.authorize({ actor, action, resource, contextFacts });
          expect(got, `authorize(${actor.id}, ${action}, ${resource.id})`).toBe(
            ref.authorize(actor, action, resource),
          );
        }
      }
      for (const resource of [...REPOS, ...ISSUES, v('Repo', 'r9'), v('Issue', 'i9')]) {
        const got = engine.actions({ actor, resource, contextFacts });
        const want = ref.actions(actor, resource);
        expect(sameAnswer(want, got), `actions(${actor.id}, ${resource.id}) = [${got}], want [${want}]`).toBe(
          true,
        );
      }
    }
  } finally {
    engine.close();
  }
}

describe('atoms implied by total columns', () => {
  it('are dropped only where every answer stays the reference evaluator’s', () => {
    fc.assert(
      fc.property(arbFacts, (facts) => compare(facts, [])),
      { numRuns: 150 },
    );
  });

  it('are kept with context facts, which the record does not cover', () => {
    fc.assert(
      fc.property(arbFacts, fc.nat(6), fc.subarray(NEW_VALUES, { minLength: 1 }), (facts, k, fresh) =>
        compare(facts.slice(k), [...facts.slice(0, k), ...fresh]),
      ),
      { numRuns: 100 },
    );
  });
});
