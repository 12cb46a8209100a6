// list pages over arms that grant the same ids more than once (the list statement is a UNION ALL whose
// repeats the reader drops), through the keys-in-one-string path (no context facts) and the row path
// (context facts, wildcards, keys that are not UTF-8).
import type { SqlJsStatic } from 'sql.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildDatabase, createEngine, type Engine, loadSqlJs } from '../../../lib/engine/index.ts';
import { type Fact, parsePolicy, type Value } from '../../../lib/polar/index.ts';

let sql: SqlJsStatic;
beforeAll(async () => {
  sql = await loadSqlJs();
});

const v = (type: string, id: string): Value => ({ type, id });
const U = (id: string) => v('User', id);
const G = (id: string) => v('Group', id);
const O = (id: string) => v('Org', id);
const D = (id: string) => v('Doc', id);
const S = (id: string) => v('String', id);
const f = (predicate: string, ...args: Value[]): Fact => ({ predicate, args });

// a doc is readable through a direct role, a group's role, its org, and a global role: four arms
const POLICY = `
actor User {}
actor Group {}
global { roles = ["admin"]; }
resource Org { roles = ["member"]; }
resource Doc {
  roles = ["viewer"];
  permissions = ["read"];
  relations = { org: Org };
  "viewer" if "member" on "org";
  "viewer" if global "admin";
  "read" if "viewer";
}
has_role(u: User, r: String, d: Doc) if g matches Group and has_group(u, g) and has_role(g, r, d);
`;

const DOCS = 40;
/** ids that sort in id order differently from their names, one with a NUL and one with the escape byte */
const docId = (i: number) => (i === 7 ? 'nul\u0000doc' : i === 8 ? 'esc\u0001doc' : `d${(i * 7) % DOCS}`);

function facts(admin = false): Fact[] {
  const out: Fact[] = [];
  for (let i = 0; i < DOCS; i++) {
    out.push(f('has_relation', D(docId(i)), S('org'), O('o1')));
    // every third doc: a direct role too, every second: a group role too
    if (i % 3 === 0) out.push(f('has_role', U('ann'), S('viewer'), D(docId(i))));
    if (i % 2 === 0) out.push(f('has_role', G('g'), S('viewer'), D(docId(i))));
  }
  out.push(f('has_role', U('ann'), S('member'), O('o1')));
  out.push(f('has_group', U('ann'), G('g')));
  // a global admin may read any Doc: the answer starts with "*" (the row path)
  if (admin) out.push(f('has_role', U('ann'), S('admin')));
  // a doc with no org: only the direct and group arms reach it
  out.push(f('has_role', U('ann'), S('viewer'), D('lonely')));
  out.push(f('has_role', G('g'), S('viewer'), D('lonely')));
  return out;
}

function pages(engine: Engine, limit: number, contextFacts?: Fact[]): { ids: string[]; sizes: number[] } {
  const ids: string[] = [];
  const sizes: number[] = [];
  let token: string | undefined;
  do {
    const r = engine.list({
      actor: U('ann'),
      action: 'read',
      resourceType: 'Doc',
      limit,
      pageToken: token,
      contextFacts,
    });
    ids.push(...r.results);
    sizes.push(r.results.length);
    token = r.nextPageToken ?? undefined;
    expect(sizes.length).toBeLessThan(100);
  } while (token !== undefined);
  return { ids, sizes };
}

describe('list pages when several arms grant the same ids', () => {
  const policy = parsePolicy([{ filename: 'p.polar', src: POLICY }]);
  const all = [...new Set([...Array.from({ length: DOCS }, (_, i) => docId(i)), 'lonely'])].sort();

  it('return every id once, in full pages, with no token after the last', () => {
    const engine = createEngine(sql, buildDatabase(sql, policy, facts()), policy);
    try {
      const whole = engine.list({ actor: U('ann'), action: 'read', resourceType: 'Doc', limit: 1000 });
      expect(whole.nextPageToken).toBeNull();
      expect([...whole.results].sort()).toEqual(all);
      for (const limit of [1, 2, 3, 7, 20, DOCS, DOCS + 1, DOCS + 2]) {
        const { ids, sizes } = pages(engine, limit);
        expect(ids, `limit ${limit}`).toEqual(whole.results);
        // every page but the last is full, and the last is not empty
        expect(
          sizes.slice(0, -1).every((n) => n === limit),
          `limit ${limit}: ${sizes}`,
        ).toBe(true);
        expect(sizes.at(-1)! > 0, `limit ${limit}: ${sizes}`).toBe(true);
      }
    } finally {
      engine.close();
    }
  });

  it('give the same pages through the row path (context facts)', () => {
    const engine = createEngine(sql, buildDatabase(sql, policy, facts()), policy);
    // a context fact that changes no answer sends list down the row path
    const ctx = [f('has_role', U('bob'), S('viewer'), D('d1'))];
    try {
      for (const limit of [1, 3, 20, 1000]) {
        expect(pages(engine, limit, ctx), `limit ${limit}`).toEqual(pages(engine, limit));
      }
    } finally {
      engine.close();
    }
  });

  it('start with "*" for a global admin, then page through the same ids', () => {
    const engine = createEngine(sql, buildDatabase(sql, policy, facts(true)), policy);
    try {
      const whole = engine.list({ actor: U('ann'), action: 'read', resourceType: 'Doc', limit: 1000 });
      expect(whole.results[0]).toBe('*');
      expect(whole.results.slice(1).sort()).toEqual(all);
      for (const limit of [1, 3, 1000])
        expect(pages(engine, limit).ids, `limit ${limit}`).toEqual(whole.results);
    } finally {
      engine.close();
    }
  });
});
