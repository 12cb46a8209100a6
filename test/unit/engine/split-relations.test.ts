import type { SqlJsStatic } from 'sql.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildDatabase, createEngine, DB_FORMAT, loadSqlJs } from '../../../lib/engine/index.ts';
import { readMeta } from '../../../lib/engine/schema.ts';
import { type Fact, parsePolicy, type Value } from '../../../lib/polar/index.ts';

// Format 3 stores has_relation/3 as one table per relation name (the name a generated column), behind a
// view of the old name. Format 2 kept one table; both must answer alike.

const SRC = `actor User {}
resource Org {
  roles = ["member", "admin"];
  permissions = ["read"];
  "member" if "admin";
  "read" if "member";
}
resource Repo {
  roles = ["reader"];
  permissions = ["read", "audit"];
  relations = { org: Org, mirror: Repo };
  "reader" if "member" on "org";
  "reader" if "reader" on "mirror";
  "read" if "reader";
}
resource Issue {
  permissions = ["read", "close"];
  relations = { repo: Repo, creator: User, watcher: User };
  "read" if "read" on "repo";
  "close" if "creator";
}
has_permission(u: User, "audit", r: Repo) if has_relation(r, "auditor", u);
`;

const v = (type: string, id: string): Value => ({ type, id });
const S = (id: string) => v('String', id);
const rel = (a: Value, name: string, b: Value): Fact => ({
  predicate: 'has_relation',
  args: [a, S(name), b],
});
const FACTS: Fact[] = [
  { predicate: 'has_role', args: [v('User', 'ann'), S('member'), v('Org', 'o1')] },
  { predicate: 'has_role', args: [v('User', 'bob'), S('admin'), v('Org', 'o2')] },
  rel(v('Repo', 'r1'), 'org', v('Org', 'o1')),
  rel(v('Repo', 'r2'), 'org', v('Org', 'o2')),
  rel(v('Repo', 'r3'), 'mirror', v('Repo', 'r2')),
  rel(v('Repo', 'r4'), 'mirror', v('Repo', 'r3')),
  rel(v('Issue', 'i1'), 'repo', v('Repo', 'r1')),
  rel(v('Issue', 'i1'), 'creator', v('User', 'cat')),
  rel(v('Issue', 'i2'), 'repo', v('Repo', 'r4')),
  rel(v('Issue', 'i2'), 'creator', v('User', 'ann')),
  // a relation no rule names (the catalog reads its part only for queries that name it)
  rel(v('Issue', 'i2'), 'label', v('Repo', 'r1')),
];
const USERS = ['ann', 'bob', 'cat', 'nobody'];
const RESOURCES = [
  ...['r1', 'r2', 'r3', 'r4', 'r9'].map((id) => v('Repo', id)),
  ...['i1', 'i2', 'i9'].map((id) => v('Issue', id)),
];

let sql: SqlJsStatic;
beforeAll(async () => {
  sql = await loadSqlJs();
});

const sorted = <T>(rows: T[]): T[] =>
  [...rows].sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));

function engines() {
  const policy = parsePolicy([{ filename: 's.polar', src: SRC }]);
  const splitDb = buildDatabase(sql, policy, FACTS);
  const oneDb = buildDatabase(sql, policy, FACTS, { splitRelations: false });
  return { splitDb, oneDb, split: createEngine(sql, splitDb, policy), one: createEngine(sql, oneDb, policy) };
}

describe('has_relation split per relation name (formats 3 and 4)', () => {
  it('stores one table per name behind a view, routes inserts through it, and marks the format', () => {
    const { splitDb, oneDb, split, one } = engines();
    try {
      expect(readMeta(splitDb, 'format')).toBe(DB_FORMAT);
      expect(DB_FORMAT).toBe('4');
      expect(readMeta(oneDb, 'format')).toBe('2');
      const kinds = new Map(
        (
          splitDb.exec("SELECT name, type FROM sqlite_schema WHERE name LIKE 'f_has_relation_3%'")[0]
            ?.values ?? []
        ).map((r) => [String(r[0]), String(r[1])]),
      );
      expect(kinds.get('f_has_relation_3')).toBe('view');
      // org, mirror, repo, creator, label stored, and auditor, which a rule names but no fact has (watcher is
      // declared and used by nothing: a context fact naming it goes to __x)
      const parts = [...kinds].filter(([n, t]) => t === 'table' && /__\d+$/.test(n));
      expect(parts).toHaveLength(6);
      expect(kinds.get('f_has_relation_3__x')).toBe('table');
      // the view holds every row with its name (compared by key: format 4 numbers each type in key order)
      const all = (db: typeof splitDb) =>
        db.exec(
          `SELECT x.a0 / ${2 ** 24}, v0.key, v1.key, x.a2 / ${2 ** 24}, v2.key FROM f_has_relation_3 x
           JOIN vals v0 ON v0.id = x.a0 JOIN vals v1 ON v1.id = x.a1 JOIN vals v2 ON v2.id = x.a2 ORDER BY 1, 2, 3, 4, 5`,
        )[0]!.values;
      expect(all(splitDb)).toEqual(all(oneDb));
      expect(all(splitDb)).toHaveLength(FACTS.length - 2);
      // the name is not stored: no part has a1 among its stored columns
      const part0 = parts[0]![0];
      expect(splitDb.exec(`SELECT name FROM pragma_table_info('${part0}')`)[0]!.values.flat()).toEqual([
        'a0',
        'a2',
      ]);
      // getFacts reads the view
      const facts = (e: typeof split) =>
        e
          .getFacts({ predicate: 'has_relation', args: [v('Issue', 'i2')] })
          .map((f) => JSON.stringify(f))
          .sort();
      expect(facts(split)).toEqual(facts(one));
      expect(facts(split)).toHaveLength(3);
    } finally {
      split.close();
      one.close();
    }
  });

  it('answers authorize, actions, list and queries exactly as one table does, with and without context facts', () => {
    const { split, one } = engines();
    try {
      let allowed = 0;
      for (const u of USERS) {
        for (const r of RESOURCES) {
          const actor = v('User', u);
          for (const action of ['read', 'close', 'audit']) {
            const want = one.authorize({ actor, action, resource: r });
            expect(split.authorize({ actor, action, resource: r }), `${u} ${action} ${r.id}`).toBe(want);
            if (want) allowed++;
          }
          expect(split.actions({ actor, resource: r }), `${u} ${r.id}`).toEqual(
            one.actions({ actor, resource: r }),
          );
        }
        for (const t of ['Repo', 'Issue'])
          expect(split.list({ actor: v('User', u), action: 'read', resourceType: t })).toEqual(
            one.list({ actor: v('User', u), action: 'read', resourceType: t }),
          );
      }
      // through the org, two mirrors deep, and the creator
      expect(split.authorize({ actor: v('User', 'bob'), action: 'read', resource: v('Issue', 'i2') })).toBe(
        true,
      );
      expect(split.authorize({ actor: v('User', 'ann'), action: 'close', resource: v('Issue', 'i2') })).toBe(
        true,
      );
      expect(allowed).toBeGreaterThan(5);
      // a relation named by a variable reads the view
      // rows are a set: compared in one order
      const q = (e: typeof split, contextFacts?: Fact[]) =>
        sorted(
          e.evaluateQuery({
            predicate: ['has_relation', ['x', 'name', 'y']],
            calls: [],
            constraints: {
              x: { type: 'Issue', ids: ['i2'] },
              name: { type: 'String', ids: null },
              y: { type: 'Repo', ids: null },
            },
            contextFacts,
          }),
        );
      expect(q(split)).toEqual(q(one));
      expect(q(split)).toHaveLength(2);
      // context facts: a name with a part, one only the policy names (an empty part), one nobody names
      const ctx = [
        rel(v('Repo', 'r9'), 'org', v('Org', 'o1')),
        rel(v('Repo', 'r1'), 'auditor', v('User', 'cat')),
        rel(v('Issue', 'i2'), 'zzz', v('Repo', 'r2')),
      ];
      const check = (actor: string, action: string, resource: Value) => {
        const req = { actor: v('User', actor), action, resource, contextFacts: ctx };
        expect(split.authorize(req), `${actor} ${action} ${resource.id}`).toBe(one.authorize(req));
        return split.authorize(req);
      };
      expect(check('ann', 'read', v('Repo', 'r9'))).toBe(true);
      expect(check('cat', 'audit', v('Repo', 'r1'))).toBe(true);
      expect(check('cat', 'audit', v('Repo', 'r2'))).toBe(false);
      expect(q(split, ctx)).toEqual(q(one, ctx));
      expect(
        q(split, ctx)
          .map((r) => r.name)
          .sort(),
      ).toEqual(['label', 'repo', 'zzz']);
      // and nothing of them stays
      expect(split.authorize({ actor: v('User', 'ann'), action: 'read', resource: v('Repo', 'r9') })).toBe(
        false,
      );
      expect(q(split)).toHaveLength(2);
    } finally {
      split.close();
      one.close();
    }
  });

  it('routes context facts when no fact and no rule names a relation (every name goes to the spare part)', () => {
    const policy = parsePolicy([
      {
        filename: 'v.polar',
        src: `actor User {}
resource Doc { permissions = ["read"]; }
has_permission(u: User, "read", d: Doc) if has_relation(d, name, u) and name = "owner";
`,
      },
    ]);
    const db = buildDatabase(sql, policy, [
      { predicate: 'has_role', args: [v('User', 'ann'), S('x'), v('Doc', 'd0')] },
    ]);
    const engine = createEngine(sql, db, policy);
    try {
      expect(JSON.parse(readMeta(db, 'parts')!).f_has_relation_3.parts).toEqual([]);
      const req = (name: string) => ({
        actor: v('User', 'ann'),
        action: 'read',
        resource: v('Doc', 'd1'),
        contextFacts: [rel(v('Doc', 'd1'), name, v('User', 'ann'))],
      });
      expect(engine.authorize(req('owner'))).toBe(true);
      expect(engine.authorize(req('viewer'))).toBe(false);
      expect(engine.authorize({ actor: v('User', 'ann'), action: 'read', resource: v('Doc', 'd1') })).toBe(
        false,
      );
    } finally {
      engine.close();
    }
  });
});
