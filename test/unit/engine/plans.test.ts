import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildDatabase, createEngine, HEAVY_ROWS, loadSqlJs } from '../../../lib/engine/index.ts';
import { type Fact, parsePolicy, type Value } from '../../../lib/polar/index.ts';

// On an F1-like policy and data set every authorize/list/actions statement must SEARCH its fact
// tables through an index, never SCAN them.

const v = (type: string, id: string): Value => ({ type, id });

function facts(): Fact[] {
  const out: Fact[] = [];
  const S = (s: string) => v('String', s);
  for (let r = 0; r < 400; r++) {
    out.push({
      predicate: 'has_relation',
      args: [v('Repository', `r${r}`), S('organization'), v('Organization', `o${r % 20}`)],
    });
    out.push({
      predicate: 'has_relation',
      args: [v('Issue', `i${r}`), S('repository'), v('Repository', `r${r}`)],
    });
    if (r % 7 === 0)
      out.push({ predicate: 'is_public', args: [v('Repository', `r${r}`), v('Boolean', 'true')] });
  }
  for (let u = 0; u < 300; u++) {
    out.push({
      predicate: 'has_role',
      args: [
        v('User', `u${u}`),
        S(['reader', 'writer', 'admin'][u % 3]!),
        v('Repository', `r${(u * 13) % 400}`),
      ],
    });
    out.push({
      predicate: 'has_role',
      args: [v('User', `u${u}`), S(u % 10 ? 'member' : 'admin'), v('Organization', `o${u % 20}`)],
    });
    if (u % 50 === 0) out.push({ predicate: 'is_banned', args: [v('User', `u${u}`)] });
  }
  out.push({ predicate: 'has_role', args: [v('User', 'root'), S('admin')] });
  return out;
}

/** The F1-like policy over `facts()` (and `more`): the engine and its database. */
async function f1Engine(more: Fact[] = []) {
  const sql = await loadSqlJs();
  const src = readFileSync('test/fixtures/policies/f1-github.polar', 'utf8');
  const policy = parsePolicy([{ filename: 'f1-github.polar', src }]);
  const db = buildDatabase(sql, policy, [...facts(), ...more]);
  return { db, engine: createEngine(sql, db, policy) };
}

describe('query plans', () => {
  it('authorize, list and actions never scan a fact table', async () => {
    const { db, engine } = await f1Engine();
    const u = v('User', 'u1');
    for (const [type, id] of [
      ['Repository', 'r1'],
      ['Organization', 'o1'],
      ['Issue', 'i1'],
    ] as const) {
      for (const action of ['read', 'push', 'delete', 'close', 'manage_members']) {
        engine.authorize({ actor: u, action, resource: v(type, id) });
        engine.list({ actor: u, action, resourceType: type });
      }
      engine.actions({ actor: u, resource: v(type, id) });
    }
    const statements = engine.cachedSql();
    expect(statements.length).toBeGreaterThan(30);
    for (const { key, sql: texts } of statements) {
      for (const text of texts) {
        const n = Math.max(0, ...[...text.matchAll(/\?(\d+)/g)].map((m) => Number(m[1])));
        const plan = db.exec(
          `EXPLAIN QUERY PLAN ${text}`,
          Array.from({ length: n }, () => 1),
        );
        const details = (plan[0]?.values ?? []).map((r) => String(r[3]));
        const scans = details.filter((d) => /^SCAN (t\d+_\d+|f_|vals)/.test(d));
        expect(scans, `${key}\n${details.join('\n')}`).toEqual([]);
        if (/ f_\w+ t/.test(text))
          expect(
            details.some((d) => d.startsWith('SEARCH')),
            key,
          ).toBe(true);
      }
    }
    engine.close();
  });

  // Format 4 has no index on vals.key (a second copy of every key): each type's ids follow its keys, and
  // interning a request value seeks its fence by type and key, then reads that fence's block of ids only.
  it('interning seeks the fence of the key, then a range of ids, without an index on the key', async () => {
    const { db, engine } = await f1Engine();
    expect(db.exec("SELECT 1 FROM sqlite_schema WHERE tbl_name = 'vals' AND type = 'index'")).toEqual([]);
    const sqlOf = String(
      db.exec("SELECT sql FROM sqlite_schema WHERE name = 'vals_fence'")[0]!.values[0]![0],
    );
    expect(sqlOf).toMatch(/PRIMARY KEY\(code, key\)\) WITHOUT ROWID$/);
    const lookup = (engine.interner as unknown as { lookup: { getSQL(): string } }).lookup.getSQL();
    const plan = db.exec(`EXPLAIN QUERY PLAN ${lookup}`, [4, 'r1'])[0]!.values.map((r) => String(r[3]));
    expect(plan).toEqual([
      'CO-ROUTINE f',
      'SEARCH vals_fence USING PRIMARY KEY (code=? AND key<?)',
      'SCAN f',
      'SEARCH v USING INTEGER PRIMARY KEY (rowid>? AND rowid<?)',
    ]);
    engine.close();
  });

  // A global role makes every Org an admin's (a wildcard row) and roles flow down `parent`: the recursive
  // step joins the relation to a column that may hold the wildcard. That join must still seek an index;
  // it used to scan (an OR of the wildcard cases) or build an automatic index at every step.
  it('recursion over a relation that may hold a wildcard seeks an index at each step', async () => {
    const sql = await loadSqlJs();
    const policy = parsePolicy([
      {
        filename: 'tree.polar',
        src: `actor User {}
global { roles = ["super"]; }
resource Org {
  roles = ["member", "admin"];
  permissions = ["read"];
  relations = { parent: Org };
  role if role on "parent";
  "admin" if global "super";
  "member" if "admin";
  "read" if "member";
}`,
      },
    ]);
    const S = (s: string) => v('String', s);
    const tree: Fact[] = [
      { predicate: 'has_role', args: [v('User', 'root'), S('super')] },
      { predicate: 'has_role', args: [v('User', 'ann'), S('member'), v('Org', 'o0')] },
    ];
    for (let i = 1; i < 3000; i++)
      tree.push({
        predicate: 'has_relation',
        args: [v('Org', `o${i}`), S('parent'), v('Org', `o${(i - 1) >> 1}`)],
      });
    const db = buildDatabase(sql, policy, tree);
    const engine = createEngine(sql, db, policy);
    expect(
      engine.list({ actor: v('User', 'ann'), action: 'read', resourceType: 'Org' }).results,
    ).toHaveLength(3000);
    const [list] = engine.cachedSql().filter((s) => s.key.startsWith('list|'));
    const text = list!.sql.at(-1)!;
    expect(text).toMatch(/WITH RECURSIVE/);
    const plan = db.exec(`EXPLAIN QUERY PLAN ${text}`, [1, 1])[0]!.values.map((r) => String(r[3]));
    expect(
      plan.filter((d) => d.includes('AUTOMATIC')),
      plan.join('\n'),
    ).toEqual([]);
    // each step seeks the parent column for the value (or the range a wildcard stands for)
    expect(
      // (the part of has_relation that holds "parent": format 3 stores one table per relation name)
      plan.some((d) =>
        /^SEARCH t0_0 USING COVERING INDEX f_has_relation_3__\d+_rev \(a2>\? AND a2<\?\)/.test(d),
      ),
      plan.join('\n'),
    ).toBe(true);
    engine.close();
  });

  // A list page is read in id order. A way in that starts from the actor (their roles) seeks the actor
  // and sorts its few rows; only a way that does not (a global role) walks the ids of the listed type.
  // Walking for every way made a global admin's 10,000-issue page test every issue once per way.
  it('a list seeks the actor for the ways that start from the actor, and walks ids only for the rest', async () => {
    const { db, engine } = await f1Engine();
    expect(
      engine.list({ actor: v('User', 'root'), action: 'read', resourceType: 'Issue' }).results,
    ).toHaveLength(400);
    const [list] = engine.cachedSql().filter((s) => s.key.startsWith('list|'));
    const text = list!.sql.at(-1)!;
    const plan = db.exec(`EXPLAIN QUERY PLAN ${text}`, [1, 1])[0]!.values.map((r) => String(r[3]));
    // the actor's repository roles, then that repository's issues (reverse index of the part of has_relation
    // that holds "repository": its second column holds repositories only, so the roles need no type range)
    expect(
      plan.some((d) => /^SEARCH t0_1 USING PRIMARY KEY \(a0=\?( AND a2>\? AND a2<\?)?\)/.test(d)),
      plan.join('\n'),
    ).toBe(true);
    expect(
      plan.some((d) =>
        /^SEARCH t0_0 USING COVERING INDEX f_has_relation_3__\d+_rev \(a2=\? AND a0>\?\)/.test(d),
      ),
      plan.join('\n'),
    ).toBe(true);
    // the global admin's way walks the issues in order (from the page's start; the part of has_relation
    // that holds "repository" has issues only in its first column, so no type range bounds it above)
    expect(
      plan.some((d) => /^SEARCH t0_0 USING PRIMARY KEY \(a0>\?( AND a0<\?)?\)/.test(d)),
      plan.join('\n'),
    ).toBe(true);
    engine.close();
  });

  // Every repository has an organization (the snapshot records that column as total), so the global
  // admin's way to an issue, issue -> repository -> any organization, reads no organization: the walk
  // over the issues is all it does. One repository without an organization brings the read back.
  it("a global admin's issues read no organization when every repository has one", async () => {
    const relationsOfAdminWay = async (more: Fact[]) => {
      const { engine } = await f1Engine(more);
      engine.list({ actor: v('User', 'root'), action: 'read', resourceType: 'Issue' });
      const [list] = engine.cachedSql().filter((s) => s.key.startsWith('list|'));
      const arms = list!.sql.at(-1)!.split('\nUNION ALL\n');
      const admin = arms.filter((a) => a.includes('f_has_role_2'));
      engine.close();
      expect(admin).toHaveLength(1);
      return admin[0]!.match(/f_has_relation_3__\w+ t\d/g)?.length;
    };
    expect(await relationsOfAdminWay([])).toBe(1);
    const S = (s: string) => v('String', s);
    const orphan: Fact = {
      predicate: 'has_relation',
      args: [v('Issue', 'i-x'), S('repository'), v('Repository', 'r-x')],
    };
    expect(await relationsOfAdminWay([orphan])).toBe(2);
  });

  // An ordinary user's Repository check has two ways through their roles: on the repository, and on its
  // organization. With every repository in an organization (a total column) and a user of few roles, one
  // join reads the organization row and scans the user's roles once (lib/compiler/join.ts). A user with
  // many roles keeps one seek per way; a repository without an organization keeps both ways apart.
  it('an ordinary user’s roles are scanned once for both ways to a repository, a heavy user’s are not', async () => {
    const S = (s: string) => v('String', s);
    const bulk: Fact[] = Array.from({ length: HEAVY_ROWS + 1 }, (_, r) => ({
      predicate: 'has_role',
      args: [v('User', 'bulk'), S('reader'), v('Repository', `r${r}`)],
    }));
    const statementOf = async (more: Fact[], actor: string) => {
      const { db, engine } = await f1Engine([...bulk, ...more]);
      expect(
        engine.authorize({ actor: v('User', actor), action: 'read', resource: v('Repository', 'r1') }),
      ).toBe(actor === 'bulk' || actor === 'u1');
      const texts = engine
        .cachedSql()
        .filter((s) => s.key.startsWith('exists|User\u0000read\u0000Repository||p'))
        .map((s) => s.sql.at(-1)!);
      expect(texts).toHaveLength(1);
      const plan = db.exec(`EXPLAIN QUERY PLAN ${texts[0]}`, [1, 1])[0]!.values.map((r) => String(r[3]));
      engine.close();
      return { joined: /\n {4}OR \(\+t\d+_\d+\.a2 = t\d+_\d+\.a2/.test(texts[0]!), plan };
    };
    // u1 holds a role on r1 (u * 13 % 400) and is a member of o1
    const ordinary = await statementOf([], 'u1');
    expect(ordinary.joined).toBe(true);
    expect(ordinary.plan).toContain('SEARCH t0_1 USING PRIMARY KEY (a0=?)');
    expect((await statementOf([], 'bulk')).joined).toBe(false);
    const orphan: Fact = {
      predicate: 'has_role',
      args: [v('User', 'u1'), S('reader'), v('Repository', 'r-x')],
    };
    expect((await statementOf([orphan], 'u1')).joined).toBe(false);
  });
});
