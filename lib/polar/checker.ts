// Semantic checks on the syntax tree: names, types, arities, `not`, tests. Every problem is collected.
import type { Diagnostic } from '../errors.ts';
import type { Loc } from './ast.ts';
import { checkShorthand } from './checker-shorthand.ts';
import type { Env } from './env.ts';
import { suggest } from './suggest.ts';
import type { Param, SynAssertion, SynExpr, SynFile, SynRule, SynTerm, TypeRef } from './syntax.ts';

/** Arities Oso Cloud allows for its built-in predicates. */
export const BUILTIN_ARITY: Record<string, number[]> = {
  has_role: [2, 3],
  has_permission: [2, 3],
  has_relation: [3],
};

const NOT_FOUND: Partial<Record<SynExpr['kind'], string>> = {
  and: 'an and expression',
  or: 'an or expression',
  not: 'another not',
  cmp: 'a comparison',
  in: 'an in test',
  matches: 'a matches test',
  const: 'true/false',
};

export type Report = (code: string, message: string, loc: Loc) => void;

/** Shared helpers for the checker files. */
export class Checker {
  readonly report: Report;
  /** `declare`d arities per predicate. */
  readonly declared = new Map<string, Set<number>>();

  constructor(
    readonly env: Env,
    diags: Diagnostic[],
  ) {
    this.report = (code, message, loc) => diags.push({ code, message, ...loc });
  }

  type(t: TypeRef, context: string): void {
    if (this.env.isKnownType(t.name)) return;
    const hint = suggest(t.name, this.env.typeNames(), false);
    this.report('unknown-type', `unknown type ${t.name} in ${context}${hint}`, t.loc);
  }

  arity(name: string, n: number, loc: Loc, what: string): void {
    const allowed = BUILTIN_ARITY[name];
    if (allowed && !allowed.includes(n)) {
      this.report(
        'wrong-arity',
        `${what} ${name} has ${n} argument${n === 1 ? '' : 's'}; ${name} takes ${allowed.join(' or ')}`,
        loc,
      );
    }
  }

  term(t: SynTerm): void {
    if (t.kind === 'list') {
      for (const i of t.items) this.term(i);
      return;
    }
    if (t.kind !== 'object') return;
    const name = t.type.name;
    if (name === 'Actor' || name === 'Resource') {
      this.report(
        'abstract-type-value',
        `${name}{${JSON.stringify(t.id)}} is not a value: ${name} is abstract`,
        t.loc,
      );
    } else if (name === 'Integer' && !/^[+-]?\d+$/.test(t.id)) {
      this.report('bad-literal', `Integer{${JSON.stringify(t.id)}} is not an integer`, t.loc);
    } else if (name === 'Boolean' && t.id !== 'true' && t.id !== 'false') {
      this.report('bad-literal', `Boolean{${JSON.stringify(t.id)}} is not true or false`, t.loc);
    } else this.type(t.type, `object literal ${name}{${JSON.stringify(t.id)}}`);
  }

  expr(e: SynExpr): void {
    switch (e.kind) {
      case 'or':
      case 'and':
        for (const i of e.items) this.expr(i);
        return;
      case 'not':
        if (e.expr.kind !== 'call') {
          const found = NOT_FOUND[e.expr.kind] ?? 'a condition';
          this.report(
            'not-compound',
            `not can only negate a single fact such as not is_banned(actor); found ${found}`,
            e.loc,
          );
        }
        this.expr(e.expr);
        return;
      case 'call':
        this.call(e.name, e.args.length, e.loc);
        for (const a of e.args) this.term(a);
        return;
      case 'cmp':
        this.term(e.left);
        this.term(e.right);
        if (e.left.kind === 'list' || e.right.kind === 'list') {
          this.report('bad-operand', `a list cannot be compared with ${e.op}`, e.loc);
        }
        return;
      case 'in':
        this.term(e.left);
        this.term(e.list);
        return;
      case 'matches':
        this.term(e.left);
        this.type(e.type, 'matches');
        return;
      case 'const':
        return;
    }
  }

  call(name: string, n: number, loc: Loc): void {
    this.arity(name, n, loc, 'call to');
    const decl = this.declared.get(name);
    if (decl && !decl.has(n) && !BUILTIN_ARITY[name]) {
      this.report(
        'wrong-arity',
        `call to ${name} has ${n} arguments; it is declared with ${[...decl].join(' or ')}`,
        loc,
      );
    }
  }

  params(params: Param[], context: string): void {
    for (const p of params) {
      if (p.type) this.type(p.type, context);
      this.term(p.term);
    }
  }

  /** A fact written in a setup or fixture: every argument must be a ground value. */
  groundFact(r: SynRule, where: string): void {
    this.arity(r.name, r.params.length, r.loc, 'fact');
    for (const p of r.params) {
      const t = p.term;
      if (p.type || t.kind === 'var' || t.kind === 'now' || t.kind === 'list') {
        const shown =
          t.kind === 'var' ? `variable "${t.name}"` : t.kind === 'now' ? '@current_unix_time' : 'a list';
        this.report(
          'non-ground-fact',
          `facts in ${where} must have only values as arguments; found ${shown}`,
          t.loc,
        );
      } else this.term(t);
    }
  }
}

/** Checks every file against the environment; diagnostics are appended to `diags`. */
export function checkFiles(files: SynFile[], env: Env, diags: Diagnostic[]): void {
  const c = new Checker(env, diags);
  for (const f of files) {
    for (const it of f.items) {
      if (it.kind !== 'declare') continue;
      c.arity(it.name, it.types.length, it.loc, 'declaration of');
      for (const t of it.types) c.type(t, `declare ${it.name}`);
      const s = c.declared.get(it.name) ?? new Set<number>();
      c.declared.set(it.name, s.add(it.types.length));
    }
  }
  const tests = new Map<string, Loc>();
  const fixtures = new Map<string, Loc>();
  for (const f of files) {
    for (const it of f.items)
      if (it.kind === 'fixture') addUnique(c, fixtures, it.name.value, it.name.loc, 'fixture');
  }
  for (const f of files) {
    for (const it of f.items) {
      switch (it.kind) {
        case 'block':
          c.type(it.name, 'block');
          for (const item of it.items) checkShorthand(c, it.name.name, item);
          break;
        case 'global':
          for (const item of it.items) checkShorthand(c, 'global', item);
          break;
        case 'rule':
          c.arity(it.name, it.params.length, it.loc, 'rule');
          c.params(it.params, `the parameters of ${it.name}`);
          if (it.body) c.expr(it.body);
          break;
        case 'declare':
          break;
        case 'fixture':
          for (const r of it.facts) c.groundFact(r, `test fixture ${it.name.value}`);
          break;
        case 'test':
          addUnique(c, tests, it.name.value, it.name.loc, 'test');
          for (const s of it.setup) {
            if (s.kind === 'rule') c.groundFact(s, 'a test setup');
            else if (!fixtures.has(s.name.value)) {
              c.report(
                'unknown-fixture',
                `unknown fixture "${s.name.value}"${suggest(s.name.value, fixtures.keys())}`,
                s.name.loc,
              );
            }
          }
          for (const a of it.assertions) checkAssertion(c, a);
          break;
      }
    }
  }
}

function addUnique(c: Checker, seen: Map<string, Loc>, name: string, loc: Loc, what: string): void {
  const prev = seen.get(name);
  if (prev) {
    c.report(
      `duplicate-${what}`,
      `duplicate ${what} name "${name}" (first defined at ${prev.file}:${prev.line}:${prev.column})`,
      loc,
    );
  } else seen.set(name, loc);
}

function checkAssertion(c: Checker, a: SynAssertion): void {
  c.arity(a.name, a.params.length, a.loc, a.kind);
  const vars: { name: string; loc: Loc }[] = [];
  for (const p of a.params) {
    const t = p.term;
    if (t.kind === 'var') {
      vars.push({ name: t.name, loc: t.loc });
      if (p.type) c.type(p.type, a.kind);
      else
        c.report(
          'untyped-assertion-variable',
          `assertion variable "${t.name}" needs a type, e.g. ${t.name}: String`,
          t.loc,
        );
    } else if (t.kind === 'now' || t.kind === 'list') {
      c.report('bad-assertion-argument', `assertion arguments must be values or one typed variable`, t.loc);
    } else c.term(t);
  }
  if (vars.length > 1) {
    c.report(
      'assertion-variables',
      `an assertion can have at most one variable; found ${vars.map((v) => `"${v.name}"`).join(', ')}`,
      vars[1]!.loc,
    );
  }
  if (!a.iff) return;
  const v = vars[0];
  if (!v)
    c.report(
      'iff-without-variable',
      `iff ${a.iff.var.value} needs a typed variable in the assertion`,
      a.iff.var.loc,
    );
  else if (v.name !== a.iff.var.value) {
    c.report(
      'iff-variable-mismatch',
      `iff names "${a.iff.var.value}" but the assertion variable is "${v.name}"`,
      a.iff.var.loc,
    );
  }
  if (a.iff.negated) {
    c.report(
      'unsupported-iff-not-in',
      `iff ${a.iff.var.value} not in [...] is not supported; list the values with iff ... in [...]`,
      a.iff.var.loc,
    );
  }
  for (const item of a.iff.list.items) {
    if (item.kind === 'var' || item.kind === 'now') {
      c.report('bad-iff-value', 'iff lists may contain only values', item.loc);
    } else c.term(item);
  }
}
