// Rule bodies to disjunctive normal form, with `_` renamed to fresh variables and literals typed.
import type { Literal, Loc, Term, Value } from './ast.ts';
import type { Report } from './checker.ts';
import type { Env } from './env.ts';
import type { SynExpr, SynTerm } from './syntax.ts';

/** Upper bound on the conjunctions one rule body may expand to. */
export const MAX_CONJUNCTIONS = 256;

/** Per-rule state: variable names in use, where each was first written, and fresh-name generation. */
export class RuleCtx {
  private readonly used = new Set<string>();
  private counter = 0;
  readonly varLocs = new Map<string, Loc>();
  /** Fresh variables made from `_`: they may stay unbound in a head. */
  readonly anonymous = new Set<string>();

  constructor(
    readonly env: Env,
    readonly report: Report,
    names: Iterable<string> = [],
  ) {
    for (const n of names) this.used.add(n);
  }

  /** Registers every variable name of a syntax subtree so fresh names never collide with it. */
  reserve(t: SynTerm | SynExpr): void {
    forEachVar(t, (name) => this.used.add(name));
  }

  fresh(base = ''): string {
    if (base !== '' && !this.used.has(base)) {
      this.used.add(base);
      return base;
    }
    for (;;) {
      const name = `${base === '' ? '' : base}_${++this.counter}`;
      if (!this.used.has(name)) {
        this.used.add(name);
        return name;
      }
    }
  }

  /** A syntax term as an IR term; `_` becomes a fresh variable. */
  term(t: SynTerm): Term {
    if (t.kind === 'var') {
      if (t.name === '_') {
        const name = this.fresh();
        this.anonymous.add(name);
        this.varLocs.set(name, t.loc);
        return { kind: 'var', name };
      }
      if (!this.varLocs.has(t.name)) this.varLocs.set(t.name, t.loc);
      return { kind: 'var', name: t.name };
    }
    if (t.kind === 'now') return { kind: 'now' };
    if (t.kind === 'list') {
      this.report('bad-operand', 'a list can only appear after in', t.loc);
      return { kind: 'value', value: { type: 'String', id: '' } };
    }
    return { kind: 'value', value: toValue(t)! };
  }
}

/** The value of a literal term; undefined for variables, lists and `@current_unix_time`. */
export function toValue(t: SynTerm): Value | undefined {
  switch (t.kind) {
    case 'string':
      return { type: 'String', id: t.value };
    case 'integer':
      return { type: 'Integer', id: t.value };
    case 'boolean':
      return { type: 'Boolean', id: String(t.value) };
    case 'object':
      return {
        type: t.type.name,
        id: t.type.name === 'Integer' && /^[+-]?\d+$/.test(t.id) ? BigInt(t.id).toString() : t.id,
      };
    default:
      return undefined;
  }
}

export function forEachVar(t: SynTerm | SynExpr, f: (name: string) => void): void {
  switch (t.kind) {
    case 'var':
      f(t.name);
      return;
    case 'list':
      for (const i of t.items) forEachVar(i, f);
      return;
    case 'or':
    case 'and':
      for (const i of t.items) forEachVar(i, f);
      return;
    case 'not':
      forEachVar(t.expr, f);
      return;
    case 'call':
      for (const a of t.args) forEachVar(a, f);
      return;
    case 'cmp':
      forEachVar(t.left, f);
      forEachVar(t.right, f);
      return;
    case 'in':
      forEachVar(t.left, f);
      forEachVar(t.list, f);
      return;
    case 'matches':
      forEachVar(t.left, f);
      return;
    default:
      return;
  }
}

/** Expands a body into conjunctions (`or` distributed over `and`); an empty result never holds. */
export function toDnf(e: SynExpr, ctx: RuleCtx): Literal[][] {
  const loc = e.loc;
  switch (e.kind) {
    case 'const':
      return e.value ? [[]] : [];
    case 'call':
      return [[{ kind: 'call', atom: { pred: e.name, args: e.args.map((a) => ctx.term(a)) }, loc }]];
    case 'not':
      // Anything but a single call was reported by the checker; it contributes no literal.
      if (e.expr.kind !== 'call') return [[]];
      return [[{ kind: 'not', atom: { pred: e.expr.name, args: e.expr.args.map((a) => ctx.term(a)) }, loc }]];
    case 'cmp':
      return [[{ kind: 'cmp', op: e.op, left: ctx.term(e.left), right: ctx.term(e.right), loc }]];
    case 'in':
      return [[{ kind: 'in', left: ctx.term(e.left), list: e.list.items.map((i) => ctx.term(i)), loc }]];
    case 'matches': {
      const types = ctx.env.expand(e.type.name) ?? [];
      const v = toValue(e.left);
      if (v) return types.includes(v.type) ? [[]] : [];
      const t = ctx.term(e.left);
      if (t.kind !== 'var') return types.includes('Integer') ? [[]] : [];
      return [[{ kind: 'isa', var: t.name, types, loc }]];
    }
    case 'or': {
      const out: Literal[][] = [];
      for (const i of e.items) out.push(...toDnf(i, ctx));
      return cap(out, ctx, loc);
    }
    case 'and': {
      let acc: Literal[][] = [[]];
      for (const i of e.items) {
        const next = toDnf(i, ctx);
        const prod: Literal[][] = [];
        for (const a of acc) for (const b of next) prod.push([...a, ...b]);
        acc = cap(prod, ctx, loc);
      }
      return acc;
    }
  }
}

function cap(conjs: Literal[][], ctx: RuleCtx, loc: Loc): Literal[][] {
  if (conjs.length <= MAX_CONJUNCTIONS) return conjs;
  ctx.report(
    'body-too-complex',
    `rule body expands to more than ${MAX_CONJUNCTIONS} alternatives; split it into several rules`,
    loc,
  );
  return conjs.slice(0, MAX_CONJUNCTIONS);
}
