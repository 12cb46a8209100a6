import type { SqlJsStatic } from 'sql.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildDatabase, createEngine, type EngineOptions, loadSqlJs } from '../../../lib/engine/index.ts';
import { isDomainError } from '../../../lib/errors.ts';
import { type Fact, parsePolicy, type Value } from '../../../lib/polar/index.ts';

let sql: SqlJsStatic;
beforeAll(async () => {
  sql = await loadSqlJs();
});

const v = (type: string, id: string): Value => ({ type, id });
const U = (id: string) => v('User', id);
const D = (id: string) => v('Doc', id);
const S = (id: string) => v('String', id);
const f = (predicate: string, ...args: Value[]): Fact => ({ predicate, args });

function setup(src: string, facts: Fact[], options: EngineOptions = {}) {
  const policy = parsePolicy([{ filename: 'p.polar', src }]);
  const db = buildDatabase(sql, policy, facts);
  return { engine: createEngine(sql, db, policy, options), db, policy };
}

const DOCS = `
actor User {}
resource Doc {
  roles = ["viewer", "owner"];
  permissions = ["read", "edit"];
  "viewer" if "owner";
  "read" if "viewer";
  "edit" if "owner";
}
`;

describe('context facts', () => {
  it('take part in authorize, list and actions, and are gone afterwards', () => {
    const { engine } = setup(DOCS, [f('has_role', U('ann'), S('viewer'), D('a'))]);
    const ctx = [
      f('has_role', U('ann'), S('owner'), D('b')),
      f('has_role', U('newbie'), S('viewer'), D('new')),
    ];
    expect(engine.authorize({ actor: U('ann'), action: 'edit', resource: D('b') })).toBe(false);
    expect(engine.authorize({ actor: U('ann'), action: 'edit', resource: D('b'), contextFacts: ctx })).toBe(
      true,
    );
    expect(
      engine.authorize({ actor: U('newbie'), action: 'read', resource: D('new'), contextFacts: ctx }),
    ).toBe(true);
    expect(
      engine.list({ actor: U('ann'), action: 'read', resourceType: 'Doc', contextFacts: ctx }).results.sort(),
    ).toEqual(['a', 'b']);
    expect(engine.actions({ actor: U('ann'), resource: D('b'), contextFacts: ctx })).toEqual([
      'edit',
      'read',
    ]);
    // rolled back: nothing leaks into later requests
    expect(engine.authorize({ actor: U('ann'), action: 'edit', resource: D('b') })).toBe(false);
    expect(engine.authorize({ actor: U('newbie'), action: 'read', resource: D('new') })).toBe(false);
    expect(engine.list({ actor: U('ann'), action: 'read', resourceType: 'Doc' }).results).toEqual(['a']);
    expect(engine.factCount()).toBe(1);
    expect(engine.getFacts({ predicate: 'has_role', args: [] })).toHaveLength(1);
    engine.close();
  });

  it('requests without context use their own cached statement', () => {
    const { engine } = setup(DOCS, [f('has_role', U('ann'), S('viewer'), D('a'))]);
    engine.authorize({ actor: U('ann'), action: 'read', resource: D('a') });
    engine.authorize({
      actor: U('ann'),
      action: 'read',
      resource: D('a'),
      contextFacts: [f('has_role', U('x'), S('owner'), D('z'))],
    });
    engine.authorize({ actor: U('bob'), action: 'read', resource: D('q') });
    const keys = engine.cachedSql().map((s) => s.key);
    // without context: the full statement and one per presence variant (ann is stored, bob is not)
    expect(keys.filter((k) => /\|(\|p[\d,]+)?$/.test(k))).toHaveLength(3);
    expect(keys.filter((k) => k.endsWith('|'))).toHaveLength(1);
    // the request with context facts has its own
    expect(keys).toHaveLength(4);
    engine.close();
  });

  it('is bounded by maxContextFacts', () => {
    const { engine } = setup(DOCS, [], { limits: { maxContextFacts: 1 } });
    const ctx = [f('has_role', U('a'), S('viewer'), D('1')), f('has_role', U('a'), S('viewer'), D('2'))];
    expect(() =>
      engine.authorize({ actor: U('a'), action: 'read', resource: D('1'), contextFacts: ctx }),
    ).toThrow(/too many context facts/);
    engine.close();
  });
});

describe('wildcards', () => {
  const SRC = `
actor User {}
resource Doc { permissions = ["read", "edit"]; }
has_permission(_: User, "read", _: Doc) if is_open(true);
allow(actor: User, _action: String, doc: Doc) if has_relation(doc, "owner", actor);
allow(actor, action, resource) if has_permission(actor, action, resource);
`;
  it('answers "*" for unbounded results and still matches unknown ids', () => {
    const { engine } = setup(SRC, [
      f('is_open', v('Boolean', 'true')),
      f('has_relation', D('mine'), S('owner'), U('ann')),
    ]);
    expect(engine.authorize({ actor: U('zed'), action: 'read', resource: D('never-seen') })).toBe(true);
    expect(engine.authorize({ actor: U('zed'), action: 'edit', resource: D('never-seen') })).toBe(false);
    expect(engine.list({ actor: U('zed'), action: 'read', resourceType: 'Doc' }).results).toEqual(['*']);
    expect(engine.actions({ actor: U('ann'), resource: D('mine') })).toEqual(['*', 'read']);
    expect(engine.authorize({ actor: U('ann'), action: 'anything at all', resource: D('mine') })).toBe(true);
    const rows = engine.evaluateQuery({
      predicate: ['allow', ['a', 'act', 'd']],
      calls: [],
      constraints: {
        a: { type: 'User', ids: ['zed'] },
        act: { type: 'String', ids: ['read'] },
        d: { type: 'Doc', ids: null },
      },
    });
    expect(rows).toEqual([{ a: 'zed', act: 'read', d: null }]);
    engine.close();
  });
});

describe('recursion', () => {
  it('mutual recursion over cyclic data terminates (TEMP-table fixpoint)', () => {
    const src = `
actor User {}
resource Node {}
reach(a: Node, b: Node) if edge(a, b);
reach(a: Node, c: Node) if b matches Node and edge(a, b) and reach2(b, c);
reach2(a: Node, c: Node) if reach(a, c);
allow(_: User, "go", n: Node) if reach(n, Node{"goal"});
`;
    const N = (id: string) => v('Node', id);
    const { engine } = setup(src, [
      f('edge', N('a'), N('b')),
      f('edge', N('b'), N('a')),
      f('edge', N('b'), N('goal')),
      f('edge', N('x'), N('x')),
    ]);
    expect(engine.authorize({ actor: U('u'), action: 'go', resource: N('a') })).toBe(true);
    expect(engine.authorize({ actor: U('u'), action: 'go', resource: N('x') })).toBe(false);
    expect(engine.list({ actor: U('u'), action: 'go', resourceType: 'Node' }).results.sort()).toEqual([
      'a',
      'b',
    ]);
    engine.close();
  });

  it('non-linear recursion (nested groups, left-recursive) over a cycle terminates', () => {
    const src = `
actor User {}
actor Group {}
resource Doc { roles = ["viewer"]; permissions = ["read"]; "read" if "viewer"; }
has_group(user: Actor, group: Group) if g matches Group and has_group(user, g) and has_group(g, group);
has_role(user: User, role: String, doc: Doc) if group matches Group and has_group(user, group) and has_role(group, role, doc);
`;
    const G = (id: string) => v('Group', id);
    const { engine } = setup(src, [
      f('has_group', U('ann'), G('a')),
      f('has_group', G('a'), G('b')),
      f('has_group', G('b'), G('a')),
      f('has_group', G('b'), G('c')),
      f('has_role', G('c'), S('viewer'), D('d1')),
    ]);
    expect(engine.authorize({ actor: U('ann'), action: 'read', resource: D('d1') })).toBe(true);
    expect(engine.authorize({ actor: U('bob'), action: 'read', resource: D('d1') })).toBe(false);
    expect(engine.list({ actor: U('ann'), action: 'read', resourceType: 'Doc' }).results).toEqual(['d1']);
    engine.close();
  });
});

describe('negation and comparisons', () => {
  const SRC = `
actor User {}
resource Doc { permissions = ["read"]; }
has_permission(user: User, "read", doc: Doc) if
  grant(user, doc, until) and until > @current_unix_time and not is_banned(user);
has_permission(user: User, "read", doc: Doc) if quota(user, n) and n < 10 and n >= -3 and public(doc);
`;
  const I = (n: string) => v('Integer', n);
  const facts = [
    f('grant', U('ann'), D('a'), I('1000')),
    f('grant', U('bob'), D('a'), I('999')),
    f('grant', U('eve'), D('a'), I('5000')),
    f('is_banned', U('eve')),
    f('quota', U('nine'), I('9')),
    f('quota', U('ten'), I('10')),
    f('quota', U('neg'), I('-3')),
    f('quota', U('big'), I('9223372036854775807')),
    f('public', D('p')),
  ];
  it('compares Integers numerically against the injected clock; not wins over a grant', () => {
    const { engine } = setup(SRC, facts, { clock: () => 999 });
    const can = (who: string, doc: string) =>
      engine.authorize({ actor: U(who), action: 'read', resource: D(doc) });
    expect(can('ann', 'a')).toBe(true);
    expect(can('bob', 'a')).toBe(false); // 999 > 999 is false
    expect(can('eve', 'a')).toBe(false); // banned
    expect(can('nine', 'p')).toBe(true); // 9 < 10 numerically (not as text)
    expect(can('ten', 'p')).toBe(false);
    expect(can('neg', 'p')).toBe(true);
    expect(can('big', 'p')).toBe(false);
    engine.close();
    const later = setup(SRC, facts, { clock: () => 1000n }).engine;
    expect(later.authorize({ actor: U('ann'), action: 'read', resource: D('a') })).toBe(false);
    later.close();
  });
});

describe('list pagination', () => {
  it('pages through every id exactly once', () => {
    const facts = Array.from({ length: 7 }, (_, i) => f('has_role', U('ann'), S('viewer'), D(`d${i}`)));
    const { engine } = setup(DOCS, facts);
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const r = engine.list({
        actor: U('ann'),
        action: 'read',
        resourceType: 'Doc',
        limit: 3,
        pageToken: token,
      });
      expect(r.results.length).toBeLessThanOrEqual(3);
      seen.push(...r.results);
      token = r.nextPageToken ?? undefined;
      pages++;
    } while (token !== undefined);
    expect(pages).toBe(3);
    expect(seen.sort()).toEqual(facts.map((x) => x.args[2]!.id).sort());
    expect(() =>
      engine.list({ actor: U('ann'), action: 'read', resourceType: 'Doc', pageToken: 'garbage' }),
    ).toThrow(/invalid page token/);
    engine.close();
  });
});

describe('getFacts, queryFacts, evaluateQuery', () => {
  const facts = [
    f('has_role', U('ann'), S('viewer'), D('a')),
    f('has_role', U('ann'), S('owner'), D('b')),
    f('has_role', U('bob'), S('viewer'), D('b')),
  ];
  it('getFacts returns stored facts matching wildcards, bounded', () => {
    const { engine } = setup(DOCS, facts, { limits: { maxFacts: 2 } });
    expect(engine.getFacts({ predicate: 'has_role', args: [{ type: 'User', id: 'ann' }] }, 10)).toHaveLength(
      2,
    );
    expect(engine.getFacts({ predicate: null, args: [] }, 10)).toHaveLength(2);
    expect(
      engine.getFacts(
        {
          predicate: 'has_role',
          args: [
            { type: null, id: null },
            { type: null, id: 'viewer' },
          ],
        },
        1,
      ),
    ).toHaveLength(1);
    const byDoc = engine.getFacts({
      predicate: 'has_role',
      args: [
        { type: null, id: null },
        { type: null, id: null },
        { type: 'Doc', id: 'b' },
      ],
    });
    expect(byDoc.map((x) => x.args[0]!.id).sort()).toEqual(['ann', 'bob']);
    expect(engine.getFacts({ predicate: 'has_role', args: [{ type: 'User', id: 'nobody' }] })).toEqual([]);
    expect(engine.getFacts({ predicate: 'nope', args: [] })).toEqual([]);
    engine.close();
  });

  it('queryFacts returns derived facts; evaluateQuery returns distinct rows', () => {
    const { engine } = setup(DOCS, facts);
    const got = engine.queryFacts({
      predicate: 'has_permission',
      args: [
        { type: 'User', id: 'ann' },
        { type: null, id: null },
        { type: 'Doc', id: null },
      ],
    });
    expect(got.map((x) => `${x.args[1]!.id}:${x.args[2]!.id}`).sort()).toEqual([
      'edit:b',
      'read:a',
      'read:b',
    ]);
    const rows = engine.evaluateQuery({
      predicate: ['allow', ['u', 'act', 'd']],
      calls: [['has_role', ['u', 'r', 'd']]],
      constraints: {
        u: { type: 'User', ids: null },
        act: { type: 'String', ids: ['read', 'edit'] },
        d: { type: 'Doc', ids: ['b'] },
        r: { type: 'String', ids: null },
      },
    });
    const text = rows.map((r) => `${r.u} ${r.act} ${r.d} ${r.r}`).sort();
    // calls range over derived facts too: ann's owner role implies viewer
    expect(text).toEqual([
      'ann edit b owner',
      'ann edit b viewer',
      'ann read b owner',
      'ann read b viewer',
      'bob read b viewer',
    ]);
    engine.close();
  });

  it('caps rows with limits.maxResults', () => {
    const { engine } = setup(DOCS, facts, { limits: { maxResults: 1 } });
    const run = () =>
      engine.evaluateQuery({
        predicate: ['has_role', ['u', 'r', 'd']],
        calls: [],
        constraints: {
          u: { type: 'User', ids: null },
          r: { type: 'String', ids: null },
          d: { type: 'Doc', ids: null },
        },
      });
    expect(() => run()).toThrow(expect.objectContaining({ code: 'query-too-expensive' }));
    engine.close();
  });
});

describe('hostile values', () => {
  const nasty = [
    `it's "quoted"`,
    '100%',
    'a_b',
    'nul\u0000byte',
    'emoji 🦀👩‍👩‍👧',
    'x'.repeat(384),
    "'; DROP TABLE vals; --",
  ];
  it('are stored and matched exactly, never as patterns', () => {
    const facts = nasty.map((id) => f('has_role', U(id), S('viewer'), D(id)));
    const { engine } = setup(DOCS, facts);
    for (const id of nasty) {
      expect(engine.authorize({ actor: U(id), action: 'read', resource: D(id) }), id).toBe(true);
      expect(engine.list({ actor: U(id), action: 'read', resourceType: 'Doc' }).results).toEqual([id]);
    }
    expect(engine.authorize({ actor: U('100x'), action: 'read', resource: D('100%') })).toBe(false);
    expect(engine.authorize({ actor: U('aXb'), action: 'read', resource: D('a_b') })).toBe(false);
    expect(engine.authorize({ actor: U('nul'), action: 'read', resource: D('nul\u0000byte') })).toBe(false);
    expect(
      engine.authorize({ actor: U('x'.repeat(383)), action: 'read', resource: D('x'.repeat(384)) }),
    ).toBe(false);
    expect(engine.getFacts({ predicate: 'has_role', args: [{ type: 'User', id: '100%' }] })).toHaveLength(1);
    expect(engine.factCount()).toBe(nasty.length);
    engine.close();
  });

  it('rejects malformed values as bad-request', () => {
    const { engine } = setup(DOCS, []);
    const bad = () => engine.authorize({ actor: v('Integer', '12abc'), action: 'read', resource: D('a') });
    expect(bad).toThrow(expect.objectContaining({ code: 'bad-request' }));
    try {
      bad();
    } catch (e) {
      expect(isDomainError(e, 'bad-request')).toBe(true);
    }
    engine.close();
  });
});

describe('predicate names', () => {
  it('keeps predicates whose sanitized table names collide apart', () => {
    const { engine } = setup(DOCS, [
      f('has_role', U('ann'), S('viewer'), D('a')),
      f('has-role', U('bob'), S('owner'), D('a')),
    ]);
    expect(engine.authorize({ actor: U('ann'), action: 'read', resource: D('a') })).toBe(true);
    expect(engine.authorize({ actor: U('bob'), action: 'read', resource: D('a') })).toBe(false);
    expect(engine.getFacts({ predicate: 'has-role', args: [] }).map((x) => x.args[0]!.id)).toEqual(['bob']);
    engine.close();
  });
});
