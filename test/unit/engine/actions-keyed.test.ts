import type { SqlJsStatic } from 'sql.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildDatabase, createEngine, loadSqlJs } from '../../../lib/engine/index.ts';
import { type Fact, parsePolicy, type Value } from '../../../lib/polar/index.ts';

// actions on a policy whose rules all name their action: the ways to each action that differ only in
// the roles they accept run as one arm returning the role, mapped back to actions afterwards.
const SRC = `
actor User {}
global { roles = ["admin"]; }
resource Org {
  roles = ["member", "owner"];
  "member" if "owner";
}
resource Repo {
  roles = ["reader", "writer", "admin"];
  permissions = ["read", "push", "delete", "audit"];
  relations = { org: Org };
  "reader" if "writer";
  "writer" if "admin";
  "reader" if "member" on "org";
  "admin" if "owner" on "org";
  "admin" if global "admin";
  "read" if "reader";
  "push" if "writer";
  "delete" if "admin";
}
has_permission(_: User, "audit", r: Repo) if is_public(r, true);
has_permission(_: User, "read", r: Repo) if is_public(r, true);
allow(actor, action, resource) if not is_banned(actor) and has_permission(actor, action, resource);
`;
const v = (type: string, id: string): Value => ({ type, id });
const S = (id: string) => v('String', id);
const FACTS: Fact[] = [
  { predicate: 'has_role', args: [v('User', 'ann'), S('reader'), v('Repo', 'r1')] },
  { predicate: 'has_role', args: [v('User', 'bob'), S('writer'), v('Repo', 'r1')] },
  { predicate: 'has_role', args: [v('User', 'cat'), S('owner'), v('Org', 'o1')] },
  { predicate: 'has_role', args: [v('User', 'dan'), S('member'), v('Org', 'o1')] },
  { predicate: 'has_role', args: [v('User', 'eve'), S('admin')] },
  { predicate: 'has_relation', args: [v('Repo', 'r1'), S('org'), v('Org', 'o1')] },
  { predicate: 'has_relation', args: [v('Repo', 'r2'), S('org'), v('Org', 'o1')] },
  { predicate: 'is_public', args: [v('Repo', 'r2'), v('Boolean', 'true')] },
  { predicate: 'is_banned', args: [v('User', 'dan')] },
];
const USERS = ['ann', 'bob', 'cat', 'dan', 'eve', 'nobody'];
const REPOS = ['r1', 'r2', 'r3'];
const ACTIONS = ['read', 'push', 'delete', 'audit', 'unknown'];

let sql: SqlJsStatic;
beforeAll(async () => {
  sql = await loadSqlJs();
});

describe('actions through keyed arms', () => {
  it('equals the actions authorize allows, for every actor and resource', () => {
    const policy = parsePolicy([{ filename: 'keyed.polar', src: SRC }]);
    const engine = createEngine(sql, buildDatabase(sql, policy, FACTS), policy);
    try {
      const seen = new Set<string>();
      for (const u of USERS) {
        for (const r of REPOS) {
          const actor = v('User', u);
          const resource = v('Repo', r);
          const want = ACTIONS.filter((action) => engine.authorize({ actor, action, resource })).sort();
          const got = engine.actions({ actor, resource });
          expect(got, `${u} on ${r}`).toEqual(want);
          seen.add(got.join(','));
        }
      }
      // the cases are not all alike
      expect(seen.size).toBeGreaterThanOrEqual(4);
      expect(engine.actions({ actor: v('User', 'cat'), resource: v('Repo', 'r1') })).toEqual([
        'delete',
        'push',
        'read',
      ]);
      // one statement, fewer arms than ways to an action
      const keyed = engine.cachedSql().find((s) => s.key.startsWith('keyed|'));
      expect(keyed?.sql.at(-1)).toMatch(/ AS g, /);
    } finally {
      engine.close();
    }
  });

  it('settles on one way after the samples, and both ways answer alike on every pair', () => {
    const policy = parsePolicy([{ filename: 'keyed.polar', src: SRC }]);
    const engine = createEngine(sql, buildDatabase(sql, policy, FACTS), policy);
    try {
      const pairs = USERS.flatMap((u) => REPOS.map((r) => ({ actor: v('User', u), resource: v('Repo', r) })));
      for (let i = 0; i < 8000; i++) engine.actions(pairs[i % pairs.length]!);
      type Plan = {
        chosen: () => string | undefined;
        forced?: Record<'checks' | 'keyed', (b: unknown) => string[]>;
      };
      // one plan per combination of the presence bits the pair's values bring (see engine.ts `variant`)
      type Variants = { full: Plan; use0: number; use1: number; by: Map<number, Plan> };
      const inside = engine as unknown as {
        plainActions: Map<string, Map<string, Variants>>;
        ctx: { sharedTemps(): never };
      };
      const plans = inside.plainActions.get('User')!.get('Repo')!;
      expect(plans.by.size).toBeGreaterThan(1);
      const LIMIT = 2 ** 37;
      const planOf = (actor: Value, resource: Value) => {
        const [ea, er] = [actor, resource].map((x) =>
          engine.interner.requestEntry(x, inside.ctx.sharedTemps()),
        );
        const bits = (e: number) => Math.floor(e / LIMIT);
        return plans.by.get((bits(ea!) & plans.use0) + (bits(er!) & plans.use1) * 65536)!;
      };
      // the pairs of the commonest variant (stored values, no other presence bit) made enough calls to settle
      expect(['checks', 'keyed']).toContain(planOf(v('User', 'ann'), v('Repo', 'r1')).chosen());
      let forced = 0;
      for (const { actor, resource } of pairs) {
        const want = ACTIONS.filter((action) => engine.authorize({ actor, action, resource })).sort();
        const plan = planOf(actor, resource);
        const ids = [actor, resource].map((x) => engine.interner.requestId(x, inside.ctx.sharedTemps()));
        const b = { ids, values: [actor, resource], sets: [], now: 0, extra: [] };
        expect(engine.actions({ actor, resource }), `${actor.id} on ${resource.id}`).toEqual(want);
        // a variant left with no arm (a repository no fact names, for an actor no fact names) has one way
        if (plan.forced === undefined) continue;
        forced++;
        expect(plan.forced.checks(b), `checks: ${actor.id} on ${resource.id}`).toEqual(want);
        expect(plan.forced.keyed(b), `keyed: ${actor.id} on ${resource.id}`).toEqual(want);
      }
      expect(forced).toBeGreaterThan(pairs.length / 2);
    } finally {
      engine.close();
    }
  });
});

// Roles held through nested groups are read by a second statement (the residual: a recursive walk of the
// actor's groups), run only when it could still add an action.
const GROUPS_SRC = `
actor User {}
actor Group {}
global { roles = ["admin"]; }
resource Org {
  roles = ["member", "admin"];
  "member" if "admin";
  "admin" if global "admin";
}
resource Repo {
  roles = ["reader", "writer", "admin"];
  permissions = ["read", "push", "delete"];
  relations = { org: Org };
  "reader" if "writer";
  "writer" if "admin";
  "reader" if "member" on "org";
  "admin" if "admin" on "org";
  "read" if "reader";
  "push" if "writer";
  "delete" if "admin";
}
has_role(user: User, role: String, resource: Resource) if
  group matches Group and has_group(user, group) and has_role(group, role, resource);
has_group(user: User, group: Group) if
  g matches Group and has_group(user, g) and has_group(g, group);
`;
const G = (id: string) => v('Group', id);
const U = (id: string) => v('User', id);
const GROUP_FACTS: Fact[] = [
  { predicate: 'has_group', args: [U('ann'), G('g1')] },
  { predicate: 'has_group', args: [G('g1'), G('g2')] },
  { predicate: 'has_group', args: [G('g2'), G('g1')] },
  { predicate: 'has_role', args: [G('g2'), S('writer'), v('Repo', 'r1')] },
  { predicate: 'has_role', args: [G('g1'), S('member'), v('Org', 'o2')] },
  { predicate: 'has_group', args: [U('eve'), G('g1')] },
  { predicate: 'has_role', args: [U('eve'), S('admin')] },
  { predicate: 'has_group', args: [U('bob'), G('g3')] },
  { predicate: 'has_role', args: [U('bob'), S('admin'), v('Repo', 'r1')] },
  { predicate: 'has_role', args: [U('cat'), S('reader'), v('Repo', 'r2')] },
  { predicate: 'has_relation', args: [v('Repo', 'r1'), S('org'), v('Org', 'o1')] },
  { predicate: 'has_relation', args: [v('Repo', 'r2'), S('org'), v('Org', 'o2')] },
];

describe('actions with roles through groups', () => {
  it('reads the groups only when they could add an action, and answers as authorize does', () => {
    const policy = parsePolicy([{ filename: 'groups.polar', src: GROUPS_SRC }]);
    const engine = createEngine(sql, buildDatabase(sql, policy, GROUP_FACTS), policy);
    try {
      const pairs = ['ann', 'bob', 'cat', 'eve', 'nobody'].flatMap((u) =>
        ['r1', 'r2', 'r3'].map((r) => ({ actor: U(u), resource: v('Repo', r) })),
      );
      const want = (p: (typeof pairs)[number]) =>
        ['read', 'push', 'delete'].filter((action) => engine.authorize({ ...p, action })).sort();
      for (const p of pairs) expect(engine.actions(p), `${p.actor.id} on ${p.resource.id}`).toEqual(want(p));
      // the cases: roles through two nested groups (a cycle), through the organization, a global admin
      expect(engine.actions({ actor: U('ann'), resource: v('Repo', 'r1') })).toEqual(['push', 'read']);
      expect(engine.actions({ actor: U('ann'), resource: v('Repo', 'r2') })).toEqual(['read']);
      expect(engine.actions({ actor: U('eve'), resource: v('Repo', 'r3') })).toEqual([]);
      expect(engine.actions({ actor: U('eve'), resource: v('Repo', 'r2') })).toEqual([
        'delete',
        'push',
        'read',
      ]);

      // count the reads of every residual statement compiled so far
      type Stmt = { pairsOfIds: (...a: unknown[]) => unknown; rows: (...a: unknown[]) => unknown };
      const statements = (engine as unknown as { statements: Map<string, Stmt> }).statements;
      const residuals = [...statements].filter(([k]) => k.startsWith('residual|'));
      expect(residuals.length).toBeGreaterThan(0);
      let reads = 0;
      for (const [, st] of residuals) {
        for (const m of ['pairsOfIds', 'rows'] as const) {
          const f = st[m].bind(st);
          st[m] = (...a: unknown[]) => {
            reads++;
            return f(...a);
          };
        }
      }
      // a global admin's keyed rows hold every action: the groups are not walked
      for (let i = 0; i < 20; i++) {
        expect(engine.actions({ actor: U('eve'), resource: v('Repo', 'r1') })).toEqual([
          'delete',
          'push',
          'read',
        ]);
      }
      expect(reads).toBe(0);
      // a member whose actions come through a group still reads them
      expect(engine.actions({ actor: U('ann'), resource: v('Repo', 'r1') })).toEqual(['push', 'read']);
      expect(reads).toBeGreaterThan(0);
    } finally {
      engine.close();
    }
  });
});
