import { INTEGER_CODE, STRING_CODE, type T } from './state.ts';
import { type ParamRef, TYPE_SPAN as SPAN, TYPE_BITS } from './types.ts';
import type { CQ, TabDef } from './unfold.ts';

/** Type test on an id expression (typed wildcards `code * TYPE_SPAN` pass too). */
export function typeCheck(expr: string, codes: readonly number[]): string {
  if (codes.length === 0) return '0';
  if (codes.length === 1) {
    const c = codes[0]!;
    return `${expr} BETWEEN ${c * SPAN} AND ${(c + 1) * SPAN - 1}`;
  }
  return `(${expr} >> ${TYPE_BITS}) IN (${codes.join(', ')})`;
}

/**
 * a equals b, where b may hold a wildcard encoding (0: anything, code*TYPE_SPAN: anything of a type). Written
 * as a range of a whose bounds come from b, so that SQLite can seek an index on a for each b (an OR of
 * the three cases cannot use one: a recursion over a relation that may hold a wildcard scanned it).
 */
function wildEq(a: string, b: string): string {
  const lo = `(CASE WHEN ${b} = 0 THEN 0 ELSE ${b} END)`;
  const hi = `(CASE WHEN ${b} = 0 THEN ${Number.MAX_SAFE_INTEGER} WHEN ${b} % ${SPAN} = 0 THEN ${b} + ${SPAN - 1} ELSE ${b} END)`;
  // the range is almost always one value (a wildcard is rare): without the hint SQLite guesses a quarter of
  // the table and builds an automatic index on another column instead, at every step of a recursion
  return `likelihood(${a} BETWEEN ${lo} AND ${hi}, 0.001)`;
}

/** Prints finished conjunctive queries as SQL; collects the parameters they read. */
export class Printer {
  readonly params: ParamRef[] = [];
  /** True while printing the main statement (not a relation's definition). */
  root = false;
  /** True while printing a relation restricted to a demand: every join order is chosen here. */
  ordered = false;
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
    // parameters are inline (`?N`); the engine binds them without clear_bindings (no re-prepare)
    return ref.kind === 'num' || ref.kind === 'now' || ref.kind === 'int'
      ? `CAST(?${i + 1} AS INTEGER)`
      : `?${i + 1}`;
  }

  private isWild(o: { tab?: { key: string; col: number } }): boolean {
    return o.tab !== undefined && (this.wild.get(o.tab.key)?.[o.tab.col] ?? false);
  }

  private codesOf(o: { tab?: { key: string; col: number }; codes: number[] | null }): number[] | null {
    if (o.tab === undefined) return o.codes;
    return this.defs.get(o.tab.key)?.freeCodes[o.tab.col] ?? null;
  }

  /** A relation computed from a bound value (a walk, or a pattern with a parameter): a few rows. */
  private demandDriven(key: string): boolean {
    const d = this.defs.get(key);
    return (
      d !== undefined &&
      (d.closure !== undefined ||
        ((this.root || this.ordered) && d.template.some((t) => 'bound' in t && t.bound.k === 'p')))
    );
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

  /** Root variables read outside the atoms (outputs, conditions, negations). */
  private usedVars(cq: CQ): Set<string> {
    const used = new Set<string>(cq.negVars);
    const add = (t0: T) => {
      const t = cq.s.deref(t0);
      if (t.k === 'v') used.add(t.n);
    };
    cq.outs.forEach(add);
    for (const c of cq.s.conds) {
      if (c.k === 'eq' || c.k === 'cmp') {
        add(c.a);
        add(c.b);
      } else if (c.k === 'isa') {
        add(c.t);
      }
    }
    return used;
  }

  private source(cq: CQ, i: number): string {
    const a = cq.s.atoms[i]!;
    const al = cq.aliases[i]!;
    switch (a.src.k) {
      case 'edb':
        return `${a.src.tbl} ${al}`;
      case 'tab':
        return `\u0001${this.defs.get(a.src.key)!.id}\u0001 ${al}`;
      case 'set':
        return `json_each(${this.param({ kind: 'ids', slot: a.src.slot })}) ${al}`;
      case 'vals':
        return `vals ${al}`;
      default: {
        const never: never = a.src;
        throw new Error(`unknown source ${JSON.stringify(never)}`);
      }
    }
  }

  /**
   * FROM and WHERE of a conjunctive query. An atom whose variables appear nowhere else becomes an
   * uncorrelated scalar subquery, which SQLite evaluates once instead of joining a cross product.
   */
  parts(cq: CQ): Required<Omit<CqParts, 'cols'>> {
    const n = cq.s.atoms.length;
    const atomOf = (expr: string) => cq.aliases.indexOf(expr.slice(0, expr.indexOf('.')));
    const used = this.usedVars(cq);
    const local = cq.s.atoms.map((a) => n > 1 && a.src.k !== 'tab');
    const own: string[][] = cq.s.atoms.map(() => []);
    const shared: string[] = [];
    for (const f of cq.fixed) {
      const v = this.term(cq, f.t);
      own[atomOf(f.expr)]!.push(this.isWild(f) ? wildEq(v, f.expr) : `${f.expr} = ${v}`);
    }
    for (const [name, list] of cq.occ) {
      const atoms = new Set(list.map((o) => atomOf(o.expr)));
      if (used.has(name) || atoms.size > 1) for (const i of atoms) local[i] = false;
      const target = atoms.size === 1 ? own[[...atoms][0]!]! : shared;
      const o0 = list.find((x) => !this.isWild(x)) ?? list[0]!;
      for (const o of list) {
        if (o === o0) continue;
        target.push(this.isWild(o) ? wildEq(o0.expr, o.expr) : `${o.expr} = ${o0.expr}`);
      }
      const want = cq.s.varTypes(name);
      const have = this.codesOf(o0);
      if (want !== null && (have === null || !have.every((c) => want.includes(c)))) {
        target.push(typeCheck(o0.expr, want));
      }
    }
    for (const c of cq.s.conds) {
      switch (c.k) {
        case 'eq': {
          const a = cq.s.deref(c.a);
          const b = cq.s.deref(c.b);
          shared.push(
            a.k === 'now' || b.k === 'now'
              ? this.compare(cq, '=', a, b)
              : `${this.term(cq, a)} = ${this.term(cq, b)}`,
          );
          break;
        }
        case 'isa':
          shared.push(typeCheck(this.term(cq, c.t), c.codes));
          break;
        case 'cmp':
          shared.push(
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
    for (const neg of cq.negs)
      for (const sub of neg.subs) shared.push(`NOT EXISTS(${this.select(sub, ['1'])})`);
    const from: string[] = [];
    const walks: string[] = [];
    const where: string[] = [];
    const fromIdx: number[] = [];
    const walkIdx: number[] = [];
    const tests: { sql: string; rows: number }[] = [];
    for (let i = 0; i < n; i++) {
      const src = cq.s.atoms[i]!.src;
      if (src.k === 'tab' && this.demandDriven(src.key) && !local[i]) {
        walks.push(this.source(cq, i));
        walkIdx.push(i);
        where.push(...own[i]!);
      } else if (local[i]) {
        const w = own[i]!.length > 0 ? ` WHERE ${own[i]!.join(' AND ')}` : '';
        // a scalar subquery, not EXISTS: SQLite would turn EXISTS into a semi-join inside the loop
        const src = cq.s.atoms[i]!.src;
        tests.push({
          sql: `(SELECT 1 FROM ${this.source(cq, i)}${w} LIMIT 1) IS NOT NULL`,
          rows: src.k === 'edb' ? (src.rows ?? Number.MAX_SAFE_INTEGER) : Number.MAX_SAFE_INTEGER,
        });
      } else {
        from.push(this.source(cq, i));
        fromIdx.push(i);
        where.push(...own[i]!);
      }
    }
    // smallest table first: a global role (a handful of rows) usually fails and skips the rest
    where.push(...tests.sort((a, b) => a.rows - b.rows).map((t) => t.sql));
    where.push(...shared);
    const tables: Record<string, TableRef> = {};
    for (const i of [...fromIdx, ...walkIdx]) {
      const src = cq.s.atoms[i]!.src;
      if (src.k === 'edb') tables[cq.aliases[i]!] = { tbl: src.tbl, types: src.types, key: src.key };
    }
    // demand-driven relations are a handful of rows without statistics: loop over them first
    if (walkIdx.length > 0) {
      const order = seekOrder(cq, walkIdx, fromIdx);
      return { from: [order.map((i) => this.source(cq, i)).join(' CROSS JOIN ')], where, tables };
    }
    return { from, where, tables };
  }

  /** `SELECT cols FROM ... WHERE ...` of a conjunctive query. */
  select(cq: CQ, cols: string[]): string {
    return selectSql({ ...this.parts(cq), cols });
  }

  /** The output columns of a conjunctive query, named with a prefix (`o` or `c`). */
  outputs(cq: CQ, prefix: string): string[] {
    if (cq.outs.length === 0) return [`1 AS ${prefix}0`];
    return cq.outs.map((t, i) => `${this.term(cq, t)} AS ${prefix}${i}`);
  }
}

/**
 * A join order for SQLite to follow: the demand-driven relations, then repeatedly the atom that can
 * seek on a bound first column (primary key or reverse index), else any bound column, else the next.
 */
function seekOrder(cq: CQ, first: number[], rest: number[]): number[] {
  const bound = new Set<string>();
  const place = (i: number) => {
    for (const a of cq.s.atoms[i]!.args) {
      const t = cq.s.deref(a);
      if (t.k === 'v') bound.add(t.n);
    }
  };
  const isBound = (a: T) => {
    const t = cq.s.deref(a);
    return t.k !== 'v' || bound.has(t.n);
  };
  const order = [...first];
  first.forEach(place);
  const left = [...rest];
  while (left.length > 0) {
    const seek = left.findIndex((i) => {
      const args = cq.s.atoms[i]!.args;
      return isBound(args[0]!) || isBound(args[args.length - 1]!);
    });
    const any = seek !== -1 ? seek : left.findIndex((i) => cq.s.atoms[i]!.args.some(isBound));
    const [i] = left.splice(any !== -1 ? any : 0, 1);
    order.push(i!);
    place(i!);
  }
  return order;
}

/** One conjunctive query as FROM items, WHERE conditions and output columns. */
export interface CqParts {
  from: string[];
  where: string[];
  cols: string[];
  /** The stored tables of `from`, by alias. */
  tables?: Record<string, TableRef>;
}

/**
 * A stored table a query reads: per column the type codes it may hold (null: any), its primary key column
 * order (undefined: the catalog did not say, column order).
 */
export interface TableRef {
  tbl: string;
  types: (number[] | null)[];
  key?: number[];
}

/** The primary key column order of a table of a query with two or more key columns, by alias. */
export function multiKey(c: CqParts, alias: string): number[] | undefined {
  const key = c.tables?.[alias]?.key;
  return key !== undefined && key.length > 1 ? key : undefined;
}

const CONST_EQ = /^(\S+) = (\d+)$/;
const ALIAS = /\bt\d+_\d+\b/g;

/** The same query up to alias names and the order of its conditions (two derivations of one query). */
function canonical(c: CqParts): string {
  const names = new Map<string, string>();
  const rename = (sql: string) =>
    sql.replace(ALIAS, (a) => {
      let n = names.get(a);
      if (n === undefined) {
        n = `#${names.size}`;
        names.set(a, n);
      }
      return n;
    });
  const from = c.from.map(rename);
  const cols = c.cols.map(rename);
  return JSON.stringify([from, cols, c.where.map(rename).sort()]);
}

/**
 * `lhs IN (...)`, written `+lhs IN (...)` when lhs is the last primary key column of its table and the
 * query fixes every other key column: SQLite then seeks the key prefix once and filters the few rows
 * there, instead of seeking once per value.
 */
function inList(c: CqParts, lhs: string, lits: string[]): string {
  const m = /^(t\d+_\d+)\.a(\d+)$/.exec(lhs);
  const key = m === null ? undefined : multiKey(c, m[1]!);
  if (m === null || key === undefined || key[key.length - 1] !== Number(m[2]))
    return `${lhs} IN (${lits.join(', ')})`;
  const fixed = (col: number) => {
    const e = `${m[1]}.a${col}`;
    return c.where.some((w) => w.startsWith(`${e} = `) || w.endsWith(` = ${e}`));
  };
  const plus = key.slice(0, -1).every(fixed) ? '+' : '';
  return `${plus}${lhs} IN (${lits.join(', ')})`;
}

/**
 * Drops duplicate queries and merges queries that differ only in one `col = constant` condition
 * into `col IN (...)` (one statement seeks each value instead of repeating the whole query).
 */
export function mergeCqs(cqs: CqParts[]): CqParts[] {
  const seen = new Set<string>();
  const uniq = cqs.filter((c) => {
    const k = canonical(c);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
  const groups = new Map<string, { idx: number; j: number; lit: string }[]>();
  uniq.forEach((c, idx) => {
    c.where.forEach((w, j) => {
      const m = CONST_EQ.exec(w);
      if (m === null) return;
      const key = JSON.stringify([c.from, c.cols, c.where.map((x, i) => (i === j ? `${m[1]} = ?` : x))]);
      const list = groups.get(key) ?? [];
      list.push({ idx, j, lit: m[2]! });
      groups.set(key, list);
    });
  });
  const merged = new Set<number>();
  const out: CqParts[] = [];
  const ordered = [...groups.values()].sort((a, b) => b.length - a.length);
  for (const g of ordered) {
    if (g.length < 2 || g.some((x) => merged.has(x.idx))) continue;
    const first = uniq[g[0]!.idx]!;
    const lhs = CONST_EQ.exec(first.where[g[0]!.j]!)![1]!;
    const where = [...first.where];
    where[g[0]!.j] = inList(
      first,
      lhs,
      g.map((x) => x.lit),
    );
    out.push({ ...first, where });
    for (const x of g) merged.add(x.idx);
  }
  uniq.forEach((c, i) => {
    if (!merged.has(i)) out.push(c);
  });
  return out;
}

/** Ids of the relations (CTEs or TEMP tables, still as placeholders) a query reads. */
export function relationIds(c: CqParts): number[] {
  return [...new Set([...c.from.join(' ').matchAll(/\u0001(\d+)\u0001/g)].map((m) => Number(m[1])))];
}

/** The guards (see `compile.ts`) of the relations a query reads; an id without one is `undefined`. */
export function relationGuards(c: CqParts, guards: ReadonlyMap<number, string>): (string | undefined)[] {
  return relationIds(c).map((id) => guards.get(id));
}

/** Prints parts as one SELECT. */
export function selectSql(p: CqParts): string {
  let sql = `SELECT ${p.cols.join(', ')}`;
  if (p.from.length > 0) sql += ` FROM ${p.from.join(', ')}`;
  if (p.where.length > 0) sql += ` WHERE ${p.where.join(' AND ')}`;
  return sql;
}
