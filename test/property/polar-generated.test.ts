import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DomainError } from '../../lib/errors.ts';
import { type Literal, type Policy, parsePolicy, type Term } from '../../lib/polar/index.ts';

// Random but syntactically valid policies: names are drawn from small pools so that some references
// resolve and some do not. The front end must either accept them (and then uphold the IR invariants)
// or reject them with policy-invalid diagnostics; never crash.

const TYPES = ['User', 'Org', 'Repo', 'Team'];
const NAMES = ['read', 'write', 'admin', 'member', 'parent', 'owner'];
const VARS = ['x', 'y', 'z', '_'];

const pick = <T>(xs: readonly T[]) => fc.constantFrom(...xs);
const quoted = (s: string) => JSON.stringify(s);

const block = fc
  .record({
    kind: pick(['actor', 'resource']),
    name: pick(TYPES),
    roles: fc.subarray(NAMES, { maxLength: 3 }),
    perms: fc.subarray(NAMES, { maxLength: 3 }),
    rels: fc.array(fc.tuple(pick(NAMES), pick([...TYPES, 'Nope'])), { maxLength: 2 }),
    rules: fc.array(
      fc.oneof(
        fc.tuple(pick(NAMES), pick(NAMES)).map(([a, b]) => `${quoted(a)} if ${quoted(b)};`),
        fc
          .tuple(pick(NAMES), pick(NAMES), pick(NAMES))
          .map(([a, b, r]) => `${quoted(a)} if ${quoted(b)} on ${quoted(r)};`),
        fc.tuple(pick(NAMES), pick(NAMES)).map(([a, g]) => `${quoted(a)} if global ${quoted(g)};`),
        pick(NAMES).map((r) => `role if role on ${quoted(r)};`),
        pick(NAMES).map((a) => `${quoted(a)} if is_public(resource) or owner(actor, resource);`),
      ),
      { maxLength: 4 },
    ),
  })
  .map((b) => {
    const rels = b.rels.map(([n, t]) => `${n}: ${t}`).join(', ');
    return `${b.kind} ${b.name} {\n  roles = [${b.roles.map(quoted).join(', ')}];\n  permissions = [${b.perms.map(quoted).join(', ')}];\n  relations = { ${rels} };\n  ${b.rules.join('\n  ')}\n}`;
  });

const term = fc.oneof(pick(VARS), pick(['"s"', '1', 'true', 'User{"u"}', '@current_unix_time']));
const atom = fc.oneof(
  fc
    .tuple(pick(['f', 'g', 'has_role']), fc.array(term, { minLength: 1, maxLength: 3 }))
    .map(([p, a]) => `${p}(${a.join(', ')})`),
  fc.tuple(term, pick(['=', '!=', '<', '>=']), term).map(([a, op, b]) => `${a} ${op} ${b}`),
  fc.tuple(pick(VARS), pick(TYPES)).map(([v, t]) => `${v} matches ${t}`),
  pick(VARS).map((v) => `${v} in ["a", "b"]`),
);
const expr: fc.Arbitrary<string> = fc.letrec((tie) => ({
  e: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    atom,
    fc.tuple(tie('e'), pick(['and', 'or']), tie('e')).map(([a, op, b]) => `(${a} ${op} ${b})`),
    tie('e').map((e) => `not ${e}`),
  ),
})).e as fc.Arbitrary<string>;

const param = fc.oneof(
  pick(VARS),
  fc.tuple(pick(VARS), pick([...TYPES, 'Actor', 'String'])).map(([v, t]) => `${v}: ${t}`),
  pick(['"lit"', 'Org{"o"}']),
);
const rule = fc
  .tuple(
    pick(['allow', 'has_permission', 'p']),
    fc.array(param, { minLength: 1, maxLength: 3 }),
    fc.option(expr),
  )
  .map(([n, ps, body]) => `${n}(${ps.join(', ')})${body === null ? '' : ` if ${body}`};`);

const policyText = fc
  .tuple(fc.array(block, { maxLength: 4 }), fc.array(rule, { maxLength: 4 }), fc.boolean())
  .map(([blocks, rules, global]) =>
    [...(global ? ['global { roles = ["admin"]; }'] : []), ...blocks, ...rules].join('\n'),
  );

const varsOf = (ts: Term[]) => ts.flatMap((t) => (t.kind === 'var' ? [t.name] : []));

function checkInvariants(p: Policy): void {
  const known = new Set([...p.types.map((t) => t.name), 'String', 'Integer', 'Boolean']);
  for (const r of p.rules) {
    const positive = new Set(r.body.flatMap((l) => (l.kind === 'call' ? varsOf(l.atom.args) : [])));
    const typed = new Set(r.body.flatMap((l) => (l.kind === 'isa' ? [l.var] : [])));
    const eqBound = (l: Literal) => l.kind === 'cmp' && l.op === '=';
    for (const v of varsOf(r.head.args)) {
      expect(v).not.toBe('_');
      expect(
        positive.has(v) || typed.has(v) || r.body.some(eqBound) || r.body.some((l) => l.kind === 'in'),
      ).toBe(true);
    }
    for (const l of r.body) {
      if (l.kind === 'not')
        for (const v of varsOf(l.atom.args)) expect(positive.has(v) || r.body.some(eqBound)).toBe(true);
      if (l.kind === 'isa') for (const t of l.types) expect(known.has(t)).toBe(true);
    }
  }
  // The default allow is injected unless the policy has its own: a rule, or a ground `allow(...)` fact.
  expect(p.rules.some((r) => r.head.pred === 'allow') || p.facts.some((f) => f.predicate === 'allow')).toBe(
    true,
  );
}

describe('generated policies', () => {
  it('are accepted with IR invariants upheld, or rejected as policy-invalid; never a crash', () => {
    let accepted = 0;
    fc.assert(
      fc.property(policyText, (src) => {
        try {
          checkInvariants(parsePolicy([{ filename: 'gen.polar', src }]));
          accepted++;
        } catch (e) {
          if (!(e instanceof DomainError) || e.code !== 'policy-invalid') throw e;
          if (e.diagnostics.length === 0) throw new Error('policy-invalid without diagnostics');
        }
      }),
      { numRuns: 1000 },
    );
    // The generator must exercise the accepting path too, or the invariants are never checked.
    expect(accepted).toBeGreaterThan(10);
  });
});
