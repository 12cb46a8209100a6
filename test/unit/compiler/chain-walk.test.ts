import type { SqlJsStatic } from 'sql.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { compileQuery, type QueryShape } from '../../../lib/compiler/index.ts';
import { EngineCatalog } from '../../../lib/engine/catalog.ts';
import { buildDatabase, createEngine, loadSqlJs } from '../../../lib/engine/index.ts';
import { readPreds } from '../../../lib/engine/schema.ts';
import { type Fact, parsePolicy, type Value } from '../../../lib/polar/index.ts';
import { evaluate } from '../../support/reference-evaluator.ts';

// Demand on the walked position: `role if role on "folder"` with a bound folder walks up from it
// (a closure CTE started at the parameter) instead of computing the whole recursive relation.

const SRC = `actor User {}
actor Group {}
resource Repo {
  roles = ["reader", "writer"];
  permissions = ["read", "write"];
  "reader" if "writer";
  "read" if "reader";
  "write" if "writer";
}
resource Folder {
  roles = ["reader", "writer"];
  permissions = ["read", "write"];
  relations = { repo: Repo, folder: Folder };
  "reader" if "reader" on "repo";
  "writer" if "writer" on "repo";
  role if role on "folder";
  "reader" if "writer";
  "read" if "reader";
  "write" if "writer";
}
has_role(user: User, role: String, resource: Resource) if
  group matches Group and has_group(user, group) and has_role(group, role, resource);
has_group(user: User, group: Group) if g matches Group and has_group(user, g) and has_group(g, group);
allow(actor, action, resource) if has_permission(actor, action, resource);
`;

const v = (type: string, id: string): Value => ({ type, id });
const f = (predicate: string, ...args: Value[]): Fact => ({ predicate, args });
const S = (s: string) => v('String', s);
const folder = (i: number) => v('Folder', `f${i}`);

// f0 under repo r; f1..f9 a 10-deep chain; c0 <-> c1 a cycle; alice writes r, bob reads f3 through
// nested groups g1 -> g2, carol reads c0 directly
const FACTS: Fact[] = [
  f('has_relation', folder(0), S('repo'), v('Repo', 'r')),
  ...Array.from({ length: 9 }, (_, i) => f('has_relation', folder(i + 1), S('folder'), folder(i))),
  f('has_relation', v('Folder', 'c0'), S('folder'), v('Folder', 'c1')),
  f('has_relation', v('Folder', 'c1'), S('folder'), v('Folder', 'c0')),
  f('has_role', v('User', 'alice'), S('writer'), v('Repo', 'r')),
  f('has_group', v('User', 'bob'), v('Group', 'g1')),
  f('has_group', v('Group', 'g1'), v('Group', 'g2')),
  f('has_role', v('Group', 'g2'), S('reader'), folder(3)),
  f('has_role', v('User', 'carol'), S('reader'), v('Folder', 'c0')),
];

let sql: SqlJsStatic;
beforeAll(async () => {
  sql = await loadSqlJs();
});

describe('chain walk on a bound resource', () => {
  it('starts a closure CTE at the resource parameter', () => {
    const policy = parsePolicy([{ filename: 'w.polar', src: SRC }]);
    const db = buildDatabase(sql, policy, FACTS);
    const engine = createEngine(sql, db, policy);
    const catalog = new EngineCatalog(engine.interner, policy, readPreds(db));
    const shape: QueryShape = {
      atoms: [{ pred: 'allow', args: [{ kind: 'param', slot: 0 }, S2('write'), { kind: 'param', slot: 1 }] }],
      vars: {},
      params: ['User', 'Folder'],
      outputs: [],
    };
    const c = compileQuery(shape, catalog, { mode: 'exists' });
    const res = c.params.findIndex((p) => p.kind === 'id' && p.slot === 1) + 1;
    const folderRel = engine.interner.find(S('folder'));
    // the closure of the resource and its ancestors (UNION: cycles terminate), one per query
    const walk = /(r\d+)\(c0\) AS \(SELECT \?(\d+) AS c0\nUNION\n(.*)\)/.exec(c.with);
    expect(walk?.[2]).toBe(String(res));
    expect(walk?.[3]).toBe(
      `SELECT t0_1.a2 AS c0 FROM ${walk?.[1]} t0_0 CROSS JOIN f_has_relation_3 t0_1 WHERE t0_1.a1 = ${folderRel} AND t0_1.a2 BETWEEN ${typeRange(engine, 'Folder')} AND t0_1.a0 = t0_0.c0`,
    );
    expect(c.with.match(/ AS \(SELECT \?\d+ AS c0\n/g)).toHaveLength(1);
    // no recursive relation is computed for every actor and resource
    expect(c.with).not.toMatch(/AS \(SELECT t0_\d\.a0 AS c0, t0_\d\.a0 AS c1/);
    db.close();
  });

  it('answers like the reference evaluator on a 10-deep chain, a cycle and nested groups', () => {
    const policy = parsePolicy([{ filename: 'w.polar', src: SRC }]);
    const db = buildDatabase(sql, policy, FACTS);
    const engine = createEngine(sql, db, policy);
    const ref = evaluate(policy, FACTS, { now: 0 });
    const actors = ['alice', 'bob', 'carol', 'dave'].map((u) => v('User', u));
    const resources = [
      ...Array.from({ length: 10 }, (_, i) => folder(i)),
      v('Folder', 'c0'),
      v('Folder', 'c1'),
      v('Folder', 'nowhere'),
      v('Repo', 'r'),
    ];
    let allowed = 0;
    for (const actor of actors)
      for (const resource of resources)
        for (const action of ['read', 'write']) {
          const want = ref.authorize(actor, action, resource);
          expect(engine.authorize({ actor, action, resource }), `${actor.id} ${action} ${resource.id}`).toBe(
            want,
          );
          if (want) allowed++;
          expect(engine.actions({ actor, resource }).sort()).toEqual(ref.actions(actor, resource));
        }
    // alice: all 10 folders + r (read and write); bob reads f3..f9; carol reads c0 and c1
    expect(allowed).toBe(22 + 7 + 2);
    expect(engine.authorize({ actor: actors[0]!, action: 'write', resource: folder(9) })).toBe(true);
    expect(engine.authorize({ actor: actors[1]!, action: 'read', resource: folder(2) })).toBe(false);
    db.close();
  });
});

describe('demand from a parameter-bound relation', () => {
  it("restricts the groups' recursive roles to the actor's groups, with the same answers", () => {
    const policy = parsePolicy([{ filename: 'w.polar', src: SRC }]);
    const db = buildDatabase(sql, policy, FACTS);
    const engine = createEngine(sql, db, policy);
    const catalog = new EngineCatalog(engine.interner, policy, readPreds(db));
    const c = compileQuery(
      {
        atoms: [
          { pred: 'allow', args: [{ kind: 'param', slot: 0 }, S2('read'), { kind: 'var', name: 'r' }] },
        ],
        vars: { r: { types: ['Folder'] } },
        params: ['User'],
        outputs: ['r'],
      },
      catalog,
      { mode: 'rows' },
    );
    // the actor's groups: a relation computed from the parameter
    const groups =
      /(r\d+)\(c0\) AS \(SELECT t0_0\.a1 AS c0 FROM f_has_group_2 t0_0 WHERE t0_0\.a0 = \?1\n/.exec(c.with);
    expect(groups).not.toBeNull();
    // every two-column relation (group, folder) starts from those groups
    const pairs = [...c.with.matchAll(/(r\d+)\(c0, c1\) AS \(((?:.|\n)*?)\)(?:,\n|\n?$)/g)];
    expect(pairs.length).toBeGreaterThan(0);
    for (const m of pairs)
      for (const arm of m[2]!.split('\nUNION\n'))
        expect(arm).toMatch(new RegExp(`FROM ${groups![1]} t0_0 CROSS JOIN`));
    const ref = evaluate(policy, FACTS, { now: 0 });
    for (const u of ['alice', 'bob', 'carol', 'dave'])
      for (const action of ['read', 'write']) {
        const got = engine.list({ actor: v('User', u), action, resourceType: 'Folder' }).results;
        expect([...got].sort(), `${u} ${action}`).toEqual(ref.list(v('User', u), action, 'Folder'));
      }
    expect(
      engine.list({ actor: v('User', 'bob'), action: 'read', resourceType: 'Folder' }).results,
    ).toHaveLength(7);
    db.close();
  });
});

function S2(s: string) {
  return { kind: 'const' as const, value: S(s) };
}

function typeRange(engine: ReturnType<typeof createEngine>, type: string): string {
  const id = engine.interner.find(v(type, type === 'Folder' ? 'f0' : 'r'))!;
  const code = Math.floor(id / 2 ** 24);
  return `${code * 2 ** 24} AND ${(code + 1) * 2 ** 24 - 1}`;
}
