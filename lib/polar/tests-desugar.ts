// `test` blocks to PolicyTest: fixtures inlined, facts checked against signatures, iff values typed.
import type { Assertion, Fact, FactSignature, Loc, PolicyTest, Rule, Term, Value } from './ast.ts';
import type { Report } from './checker.ts';
import { isFact } from './desugar.ts';
import { toValue } from './desugar-body.ts';
import type { Env } from './env.ts';
import { checkFact } from './signatures.ts';
import { suggest } from './suggest.ts';
import type { SynAssertion, SynFile, SynRule, SynTerm } from './syntax.ts';

function factOf(r: SynRule): Fact | undefined {
  return isFact(r) ? { predicate: r.name, args: r.params.map((p) => toValue(p.term)!) } : undefined;
}

/** Converts every test; setup and fixture facts that fit no signature are reported as `fact-mismatch`. */
export function desugarTests(
  files: SynFile[],
  env: Env,
  signatures: FactSignature[],
  report: Report,
): PolicyTest[] {
  const policy = { signatures };
  const checked = (r: SynRule): Fact | undefined => {
    const fact = factOf(r);
    if (!fact) return undefined;
    // A fact naming an unknown type was already reported by the checker.
    if (fact.args.some((a) => !env.isKnownType(a.type))) return fact;
    const problem = checkFact(policy, fact);
    if (problem) report('fact-mismatch', problem, r.loc);
    return fact;
  };
  const fixtures = new Map<string, Fact[]>();
  for (const f of files) {
    for (const it of f.items) {
      if (it.kind === 'fixture' && !fixtures.has(it.name.value)) {
        fixtures.set(
          it.name.value,
          it.facts.flatMap((r) => checked(r) ?? []),
        );
      }
    }
  }
  const tests: PolicyTest[] = [];
  for (const f of files) {
    for (const it of f.items) {
      if (it.kind !== 'test') continue;
      const facts: Fact[] = [];
      for (const s of it.setup) {
        if (s.kind === 'use-fixture') facts.push(...(fixtures.get(s.name.value) ?? []));
        else {
          const fact = checked(s);
          if (fact) facts.push(fact);
        }
      }
      tests.push({
        name: it.name.value,
        facts,
        assertions: it.assertions.map((a) => assertion(env, a, report)),
        loc: it.loc,
      });
    }
  }
  return tests;
}

function assertion(env: Env, a: SynAssertion, report: Report): Assertion {
  let variable: Assertion['variable'];
  let typeName: string | undefined;
  const args: Term[] = a.params.map((p) => {
    const t = p.term;
    if (t.kind === 'var') {
      const name = t.name === '_' ? '_1' : t.name;
      if (!variable && p.type) {
        typeName = p.type.name;
        variable = { name, types: env.expand(p.type.name) ?? [] };
      }
      return { kind: 'var', name };
    }
    const value = toValue(t);
    return value ? { kind: 'value', value } : { kind: 'now' };
  });
  const out: Assertion = { kind: a.kind, atom: { pred: a.name, args }, loc: a.loc };
  if (variable) out.variable = variable;
  if (a.iff && variable) {
    const values: Value[] = [];
    for (const item of a.iff.list.items) {
      const v = iffValue(item, variable.types, typeName!, item.loc, report);
      if (v) values.push(v);
    }
    out.iff = values;
  }
  return out;
}

function iffValue(
  item: SynTerm,
  types: string[],
  typeName: string,
  loc: Loc,
  report: Report,
): Value | undefined {
  let v = toValue(item);
  if (!v) return undefined;
  if (item.kind === 'string' && !types.includes('String')) {
    // A bare string stands for an id of the variable's type when that type is a single concrete one.
    if (types.length !== 1) {
      report(
        'bad-iff-value',
        `cannot tell the type of ${JSON.stringify(item.value)} for a ${typeName} variable; write Type{"${item.value}"}`,
        loc,
      );
      return undefined;
    }
    v = { type: types[0]!, id: item.value };
  }
  if (!types.includes(v.type)) {
    report('bad-iff-value', `iff value ${v.type}{${JSON.stringify(v.id)}} is not a ${typeName}`, loc);
    return undefined;
  }
  return v;
}

/** An assertion must query something that can hold: a rule head, a policy fact or a fact signature. */
export function checkAssertedPredicates(
  tests: PolicyTest[],
  rules: Rule[],
  facts: Fact[],
  signatures: FactSignature[],
  report: Report,
): void {
  const arities = new Map<string, Set<number>>();
  const add = (pred: string, n: number) => arities.set(pred, (arities.get(pred) ?? new Set<number>()).add(n));
  for (const r of rules) add(r.head.pred, r.head.args.length);
  for (const f of facts) add(f.predicate, f.args.length);
  for (const s of signatures) add(s.predicate, s.argTypes.length);
  for (const t of tests) {
    for (const a of t.assertions) {
      const n = a.atom.args.length;
      const known = arities.get(a.atom.pred);
      if (!known) {
        const hint = suggest(a.atom.pred, arities.keys());
        report(
          'unknown-predicate',
          `${a.kind} ${a.atom.pred}(...): no rule or fact defines ${a.atom.pred}${hint}`,
          a.loc,
        );
      } else if (!known.has(n)) {
        const list = [...known].sort().join(' or ');
        report(
          'wrong-arity',
          `${a.kind} ${a.atom.pred} has ${n} argument${n === 1 ? '' : 's'}; ${a.atom.pred} is defined with ${list}`,
          a.loc,
        );
      }
    }
  }
}
