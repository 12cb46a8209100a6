import type { Database, SqlJsStatic } from 'sql.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Catalog, compileQuery, type QueryShape } from '../../../lib/compiler/index.ts';
import { EngineCatalog } from '../../../lib/engine/catalog.ts';
import { buildDatabase, createEngine, loadSqlJs, type SqlEngine } from '../../../lib/engine/index.ts';
import { readPreds } from '../../../lib/engine/schema.ts';
import { parsePolicy, type Value } from '../../../lib/polar/index.ts';

// Golden SQL for a few query shapes, then the same SQL run on real facts.

const v = (type: string, id: string): Value => ({ type, id });
const P = (slot: number) => ({ kind: 'param' as const, slot });

const SRC = `actor User {}
resource Doc {
  roles = ["viewer", "editor"];
  permissions = ["read"];
  relations = { parent: Doc };
  "viewer" if "editor";
  "read" if "viewer";
  role if role on "parent";
}
allow(actor, action, resource) if not is_banned(actor) and has_permission(actor, action, resource);
`;

let sql: SqlJsStatic;
let db: Database;
let engine: SqlEngine;
let catalog: Catalog;
beforeAll(async () => {
  sql = await loadSqlJs();
  const policy = parsePolicy([{ filename: 'g.polar', src: SRC }]);
  db = buildDatabase(sql, policy, [
    { predicate: 'has_role', args: [v('User', 'ann'), v('String', 'editor'), v('Doc', 'root')] },
    { predicate: 'has_relation', args: [v('Doc', 'child'), v('String', 'parent'), v('Doc', 'root')] },
    { predicate: 'has_relation', args: [v('Doc', 'root'), v('String', 'parent'), v('Doc', 'child')] },
    { predicate: 'is_banned', args: [v('User', 'eve')] },
    { predicate: 'has_role', args: [v('User', 'eve'), v('String', 'editor'), v('Doc', 'root')] },
  ]);
  engine = createEngine(sql, db, policy);
  catalog = new EngineCatalog(engine.interner, policy, readPreds(db));
});

const id = (x: Value) => engine.interner.find(x) ?? -1;
// the id of a String constant (format 4 numbers each type in key order: editor, parent, read, viewer)
const S = (s: string) => id(v('String', s));

describe('compileQuery', () => {
  it('authorize: unfolded rules, hoisted negation, IN-merged roles, a recursive CTE per pattern', () => {
    const shape: QueryShape = {
      atoms: [{ pred: 'allow', args: [P(0), { kind: 'const', value: v('String', 'read') }, P(1)] }],
      vars: {},
      params: ['User', 'Doc'],
      outputs: [],
    };
    const c = compileQuery(shape, catalog, { mode: 'exists' });
    expect([S('editor'), S('parent'), S('read'), S('viewer')]).toEqual([1, 2, 3, 4].map((n) => 2 ** 24 + n));
    // the walk starts at the resource: one closure of it and its ancestors, then one seek per ancestor;
    // roles are the last primary key column of has_role (a String constant position): `+` filters them
    expect(c.with + 'SELECT ' + c.body).toBe(
      [
        'WITH RECURSIVE r1(c0) AS (SELECT ?1 AS c0',
        'UNION',
        `SELECT t0_1.a2 AS c0 FROM r1 t0_0 CROSS JOIN f_has_relation_3 t0_1 WHERE t0_1.a1 = ${S('parent')} AND t0_1.a0 = t0_0.c0)`,
        `SELECT NOT EXISTS(SELECT 1 FROM f_is_banned_1 t1_0 WHERE t1_0.a0 = ?2) AND EXISTS(SELECT 1 FROM r1 t0_0 CROSS JOIN f_has_role_3 t0_1 WHERE t0_1.a0 = ?2 AND +t0_1.a1 IN (${S('viewer')}, ${S('editor')}) AND t0_1.a2 = t0_0.c0)`,
      ].join('\n'),
    );
    expect(c.params).toEqual([
      { kind: 'id', slot: 1 },
      { kind: 'id', slot: 0 },
    ]);
    expect(c.fixpoint).toEqual([]);
    // really run it (cyclic parent data terminates)
    const run = (who: string, doc: string) =>
      db.exec(
        `${c.with}SELECT ${c.body}`,
        c.params.map((p) => (p.kind === 'id' && p.slot === 0 ? id(v('User', who)) : id(v('Doc', doc)))),
      )[0]!.values[0]![0];
    expect(run('ann', 'child')).toBe(1);
    expect(run('ann', 'root')).toBe(1);
    expect(run('eve', 'child')).toBe(0);
    // the engine binds such a statement (resource first) through its two-id path too, swapped
    type Q = { firstOfIds(a: number, b: number): number | null | undefined };
    const inside = engine as unknown as { plainAllow: Map<string, Map<string, Map<string, { full: Q }>>> };
    for (const [who, doc, want] of [
      ['ann', 'child', true],
      ['eve', 'child', false],
    ] as const) {
      expect(engine.authorize({ actor: v('User', who), action: 'read', resource: v('Doc', doc) })).toBe(want);
      const q = inside.plainAllow.get('User')!.get('read')!.get('Doc')!.full;
      expect(q.firstOfIds(id(v('User', who)), id(v('Doc', doc)))).toBe(want ? 1 : 0);
    }
  });

  it('list: rows of the free variable, typed', () => {
    const c = compileQuery(
      {
        atoms: [
          { pred: 'has_role', args: [P(0), { kind: 'var', name: 'role' }, { kind: 'var', name: 'd' }] },
        ],
        vars: { role: { types: ['String'] }, d: { types: ['Doc'] } },
        params: ['User'],
        outputs: ['d'],
      },
      catalog,
      { mode: 'rows' },
    );
    // has_role with a free role is recursive here (role if role on "parent"): one CTE, actor pushed in
    expect(c.with.startsWith('WITH RECURSIVE r')).toBe(true);
    expect(c.with).toContain('t0_0.a0 = ?1');
    expect(c.body).toMatch(/^SELECT DISTINCT t0_0\.c1 AS o0 FROM r\d+ t0_0$/);
    const rows = db.exec(`${c.with}SELECT o0 FROM (${c.body}) ORDER BY o0`, [id(v('User', 'ann'))])[0]!
      .values;
    expect(rows.map((r) => r[0])).toEqual(
      [id(v('Doc', 'child')), id(v('Doc', 'root'))].sort((a, b) => a - b),
    );
  });

  it('non-linear recursion compiles to TEMP tables computed by iteration', () => {
    const policy = parsePolicy([
      {
        filename: 'm.polar',
        src: `actor User {}
resource Node {}
path(a: Node, b: Node) if edge(a, b);
path(a: Node, c: Node) if b matches Node and path(a, b) and path(b, c);
allow(_: User, "odd", n: Node) if path(n, Node{"z"});
`,
      },
    ]);
    const N = (x: string) => v('Node', x);
    const mdb = buildDatabase(sql, policy, [
      { predicate: 'edge', args: [N('a'), N('b')] },
      { predicate: 'edge', args: [N('b'), N('a')] },
      { predicate: 'edge', args: [N('b'), N('z')] },
    ]);
    const me = createEngine(sql, mdb, policy);
    const c = compileQuery(
      {
        atoms: [{ pred: 'allow', args: [P(0), { kind: 'const', value: v('String', 'odd') }, P(1)] }],
        vars: {},
        params: ['User', 'Node'],
        outputs: [],
      },
      new EngineCatalog(me.interner, policy, readPreds(mdb)),
      { mode: 'exists', tempPrefix: 't' },
    );
    expect(c.with).toBe('');
    expect(c.fixpoint.some((g) => g.recursive && g.steps.length > 0)).toBe(true);
    expect(
      c.fixpoint.flatMap((g) => g.steps).every((st) => st.startsWith('INSERT OR IGNORE INTO temp.t_r')),
    ).toBe(true);
    expect(c.tempDdl.every((d) => d.startsWith('CREATE TEMP TABLE IF NOT EXISTS t_r'))).toBe(true);
    // a -> b -> z over the a <-> b cycle
    expect(me.authorize({ actor: v('User', 'u'), action: 'odd', resource: N('b') })).toBe(true);
    expect(me.authorize({ actor: v('User', 'u'), action: 'odd', resource: N('a') })).toBe(true);
    expect(me.authorize({ actor: v('User', 'u'), action: 'odd', resource: N('z') })).toBe(false);
    me.close();
  });

  it('gives up with query-too-expensive past the conjunctive-query cap', () => {
    const shape: QueryShape = {
      atoms: [{ pred: 'allow', args: [P(0), { kind: 'const', value: v('String', 'read') }, P(1)] }],
      vars: {},
      params: ['User', 'Doc'],
      outputs: [],
    };
    expect(() => compileQuery(shape, catalog, { mode: 'exists', maxCqs: 2 })).toThrow(
      expect.objectContaining({ code: 'query-too-expensive' }),
    );
  });
});
