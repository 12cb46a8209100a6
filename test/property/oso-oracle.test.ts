import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Fact, parsePolicy, type Value } from '../../lib/polar/index.ts';
import { sameAnswer } from '../support/answers.ts';
import {
  arbFacts,
  arbPolicy,
  NOW_SECONDS,
  QUERY_ACTIONS,
  QUERY_ACTORS,
  QUERY_RESOURCES,
} from '../support/arbitraries.ts';
import { F1_ACTIONS, F1_CHECKS, F1_FACTS, F1_LISTS, F1_POLICY } from '../support/f1-core.ts';
import { loadOso, osoActions, osoCoreText, osoUnsupported } from '../support/oso-bridge.ts';
import { evaluate } from '../support/reference-evaluator.ts';

// The OSS VM (npm `oso` 0.27) as a second oracle, per shared/reference/polar.md §3. It only runs on
// acyclic data without left recursion, so the random policies come from `arbPolicy({ acyclic })`.

describe('oso oracle on F1 (hand-desugared IR)', () => {
  it('agrees with every F1 assertion, actions and list expectation (fresh Oso per check)', async () => {
    for (const [a, act, r, want] of F1_CHECKS) {
      const { oso, host } = await loadOso(F1_POLICY, F1_FACTS, 0);
      expect([a.id, act, r.id, await oso.isAllowed(host(a), act, host(r))]).toEqual([a.id, act, r.id, want]);
    }
    for (const [a, r, want] of F1_ACTIONS)
      expect(await osoActions(await loadOso(F1_POLICY, F1_FACTS, 0), a, r)).toEqual(want);
    for (const [a, act, type, want] of F1_LISTS) {
      // OSS cannot list, so brute force over the mentioned ids (unmentioned ones are the "*" case).
      const ids = new Set(
        F1_FACTS.flatMap((f) => f.args)
          .filter((v) => v.type === type)
          .map((v) => v.id),
      );
      const got: string[] = [];
      for (const id of [...ids].sort()) {
        const { oso, host } = await loadOso(F1_POLICY, F1_FACTS, 0);
        if (await oso.isAllowed(host(a), act, host({ type, id }))) got.push(id);
      }
      expect(got).toEqual(want.filter((id) => id !== '*'));
    }
  });
});

describe('oso oracle on F1 as parsed and desugared by lib/polar', () => {
  const src = readFileSync('test/fixtures/policies/f1-github.polar', 'utf8');
  const policy = parsePolicy([{ filename: 'f1-github.polar', src }]);
  const facts = policy.tests[0]!.facts;

  it('agrees with every assertion of the F1 test block (fresh Oso per check)', async () => {
    const show = (v: Value) => `${v.type}{"${v.id}"}`;
    for (const a of policy.tests[0]!.assertions) {
      const args = a.atom.args;
      const where = `${a.kind} ${a.atom.pred}(${args.map((t) => (t.kind === 'value' ? show(t.value) : t.kind)).join(', ')})`;
      const loaded = await loadOso(policy, facts, 0);
      if (a.iff) {
        const [actor, , resource] = args.map((t) =>
          t.kind === 'value' ? t.value : { type: 'String', id: '' },
        );
        expect(await osoActions(loaded, actor!, resource!), where).toEqual(a.iff.map((v) => v.id).sort());
      } else {
        const [actor, action, resource] = args.map((t) =>
          t.kind === 'value' ? t.value : { type: '', id: '' },
        );
        const got = await loaded.oso.isAllowed(loaded.host(actor!), action!.id, loaded.host(resource!));
        expect(got, where).toBe(a.kind === 'assert');
      }
    }
  });

  it('answers like the hand-desugared F1 on the list expectations', async () => {
    for (const [a, act, type, want] of F1_LISTS) {
      const ids = [
        ...new Set(
          facts
            .flatMap((f) => f.args)
            .filter((v) => v.type === type)
            .map((v) => v.id),
        ),
      ].sort();
      const got: string[] = [];
      for (const id of ids) {
        const { oso, host } = await loadOso(policy, facts, 0);
        if (await oso.isAllowed(host(a), act, host({ type, id }))) got.push(id);
      }
      expect(got).toEqual(want.filter((id) => id !== '*'));
    }
  });
});

/** Fixtures the OSS VM cannot evaluate (it diverges on cycles and left recursion). */
const OSO_EXCLUDED: Record<string, string> = {
  'drive-folders': 'a 3-folder cycle in the data',
  'f2-folders': 'a folder cycle in the data',
  'nested-groups': 'left-recursive has_group and a group cycle',
};
const FIXTURES = 'test/fixtures/policies';
const withExpectations = readdirSync(FIXTURES)
  .filter((f) => f.endsWith('.expected.json'))
  .map((f) => f.replace(/\.expected\.json$/, ''))
  .filter((name) => !(name in OSO_EXCLUDED));

describe('oso oracle on every acyclic fixture, as parsed and desugared by lib/polar', () => {
  it.each(withExpectations)('%s: expected.json authorize and actions hold in OSS', async (name) => {
    const policy = parsePolicy([
      { filename: `${name}.polar`, src: readFileSync(join(FIXTURES, `${name}.polar`), 'utf8') },
    ]);
    const x = JSON.parse(readFileSync(join(FIXTURES, `${name}.expected.json`), 'utf8')) as {
      now?: number;
      facts: Fact[];
      authorize: [string, string, string, string, string, boolean][];
      actions: [string, string, string, string, string[]][];
    };
    const loaded = await loadOso(policy, x.facts, x.now ?? NOW_SECONDS);
    for (const [at, a, act, rt, r, want] of x.authorize) {
      const got = await loaded.oso.isAllowed(
        loaded.host({ type: at, id: a }),
        act,
        loaded.host({ type: rt, id: r }),
      );
      expect(got, `allow(${at}{"${a}"}, "${act}", ${rt}{"${r}"})`).toBe(want);
    }
    for (const [at, a, rt, r, want] of x.actions) {
      const got = await osoActions(loaded, { type: at, id: a }, { type: rt, id: r });
      expect(got, `actions(${at}{"${a}"}, ${rt}{"${r}"})`).toEqual([...want].sort());
    }
  });
});

describe('reference evaluator vs oso oracle on random acyclic policies', () => {
  it('authorize and actions agree', async () => {
    const sample = fc.tuple(
      fc.subarray(
        QUERY_ACTORS.flatMap((a) =>
          QUERY_ACTIONS.flatMap((act) => QUERY_RESOURCES.map((r) => [a, act, r] as const)),
        ),
        { minLength: 30, maxLength: 30 },
      ),
      fc.subarray(
        QUERY_ACTORS.flatMap((a) => QUERY_RESOURCES.map((r) => [a, r] as const)),
        { minLength: 6, maxLength: 6 },
      ),
    );
    await fc.assert(
      fc.asyncProperty(
        arbPolicy({ acyclic: true }),
        arbFacts({ acyclic: true }),
        sample,
        async (pc, facts, [triples, pairs]) => {
          const why = osoUnsupported(pc.policy, facts);
          if (why) return; // skipped shapes are listed in osoUnsupported
          const ref = evaluate(pc.policy, facts, { now: NOW_SECONDS });
          const loaded = await loadOso(pc.policy, facts, NOW_SECONDS);
          const show = (v: Value) => `${v.type}{"${v.id}"}`;
          for (const [a, act, r] of triples) {
            const got = await loaded.oso.isAllowed(loaded.host(a), act, loaded.host(r));
            expect(got, `allow(${show(a)}, "${act}", ${show(r)})\n${osoCoreText(pc.policy, facts)}`).toBe(
              ref.authorize(a, act, r),
            );
          }
          for (const [a, r] of pairs) {
            const got = await osoActions(loaded, a, r);
            const want = ref.actions(a, r);
            expect(sameAnswer(want, got), `actions(${show(a)}, ${show(r)}) = ${got} vs ${want}`).toBe(true);
          }
        },
      ),
      { numRuns: 30 },
    );
  });
});
