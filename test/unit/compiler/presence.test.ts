import type { SqlJsStatic } from 'sql.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { compileQuery, type QueryShape } from '../../../lib/compiler/index.ts';
import { EngineCatalog } from '../../../lib/engine/catalog.ts';
import { buildDatabase, createEngine, loadSqlJs } from '../../../lib/engine/index.ts';
import { readPreds, readPresence, STORED_BIT } from '../../../lib/engine/schema.ts';
import { type Fact, parsePolicy, type Value } from '../../../lib/polar/index.ts';

// Presence pruning: the snapshot records which sparse columns hold each value, and a compile for values
// that are not in such a column drops the queries that read it there.

const SRC = `actor User {}
actor Group {}
global { roles = ["admin"]; }
resource Repo {
  roles = ["reader", "admin"];
  permissions = ["read"];
  "reader" if "admin";
  "read" if "reader";
  "admin" if global "admin";
}
has_permission(_: User, "read", r: Repo) if is_public(r, true);
has_role(u: User, role: String, r: Resource) if g matches Group and has_group(u, g) and has_role(g, role, r);
has_group(u: User, g: Group) if x matches Group and has_group(u, x) and has_group(x, g);
allow(actor, action, resource) if not is_banned(actor) and has_permission(actor, action, resource);
`;

const v = (type: string, id: string): Value => ({ type, id });
const S = (id: string) => v('String', id);
const USERS = Array.from({ length: 12 }, (_, i) => `u${i}`);
const REPOS = Array.from({ length: 6 }, (_, i) => `r${i}`);
const FACTS: Fact[] = [
  // every user holds a role somewhere: has_role's actor column is dense, so it is not tracked
  ...USERS.map((u, i) => ({
    predicate: 'has_role',
    args: [v('User', u), S('reader'), v('Repo', REPOS[i % 6]!)],
  })),
  { predicate: 'has_role', args: [v('User', 'u1'), S('admin')] },
  { predicate: 'is_banned', args: [v('User', 'u2')] },
  { predicate: 'has_group', args: [v('User', 'u3'), v('Group', 'g1')] },
  { predicate: 'has_group', args: [v('Group', 'g1'), v('Group', 'g2')] },
  { predicate: 'has_group', args: [v('Group', 'g2'), v('Group', 'g1')] },
  { predicate: 'has_role', args: [v('Group', 'g2'), S('admin'), v('Repo', 'r5')] },
  { predicate: 'is_public', args: [v('Repo', 'r4'), v('Boolean', 'true')] },
];

const shape: QueryShape = {
  atoms: [
    {
      pred: 'allow',
      args: [
        { kind: 'param', slot: 0 },
        { kind: 'const', value: S('read') },
        { kind: 'param', slot: 1 },
      ],
    },
  ],
  vars: {},
  params: ['User', 'Repo'],
  outputs: [],
};

let sql: SqlJsStatic;
beforeAll(async () => {
  sql = await loadSqlJs();
});

function setup() {
  const policy = parsePolicy([{ filename: 'p.polar', src: SRC }]);
  const db = buildDatabase(sql, policy, FACTS);
  const engine = createEngine(sql, db, policy);
  const presence = readPresence(db);
  const catalog = new EngineCatalog(engine.interner, policy, readPreds(db), undefined, presence);
  const bit = (tbl: string, col: number) => 1 << presence.get(tbl)!.get(col)!;
  return { policy, db, engine, presence, catalog, bit };
}

describe('presence', () => {
  it('tracks the sparse entity columns, and each value has the bits of the columns that hold it', () => {
    const { db, engine, presence, bit } = setup();
    try {
      const tracked = [...presence]
        .flatMap(([tbl, cols]) => [...cols.keys()].map((c) => `${tbl}.a${c}`))
        .sort();
      // has_role's actor column holds every user and its resource column most repositories: not tracked;
      // the role and the Boolean are constants (primitive types): never tracked
      expect(tracked).toEqual([
        'f_has_group_2.a0',
        'f_has_role_2.a0',
        'f_is_banned_1.a0',
        'f_is_public_2.a0',
      ]);
      const temps = (engine as unknown as { ctx: { sharedTemps(): never } }).ctx.sharedTemps();
      const bitsOf = (x: Value) => Math.floor(engine.interner.requestEntry(x, temps) / 2 ** 37);
      // every value of vals has STORED_BIT besides the bits of the tracked columns that hold it
      const STORED = 2 ** STORED_BIT;
      expect(bitsOf(v('User', 'u1'))).toBe(STORED | bit('f_has_role_2', 0));
      expect(bitsOf(v('User', 'u2'))).toBe(STORED | bit('f_is_banned_1', 0));
      expect(bitsOf(v('User', 'u3'))).toBe(STORED | bit('f_has_group_2', 0));
      // a group is in has_group's first column too (nesting)
      expect(bitsOf(v('Group', 'g1'))).toBe(STORED | bit('f_has_group_2', 0));
      expect(bitsOf(v('Repo', 'r4'))).toBe(STORED | bit('f_is_public_2', 0));
      expect(bitsOf(v('User', 'u0'))).toBe(STORED);
      expect(bitsOf(v('User', 'nobody'))).toBe(0);
      // rows only for values with a bit
      expect(db.exec('SELECT count(*) FROM presence')[0]!.values[0]![0]).toBe(6);
    } finally {
      engine.close();
    }
  });

  it('a compile reports the bits it reads per parameter, and drops the queries a value cannot satisfy', () => {
    const { engine, catalog, bit } = setup();
    try {
      const full = compileQuery(shape, catalog, { mode: 'exists' });
      const STORED = 2 ** STORED_BIT;
      const actorBits = bit('f_has_role_2', 0) | bit('f_is_banned_1', 0) | bit('f_has_group_2', 0);
      expect(full.presence).toEqual([STORED | actorBits, STORED | bit('f_is_public_2', 0)]);
      const sqlOf = (present: number[]) => {
        const c = compileQuery(shape, catalog, { mode: 'exists', present });
        return c.with + c.body;
      };
      const all = full.with + full.body;
      for (const t of ['f_is_banned_1', 'f_has_role_2', 'f_has_group_2', 'f_is_public_2', 'WITH RECURSIVE'])
        expect(all).toContain(t);
      // stored values in none of them: the direct role only; the negation holds and is gone, so is the
      // group walk
      const none = sqlOf([STORED, STORED]);
      expect(none).toMatch(/f_has_role_3/);
      for (const t of ['f_is_banned_1', 'f_has_role_2', 'f_has_group_2', 'f_is_public_2', 'WITH'])
        expect(none).not.toContain(t);
      // each bit brings back its part, and only that
      const banned = sqlOf([STORED | bit('f_is_banned_1', 0), STORED]);
      expect(banned).toContain('NOT EXISTS(SELECT 1 FROM f_is_banned_1');
      expect(banned).not.toContain('f_has_group_2');
      const grouped = sqlOf([STORED | bit('f_has_group_2', 0), STORED]);
      expect(grouped).toContain('WITH RECURSIVE');
      expect(grouped).not.toContain('f_is_banned_1');
      expect(sqlOf([STORED, STORED | bit('f_is_public_2', 0)])).toContain('f_is_public_2');
      // an actor no fact names: no way through a fact about the actor is left (the public repository is)
      const stranger = sqlOf([0, STORED | bit('f_is_public_2', 0)]);
      expect(stranger).toContain('f_is_public_2');
      for (const t of ['f_has_role_3', 'f_is_banned_1', 'f_has_role_2', 'f_has_group_2'])
        expect(stranger).not.toContain(t);
      // bits the query does not read change nothing
      expect(sqlOf([STORED | actorBits, STORED | bit('f_is_public_2', 0)])).toBe(all);
    } finally {
      engine.close();
    }
  });

  it('answers authorize and actions exactly as a snapshot without presence does', () => {
    const { policy, engine } = setup();
    // the same facts with the presence record dropped: the engine then compiles every query in full
    const plainDb = buildDatabase(sql, policy, FACTS);
    plainDb.exec('DROP TABLE presence');
    const plain = createEngine(sql, plainDb, policy);
    try {
      expect(readPresence(plainDb).size).toBe(0);
      let allowed = 0;
      for (const u of [...USERS, 'nobody']) {
        for (const r of [...REPOS, 'r-unknown']) {
          const actor = v('User', u);
          const resource = v('Repo', r);
          const want = plain.authorize({ actor, action: 'read', resource });
          expect(engine.authorize({ actor, action: 'read', resource }), `${u} ${r}`).toBe(want);
          expect(engine.actions({ actor, resource }), `${u} ${r}`).toEqual(
            plain.actions({ actor, resource }),
          );
          if (want) allowed++;
        }
      }
      // the admin, the group member (through a cyclic nesting) and the public repository all count
      expect(engine.authorize({ actor: v('User', 'u1'), action: 'read', resource: v('Repo', 'r3') })).toBe(
        true,
      );
      expect(engine.authorize({ actor: v('User', 'u3'), action: 'read', resource: v('Repo', 'r5') })).toBe(
        true,
      );
      expect(engine.authorize({ actor: v('User', 'u0'), action: 'read', resource: v('Repo', 'r4') })).toBe(
        true,
      );
      expect(engine.authorize({ actor: v('User', 'u2'), action: 'read', resource: v('Repo', 'r4') })).toBe(
        false,
      );
      expect(allowed).toBeGreaterThan(20);
      // context facts are not in the record: a request that brings one still sees it
      expect(
        engine.authorize({
          actor: v('User', 'u0'),
          action: 'read',
          resource: v('Repo', 'r3'),
          contextFacts: [{ predicate: 'has_role', args: [v('User', 'u0'), S('admin')] }],
        }),
      ).toBe(true);
    } finally {
      engine.close();
      plain.close();
    }
  });
});
