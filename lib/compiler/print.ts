import { INTEGER_CODE, STRING_CODE, type T } from './state.ts';
import type { ParamRef } from './types.ts';
import type { CQ, TabDef } from './unfold.ts';

const SPAN = 2 ** 40;

/** Type test on an id expression (typed wildcards `code * 2^40` pass too). */
export function typeCheck(expr: string, codes: readonly number[]): string {
  if (codes.length === 0) return '0';
  if (codes.length === 1) {
    const c = codes[0]!;
    return `${expr} BETWEEN ${c * SPAN} AND ${(c + 1) * SPAN - 1}`;
  }
  return `(${expr} >> 40) IN (${codes.join(', ')})`;
}

/** a equals b, where b may hold a wildcard encoding (0: anything, code*2^40: anything of a type). */
function wildEq(a: string, b: string): string {
  return `(${b} = ${a} OR ${b} = 0 OR ${b} = ((${a} >> 40) << 40))`;
}

/** Prints finished conjunctive queries as SQL; collects the parameters they read. */
export class Printer {
  readonly params: ParamRef[] = [];
  private readonly paramIdx = new Map<string, number>();

  constructor(
    readonly defs: Map<string, TabDef>,
    readonly wild: Map<string, boolean[]>,
  ) {}

  param(ref: ParamRef): string {
    const k = JSON.stringify(ref);
    let i = this.paramIdx.get(k);
    if (i === undefined) {
      i = this.params.length;
      this.params.push(ref);
      this.paramIdx.set(k, i);
    }
    return `(SELECT p${i} FROM p)`;
  }

  private isWild(o: { tab?: { key: string; col: number } }): boolean {
    return o.tab !== undefined && (this.wild.get(o.tab.key)?.[o.tab.col] ?? false);
  }

  private codesOf(o: { tab?: { key: string; col: number }; codes: number[] | null }): number[] | null {
    if (o.tab === undefined) return o.codes;
    return this.defs.get(o.tab.key)?.freeCodes[o.tab.col] ?? null;
  }

  /** The primary column of a root variable (a non-wildcard column when there is one). */
  private primary(cq: CQ, n: string): { expr: string; wild: boolean } | undefined {
    const list = cq.occ.get(n);
    if (list === undefined || list.length === 0) return undefined;
    const o = list.find((x) => !this.isWild(x)) ?? list[0]!;
    return { expr: o.expr, wild: this.isWild(o) };
  }

  /** SQL of a term inside a conjunctive query. */
  term(cq: CQ, t0: T): string {
    const t = cq.s.deref(t0);
    switch (t.k) {
      case 'c':
        return String(t.id);
      case 'p':
        return this.param({ kind: 'id', slot: t.slot });
      case 'x':
        return t.sql;
      case 'now':
        return this.param({ kind: 'now' });
      case 'v': {
        const p = this.primary(cq, t.n);
        if (p !== undefined) return p.expr;
        const codes = cq.s.varTypes(t.n);
        return codes !== null && codes.length === 1 ? String(codes[0]! * SPAN) : '0';
      }
      default: {
        const never: never = t;
        throw new Error(`unknown term ${JSON.stringify(never)}`);
      }
    }
  }

  private staticCodes(cq: CQ, t0: T): number[] | null {
    const t = cq.s.deref(t0);
    switch (t.k) {
      case 'c':
      case 'p':
        return [t.code];
      case 'now':
        return [INTEGER_CODE];
      case 'x':
        return t.codes;
      case 'v':
        return cq.s.varTypes(t.n);
      default: {
        const never: never = t;
        throw new Error(`unknown term ${JSON.stringify(never)}`);
      }
    }
  }

  private num(cq: CQ, t0: T): string {
    const t = cq.s.deref(t0);
    if (t.k === 'c') return this.param({ kind: 'int', value: t.value.id });
    if (t.k === 'p') return this.param({ kind: 'num', slot: t.slot });
    if (t.k === 'now') return this.param({ kind: 'now' });
    return `(SELECT num FROM vals WHERE id = ${this.term(cq, t)})`;
  }

  private key(cq: CQ, t0: T): string {
    const t = cq.s.deref(t0);
    if (t.k === 'c') return this.param({ kind: 'text', value: t.value.id });
    if (t.k === 'p') return this.param({ kind: 'key', slot: t.slot });
    return `(SELECT key FROM vals WHERE id = ${this.term(cq, t)})`;
  }

  /** Comparison of two terms: Integers numerically, Strings by bytes; other types never compare. */
  private compare(cq: CQ, op: string, a: T, b: T): string {
    const ca = this.staticCodes(cq, a);
    const cb = this.staticCodes(cq, b);
    const may = (codes: number[] | null, c: number) => codes === null || codes.includes(c);
    const guard = (codes: number[] | null, t: T, c: number) =>
      codes !== null && codes.length === 1 && codes[0] === c ? [] : [typeCheck(this.term(cq, t), [c])];
    const alts: string[] = [];
    if (may(ca, INTEGER_CODE) && may(cb, INTEGER_CODE)) {
      const parts = [...guard(ca, a, INTEGER_CODE), ...guard(cb, b, INTEGER_CODE)];
      parts.push(`${this.num(cq, a)} ${op} ${this.num(cq, b)}`);
      alts.push(parts.join(' AND '));
    }
    if (op !== '=' && may(ca, STRING_CODE) && may(cb, STRING_CODE)) {
      const parts = [...guard(ca, a, STRING_CODE), ...guard(cb, b, STRING_CODE)];
      parts.push(`${this.key(cq, a)} ${op} ${this.key(cq, b)}`);
      alts.push(parts.join(' AND '));
    }
    if (alts.length === 0) return '0';
    return alts.length === 1 ? alts[0]! : `((${alts.join(') OR (')}))`;
  }

  /** FROM and WHERE of a conjunctive query. */
  private parts(cq: CQ): { from: string[]; where: string[] } {
    const from = cq.s.atoms.map((a, i) => {
      const al = cq.aliases[i]!;
      switch (a.src.k) {
        case 'edb':
          return `${a.src.tbl} ${al}`;
        case 'tab':
          return `\u0001${this.defs.get(a.src.key)!.id}\u0001 ${al}`;
        case 'set':
          return `json_each(${this.param({ kind: 'ids', slot: a.src.slot })}) ${al}`;
        default: {
          const never: never = a.src;
          throw new Error(`unknown source ${JSON.stringify(never)}`);
        }
      }
    });
    const where: string[] = [];
    for (const f of cq.fixed) {
      const v = this.term(cq, f.t);
      where.push(this.isWild(f) ? wildEq(v, f.expr) : `${f.expr} = ${v}`);
    }
    for (const [n, list] of cq.occ) {
      const o0 = list.find((x) => !this.isWild(x)) ?? list[0]!;
      for (const o of list) {
        if (o === o0) continue;
        where.push(this.isWild(o) ? wildEq(o0.expr, o.expr) : `${o.expr} = ${o0.expr}`);
      }
      const want = cq.s.varTypes(n);
      const have = this.codesOf(o0);
      if (want !== null && (have === null || !have.every((c) => want.includes(c)))) {
        where.push(typeCheck(o0.expr, want));
      }
    }
    for (const c of cq.s.conds) {
      switch (c.k) {
        case 'eq': {
          const a = cq.s.deref(c.a);
          const b = cq.s.deref(c.b);
          where.push(
            a.k === 'now' || b.k === 'now'
              ? this.compare(cq, '=', a, b)
              : `${this.term(cq, a)} = ${this.term(cq, b)}`,
          );
          break;
        }
        case 'isa':
          where.push(typeCheck(this.term(cq, c.t), c.codes));
          break;
        case 'cmp':
          where.push(
            c.op === '!=' && cq.s.deref(c.a).k !== 'now' && cq.s.deref(c.b).k !== 'now'
              ? `${this.term(cq, c.a)} != ${this.term(cq, c.b)}`
              : this.compare(cq, c.op, c.a, c.b),
          );
          break;
        case 'not':
          break;
        default: {
          const never: never = c;
          throw new Error(`unknown condition ${JSON.stringify(never)}`);
        }
      }
    }
    for (const n of cq.negs) for (const sub of n.subs) where.push(`NOT EXISTS(${this.select(sub, ['1'])})`);
    return { from, where };
  }

  /** `SELECT cols FROM ... WHERE ...` of a conjunctive query. */
  select(cq: CQ, cols: string[]): string {
    const { from, where } = this.parts(cq);
    let sql = `SELECT ${cols.join(', ')}`;
    if (from.length > 0) sql += ` FROM ${from.join(', ')}`;
    if (where.length > 0) sql += ` WHERE ${where.join(' AND ')}`;
    return sql;
  }

  /** The output columns of a conjunctive query, named with a prefix (`o` or `c`). */
  outputs(cq: CQ, prefix: string): string[] {
    if (cq.outs.length === 0) return [`1 AS ${prefix}0`];
    return cq.outs.map((t, i) => `${this.term(cq, t)} AS ${prefix}${i}`);
  }
}
