import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type Assertion, type Fact, type Policy, parsePolicy, type Value } from '../../lib/polar/index.ts';
import { sameAnswer } from '../support/answers.ts';
import { F1_CHECKS, F1_FACTS, F1_POLICY } from '../support/f1-core.ts';
import { evaluate, type ReferenceModel } from '../support/reference-evaluator.ts';

// The reference evaluator on the parsed fixture policies: every `test` block assertion and every
// expectation in `<name>.expected.json` must hold. This checks the spec against hand-derived answers
// (and the parser/desugarer against the spec).

const DIR = 'test/fixtures/policies';
const polarFiles = readdirSync(DIR).filter((f) => f.endsWith('.polar'));
const load = (file: string): Policy =>
  parsePolicy([{ filename: file, src: readFileSync(join(DIR, file), 'utf8') }]);

interface Expected {
  now?: number;
  facts: Fact[];
  authorize: [string, string, string, string, string, boolean][];
  list: [string, string, string, string, string[]][];
  actions: [string, string, string, string, string[]][];
}

function expected(file: string): Expected | undefined {
  const path = join(DIR, file.replace(/\.polar$/, '.expected.json'));
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as Expected) : undefined;
}

/** The values of an assertion's variable that make its atom hold, `"*"` for unmentioned ones. */
function satisfying(m: ReferenceModel, a: Assertion): string[] {
  const v = a.variable!;
  const args = (x: Value) =>
    a.atom.args.map((t) => (t.kind === 'var' ? x : t.kind === 'value' ? t.value : x));
  const out = v.types.flatMap((type) => m.mentioned(type).filter((x) => m.holds(a.atom.pred, args(x))));
  const unmentioned = v.types.some((type) => m.holds(a.atom.pred, args({ type, id: '\u0000unmentioned' })));
  return [...out.map((x) => x.id), ...(unmentioned ? ['*'] : [])].sort();
}

describe('reference evaluator on the fixture policies', () => {
  it.each(polarFiles)('%s: test blocks hold', (file) => {
    const policy = load(file);
    // Test blocks run at the pinned instant of the fixture's expectations, else now.
    const now = expected(file)?.now ?? Math.floor(Date.now() / 1000);
    for (const t of policy.tests) {
      const m = evaluate(policy, t.facts, { now });
      for (const a of t.assertions) {
        const where = `${file} "${t.name}" ${a.kind} at ${a.loc.line}`;
        if (a.iff) {
          expect(satisfying(m, a), where).toEqual(a.iff.map((x) => x.id).sort());
        } else if (a.variable) {
          expect(satisfying(m, a).length > 0, where).toBe(a.kind === 'assert');
        } else {
          const args = a.atom.args.map((x) =>
            x.kind === 'value' ? x.value : { type: 'Integer', id: String(now) },
          );
          expect(m.holds(a.atom.pred, args), where).toBe(a.kind === 'assert');
        }
      }
    }
  });

  it.each(polarFiles.filter((f) => expected(f)))(
    '%s: expected.json authorize, list and actions hold',
    (file) => {
      const policy = load(file);
      const x = expected(file)!;
      const m = evaluate(policy, x.facts, { now: x.now ?? Math.floor(Date.now() / 1000) });
      for (const [at, a, act, rt, r, want] of x.authorize) {
        expect(
          m.authorize({ type: at, id: a }, act, { type: rt, id: r }),
          `${at}:${a} ${act} ${rt}:${r}`,
        ).toBe(want);
      }
      for (const [at, a, act, type, want] of x.list) {
        const got = m.list({ type: at, id: a }, act, type);
        expect(sameAnswer(got, want), `list ${at}:${a} ${act} ${type} = ${got} vs ${want}`).toBe(true);
      }
      for (const [at, a, rt, r, want] of x.actions) {
        const got = m.actions({ type: at, id: a }, { type: rt, id: r });
        expect(sameAnswer(got, want), `actions ${at}:${a} ${rt}:${r} = ${got} vs ${want}`).toBe(true);
      }
    },
  );

  it('the parsed F1 answers like the hand-desugared F1 on every triple of its universe', () => {
    const parsed = evaluate(load('f1-github.polar'), F1_FACTS, { now: 0 });
    const hand = evaluate(F1_POLICY, F1_FACTS, { now: 0 });
    const values = [...F1_FACTS.flatMap((f) => f.args), ...F1_CHECKS.flatMap(([a, , r]) => [a, r])];
    const objects = values.filter((v) => !['String', 'Boolean', 'Integer'].includes(v.type));
    const actions = [...new Set(F1_CHECKS.map(([, act]) => act))];
    for (const a of objects.filter((v) => v.type === 'User'))
      for (const r of objects)
        for (const act of actions)
          expect(parsed.authorize(a, act, r), `${a.id} ${act} ${r.id}`).toBe(hand.authorize(a, act, r));
  });
});
