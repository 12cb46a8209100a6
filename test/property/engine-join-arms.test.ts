import fc from 'fast-check';
import type { SqlJsStatic } from 'sql.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildDatabase, createEngine, HEAVY_ROWS, loadSqlJs } from '../../lib/engine/index.ts';
import { type Fact, parsePolicy, type Value } from '../../lib/polar/index.ts';
import { sameAnswer } from '../support/answers.ts';
import { evaluate } from '../support/reference-evaluator.ts';

// Joined arms (lib/compiler/join.ts): two ways to one answer that seek the same actor's roles, one of them
// through one more table (a repository's organization), are read as one join that scans the actor's roles
// once. That join only answers the shorter way when the extra table has a row, so it needs the column to
// hold every stored value (total) and the value to be stored; it scans every role of the actor, so a
// heavy actor keeps the seeks. Random facts leave repositories without an organization or give them two,
// make one user heavy, and link repositories and documents to others of their type (one its own fork or
// source: the keyed form of actions must not merge arms one row could prove both of). Every answer must stay the reference evaluator's.

let sql: SqlJsStatic;
beforeAll(async () => {
  sql = await loadSqlJs();
});

const POLICY = parsePolicy([
  {
    filename: 'join.polar',
    src: `
actor User {}
resource Org {
  roles = ["member", "owner"];
  permissions = ["read", "admin"];
  "member" if "owner";
  "read" if "member";
  "admin" if "owner";
}
resource Repo {
  roles = ["reader", "writer"];
  permissions = ["read", "push", "delete", "fork"];
  relations = { org: Org, fork_of: Repo };
  "reader" if "member" on "org";
  "writer" if "owner" on "org";
  "reader" if "writer";
  "read" if "reader";
  "push" if "writer";
  "delete" if "owner" on "org";
  "fork" if "writer" on "fork_of";
}
resource Issue {
  roles = ["reader"];
  permissions = ["read", "close"];
  relations = { repo: Repo };
  "reader" if "reader" on "repo";
  "read" if "reader";
  "close" if "writer" on "repo";
}
resource Doc {
  roles = ["viewer", "editor"];
  permissions = ["view", "edit", "copy"];
  relations = { source: Doc };
  "viewer" if "editor";
  "view" if "viewer";
  "edit" if "editor";
  "copy" if "viewer" on "source";
}
resource Folder {
  roles = ["viewer", "editor"];
  permissions = ["view", "edit"];
  relations = { parent: Folder };
  role if role on "parent";
  "viewer" if "editor";
  "view" if "viewer";
  "edit" if "editor";
}
`,
  },
]);

const v = (type: string, id: string): Value => ({ type, id });
const f = (predicate: string, ...args: Value[]): Fact => ({ predicate, args });
const S = (id: string) => v('String', id);
const USERS = ['u1', 'u2', 'u3'].map((id) => v('User', id));
const ORGS = ['o1', 'o2'].map((id) => v('Org', id));
const REPOS = ['r1', 'r2', 'r3'].map((id) => v('Repo', id));
const ISSUES = ['i1', 'i2', 'i3'].map((id) => v('Issue', id));
const FOLDERS = ['f1', 'f2', 'f3'].map((id) => v('Folder', id));
const DOCS = ['d1', 'd2', 'd3'].map((id) => v('Doc', id));
/** Enough repositories, each with an organization, to make a user with a role on each heavy. */
const BULK = Array.from({ length: HEAVY_ROWS + 3 }, (_, k) => v('Repo', `b${k}`));

const ALL_FACTS: Fact[] = [
  ...REPOS.flatMap((r) => ORGS.map((o) => f('has_relation', r, S('org'), o))),
  ...REPOS.flatMap((r) => REPOS.map((o) => f('has_relation', r, S('fork_of'), o))),
  ...ISSUES.flatMap((i) => REPOS.map((r) => f('has_relation', i, S('repo'), r))),
  ...FOLDERS.flatMap((a) => FOLDERS.map((b) => f('has_relation', a, S('parent'), b))),
  ...DOCS.flatMap((a) => DOCS.map((b) => f('has_relation', a, S('source'), b))),
  ...USERS.flatMap((u) => DOCS.flatMap((d) => ['viewer', 'editor'].map((k) => f('has_role', u, S(k), d)))),
  ...USERS.flatMap((u) => ORGS.flatMap((o) => ['member', 'owner'].map((k) => f('has_role', u, S(k), o)))),
  ...USERS.flatMap((u) => REPOS.flatMap((r) => ['reader', 'writer'].map((k) => f('has_role', u, S(k), r)))),
  ...USERS.flatMap((u) => FOLDERS.flatMap((d) => ['viewer', 'editor'].map((k) => f('has_role', u, S(k), d)))),
];

/** Most cases give every repository and issue its parent, so that the columns are total and arms join. */
const arbFacts = fc
  .tuple(
    fc.subarray(ALL_FACTS, { maxLength: 20 }),
    fc.boolean().map((all) => (all ? REPOS.map((r, k) => f('has_relation', r, S('org'), ORGS[k % 2]!)) : [])),
    fc
      .boolean()
      .map((all) => (all ? ISSUES.map((i, k) => f('has_relation', i, S('repo'), REPOS[k % 3]!)) : [])),
    // r1 is its own fork and d1 its own source: one role row then proves two ways to one answer, directly
    // and through the relation
    fc
      .boolean()
      .map((all) =>
        all
          ? [
              ...REPOS.map((r, k) => f('has_relation', r, S('fork_of'), REPOS[(k * 2) % 3]!)),
              ...DOCS.map((d, k) => f('has_relation', d, S('source'), DOCS[(k * 2) % 3]!)),
            ]
          : [],
      ),
    fc
      .constantFrom(...USERS, undefined)
      .map((heavy) =>
        heavy === undefined
          ? []
          : BULK.flatMap((r, k) => [
              f('has_relation', r, S('org'), ORGS[k % 2]!),
              f('has_role', heavy, S(k % 2 ? 'reader' : 'writer'), r),
            ]),
      ),
  )
  .map(([some, orgs, repos, forks, bulk]) => [...orgs, ...repos, ...forks, ...bulk, ...some]);

/** How many data sets got a joined statement (the property must not pass by never joining). */
let joined = 0;
const JOINED = /\n {4}OR \(\+t\d+_\d+\.a\d+ = /;

function compare(stored: Fact[]): void {
  const ref = evaluate(POLICY, stored, { now: 0n });
  const engine = createEngine(sql, buildDatabase(sql, POLICY, stored), POLICY);
  const resources = [
    ...ORGS,
    ...REPOS,
    ...ISSUES,
    ...FOLDERS,
    ...DOCS,
    BULK[0]!,
    v('Repo', 'r9'),
    v('Issue', 'i9'),
  ];
  try {
    for (const actor of [...USERS, v('User', 'u9')]) {
      for (const resource of resources) {
        for (const action of ['read', 'push', 'delete', 'fork', 'close', 'view', 'edit', 'copy', 'admin']) {
          const got = engine.authorize({ actor, action, resource });
          expect(got, `authorize(${actor.id}, ${action}, ${resource.id})`).toBe(
            ref.authorize(actor, action, resource),
          );
        }
        const got = engine.actions({ actor, resource });
        const want = ref.actions(actor, resource);
        expect(sameAnswer(want, got), `actions(${actor.id}, ${resource.id}) = [${got}], want [${want}]`).toBe(
          true,
        );
      }
    }
    if (engine.cachedSql().some((s) => s.sql.some((text) => JOINED.test(text)))) joined++;
  } finally {
    engine.close();
  }
}

describe('arms joined over one scan of the actor’s roles', () => {
  it('answer as the reference evaluator does', () => {
    fc.assert(
      fc.property(arbFacts, (facts) => compare(facts)),
      { numRuns: 120 },
    );
    expect(joined).toBeGreaterThan(10);
  });
});
