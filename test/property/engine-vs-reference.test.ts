import fc from 'fast-check';
import type { SqlJsStatic } from 'sql.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildDatabase, createEngine, loadSqlJs } from '../../lib/engine/index.ts';
import { isDomainError } from '../../lib/errors.ts';
import type { Fact, Policy, Value } from '../../lib/polar/index.ts';
import { sameAnswer } from '../support/answers.ts';
import {
  arbFacts,
  arbPolicy,
  BIG_NOW,
  LIST_TYPES,
  NOW_SECONDS,
  QUERY_ACTIONS,
  QUERY_ACTORS,
  QUERY_RESOURCES,
  ROLE_TYPES,
} from '../support/arbitraries.ts';
import { evaluate } from '../support/reference-evaluator.ts';

// Differential test: the SQL engine must answer authorize, list and actions exactly like the
// reference evaluator (test/support/reference-evaluator.ts) on random policies and facts, cyclic
// data included. A failure prints the policy as longhand Polar and the facts.

let sql: SqlJsStatic;
beforeAll(async () => {
  sql = await loadSqlJs();
});

const show = (v: Value) => `${v.type}{"${v.id}"}`;

/**
 * Engine bugs this suite found that are still open (each pinned by test/unit/engine/regressions.test.ts);
 * while true, the property tolerates that bug so it keeps hunting for others. Flip to false once fixed.
 */
const KNOWN_BUGS = {
  duplicateListIds: false,
  evaluateQueryCompoundLimit: false,
};

/** Runs one engine call, naming the query when it throws (a throw is a failure too). */
function ask<T>(what: string, call: () => T): T {
  try {
    return call();
  } catch (e) {
    throw new Error(`${what} threw: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
}

/** Every query of the small universe through both; `context` facts go with each request instead. */
function compare(
  policy: Policy,
  stored: Fact[],
  context: Fact[] = [],
  now: bigint = BigInt(NOW_SECONDS),
): void {
  const ref = evaluate(policy, [...stored, ...context], { now });
  const engine = createEngine(sql, buildDatabase(sql, policy, stored), policy, { clock: () => now });
  const contextFacts = context.length > 0 ? context : undefined;
  try {
    for (const actor of QUERY_ACTORS) {
      for (const action of QUERY_ACTIONS) {
        for (const resource of QUERY_RESOURCES) {
          const what = `authorize(${show(actor)}, "${action}", ${show(resource)})`;
          const got = ask(what, () => engine.authorize({ actor, action, resource, contextFacts }));
          expect(got, what).toBe(ref.authorize(actor, action, resource));
        }
        for (const resourceType of LIST_TYPES) {
          const what = `list(${show(actor)}, "${action}", ${resourceType})`;
          const got = ask(what, () => engine.list({ actor, action, resourceType, contextFacts }).results);
          const want = ref.list(actor, action, resourceType);
          const known = ref.mentioned(resourceType).map((v) => v.id);
          expect(sameAnswer(want, got, known), `${what} = [${got}], want [${want}]`).toBe(true);
          if (!KNOWN_BUGS.duplicateListIds)
            expect(new Set(got).size, `${what} = [${got}] has duplicates`).toBe(got.length);
          // Pages of one id each add up to the whole list.
          const paged: string[] = [];
          for (let token: string | null | undefined, n = 0; n === 0 || token; n++) {
            const page = engine.list({
              actor,
              action,
              resourceType,
              contextFacts,
              limit: 1,
              pageToken: token ?? undefined,
            });
            paged.push(...page.results);
            token = page.nextPageToken;
            expect(n, `${what} paging does not end`).toBeLessThan(20);
          }
          const whole = KNOWN_BUGS.duplicateListIds ? [...new Set(got)] : got;
          expect([...paged].sort(), `${what} paged by 1`).toEqual([...whole].sort());
        }
        const what = `authorizeResources(${show(actor)}, "${action}", [...])`;
        const allowed = ask(what, () =>
          engine.authorizeResources({ actor, action, resources: QUERY_RESOURCES, contextFacts }),
        );
        expect(allowed, what).toEqual(QUERY_RESOURCES.filter((r) => ref.authorize(actor, action, r)));
      }
      for (const resource of QUERY_RESOURCES) {
        const what = `actions(${show(actor)}, ${show(resource)})`;
        const got = ask(what, () => engine.actions({ actor, resource, contextFacts }));
        const want = ref.actions(actor, resource);
        const known = ref.mentioned('String').map((v) => v.id);
        expect(sameAnswer(want, got, known), `${what} = [${got}], want [${want}]`).toBe(true);
      }
    }
  } finally {
    engine.close();
  }
}

/**
 * `queryFacts` for has_role/has_permission/allow(actor, String:_, T:_) against the reference: every
 * row the engine returns holds (`"*"` read as an unmentioned value), and every mentioned pair
 * that holds is covered by a returned row (equal, or `"*"` in that position).
 */
function compareQueryFacts(policy: Policy, facts: Fact[]): void {
  const ref = evaluate(policy, facts, { now: BigInt(NOW_SECONDS) });
  const engine = createEngine(sql, buildDatabase(sql, policy, facts), policy, { clock: () => NOW_SECONDS });
  const unmentioned = (type: string) => ({ type, id: '\u0000unmentioned' });
  try {
    for (const pred of ['has_role', 'has_permission', 'allow']) {
      for (const actor of QUERY_ACTORS) {
        for (const type of ROLE_TYPES) {
          const what = `queryFacts ${pred}(${show(actor)}, String:_, ${type}:_)`;
          const pattern = {
            predicate: pred,
            args: [actor, { type: 'String', id: null }, { type, id: null }],
          };
          const rows = ask(what, () => engine.queryFacts(pattern)).map((f) => f.args);
          for (const [, s, x] of rows) {
            const args = [
              actor,
              s!.id === '*' ? unmentioned('String') : s!,
              x!.id === '*' ? unmentioned(type) : x!,
            ];
            expect(ref.holds(pred, args), `${what} returned (${show(s!)}, ${show(x!)})`).toBe(true);
          }
          for (const s of ref.mentioned('String'))
            for (const x of ref.mentioned(type)) {
              if (!ref.holds(pred, [actor, s, x])) continue;
              const covered = rows.some(
                ([, rs, rx]) => (rs!.id === '*' || rs!.id === s.id) && (rx!.id === '*' || rx!.id === x.id),
              );
              expect(covered, `${what} misses (${show(s)}, ${show(x)})`).toBe(true);
            }
        }
      }
    }
  } finally {
    engine.close();
  }
}

type Constraint = { type: string; ids: string[] | null };
interface QueryShape {
  atoms: [string, string[]][];
  constraints: Record<string, Constraint>;
}

/** Conjunctive queries over the generated predicates, with typed variables and id constraints. */
function queryShapes(actor: Value, type: string): QueryShape[] {
  const a = { type: actor.type, ids: [actor.id] };
  return [
    {
      atoms: [['allow', ['a', 'act', 'r']]],
      constraints: { a, act: { type: 'String', ids: null }, r: { type, ids: null } },
    },
    {
      atoms: [
        ['has_role', ['a', 'role', 'r']],
        ['has_permission', ['a', 'p', 'r']],
      ],
      constraints: {
        a,
        role: { type: 'String', ids: null },
        r: { type, ids: null },
        p: { type: 'String', ids: ['read'] },
      },
    },
    {
      atoms: [
        ['has_relation', ['r', 'rel', 'q']],
        ['has_role', ['u', 'role', 'q']],
      ],
      constraints: {
        r: { type, ids: null },
        rel: { type: 'String', ids: ['parent', 'repo', 'org'] },
        q: { type, ids: null },
        u: { type: 'User', ids: null },
        role: { type: 'String', ids: ['admin', 'member'] },
      },
    },
  ];
}

/**
 * `evaluateQuery` against the reference: every row holds (a `null` read as an unmentioned value of
 * the variable's type), and every assignment of mentioned values that satisfies the query is covered
 * by a row (equal, or `null` in that variable).
 */
function compareEvaluateQuery(policy: Policy, facts: Fact[]): void {
  const ref = evaluate(policy, facts, { now: BigInt(NOW_SECONDS) });
  const engine = createEngine(sql, buildDatabase(sql, policy, facts), policy, { clock: () => NOW_SECONDS });
  try {
    for (const actor of QUERY_ACTORS.slice(0, 2)) {
      for (const type of ['Folder', 'Repo']) {
        for (const q of queryShapes(actor, type)) {
          const what = `evaluateQuery ${JSON.stringify(q)}`;
          const run = () =>
            engine.evaluateQuery({
              predicate: q.atoms[0]!,
              calls: q.atoms.slice(1),
              constraints: q.constraints,
            });
          let rows: ReturnType<typeof run>;
          try {
            rows = run();
          } catch (e) {
            // Open bug (regressions.test.ts): some joins exceed SQLite's 500-arm compound SELECT.
            if (KNOWN_BUGS.evaluateQueryCompoundLimit && isDomainError(e, 'query-too-expensive')) continue;
            rows = ask(what, run);
          }
          const holds = (bind: Record<string, Value>) =>
            q.atoms.every(([pred, vars]) =>
              ref.holds(
                pred,
                vars.map((v) => bind[v]!),
              ),
            );
          for (const row of rows) {
            const bind = Object.fromEntries(
              Object.entries(q.constraints).map(([v, c]) => [
                v,
                { type: c.type, id: row[v] ?? `\u0000unmentioned-${v}` },
              ]),
            );
            expect(holds(bind), `${what} returned ${JSON.stringify(row)}`).toBe(true);
          }
          // Every satisfying assignment of mentioned values is covered.
          const vars = Object.entries(q.constraints);
          const choices = vars.map(([, c]) =>
            c.ids ? c.ids.map((id) => ({ type: c.type, id })) : ref.mentioned(c.type),
          );
          const walk = (i: number, bind: Record<string, Value>): void => {
            if (i === vars.length) {
              if (!holds(bind)) return;
              const covered = rows.some((row) =>
                vars.every(([v]) => row[v] === null || row[v] === bind[v]!.id),
              );
              expect(covered, `${what} misses ${JSON.stringify(bind)}`).toBe(true);
              return;
            }
            for (const value of choices[i]!) walk(i + 1, { ...bind, [vars[i]![0]]: value });
          };
          walk(0, {});
        }
      }
    }
  } finally {
    engine.close();
  }
}

describe('SQL engine vs reference evaluator', () => {
  it('agrees on evaluateQuery with joins, typed variables and id constraints', () => {
    fc.assert(
      fc.property(arbPolicy(), arbFacts(), (pc, facts) => compareEvaluateQuery(pc.policy, facts)),
      { numRuns: 20 },
    );
  });

  it('agrees on queryFacts with unbound action/role and resource', () => {
    fc.assert(
      fc.property(arbPolicy(), arbFacts(), (pc, facts) => compareQueryFacts(pc.policy, facts)),
      { numRuns: 20 },
    );
  });

  it('agrees on random policies over random (possibly cyclic) facts', () => {
    fc.assert(
      fc.property(arbPolicy(), arbFacts(), (pc, facts) => compare(pc.policy, facts)),
      { numRuns: 60 },
    );
  });

  it('agrees on 64-bit integers: a clock past 2^53 and grants one second either side', () => {
    fc.assert(
      fc.property(
        arbPolicy().filter((pc) => pc.shapes.some((s) => s.startsWith('expiring'))),
        arbFacts({ now: BIG_NOW }),
        (pc, facts) => compare(pc.policy, facts, [], BIG_NOW),
      ),
      { numRuns: 20 },
    );
  });

  it('agrees when the facts are split between the policy, the database and the request context', () => {
    const where = fc.func(fc.constantFrom('policy', 'stored', 'context'));
    fc.assert(
      fc.property(arbPolicy(), arbFacts(), where, (pc, facts, place) => {
        const part = (p: string) => facts.filter((_, i) => place(i) === p);
        compare({ ...pc.policy, facts: part('policy') }, part('stored'), part('context'));
      }),
      { numRuns: 20 },
    );
  });
});
