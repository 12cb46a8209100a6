import type { CmpOp, Value } from '../polar/ast.ts';

/** A term during unfolding. */
export type T =
  | { k: 'v'; n: string }
  | { k: 'c'; id: number; code: number; value: Value }
  | { k: 'p'; slot: number; code: number }
  /** An expression of an enclosing query (negated sub-queries); codes = possible types (null: any). */
  | { k: 'x'; sql: string; codes: number[] | null }
  | { k: 'now' };

/** Where an atom reads from. */
export type Source =
  | {
      k: 'edb';
      tbl: string;
      types: (number[] | null)[];
      key?: number[];
      rows?: number;
      /** A part of a split predicate: column `col` holds `id` in every row (no condition is printed). */
      fixed?: { col: number; id: number };
    }
  /** Every known value (of some types): enumerates a variable a negation or comparison must test. */
  | { k: 'vals'; codes: number[] | null }
  | { k: 'tab'; key: string }
  | { k: 'set'; slot: number; code: number };

export interface AtomRef {
  src: Source;
  args: T[];
}

/** A call still to be made, with the pattern keys of its ancestors (recursion detection). */
export interface CallGoal {
  pred: string;
  args: T[];
  stack: readonly string[];
}

export type Cond =
  | { k: 'eq'; a: T; b: T }
  | { k: 'isa'; t: T; codes: number[] }
  | { k: 'cmp'; op: Exclude<CmpOp, '='>; a: T; b: T }
  | { k: 'not'; goal: CallGoal };

export const INTEGER_CODE = 2;
export const STRING_CODE = 1;

/** The substitution and collected atoms/conditions of one conjunctive query under construction. */
export class State {
  bind = new Map<string, T>();
  types = new Map<string, number[] | null>();
  atoms: AtomRef[] = [];
  conds: Cond[] = [];
  /** `var|pred/arity@k` -> start key: the variable holds a value reached by a chain walk from that start. */
  walked = new Map<string, string>();
  /** Walked variable -> atoms, conditions and types when its walk was made (to tell if it is private). */
  walkAt = new Map<string, { atoms: number; conds: number; types: number[] | null }>();

  clone(): State {
    const s = new State();
    s.walked = new Map(this.walked);
    s.walkAt = new Map(this.walkAt);
    s.bind = new Map(this.bind);
    s.types = new Map(this.types);
    s.atoms = [...this.atoms];
    s.conds = [...this.conds];
    return s;
  }

  deref(t: T): T {
    let cur = t;
    while (cur.k === 'v') {
      const b = this.bind.get(cur.n);
      if (b === undefined) return cur;
      cur = b;
    }
    return cur;
  }

  varTypes(n: string): number[] | null {
    return this.types.get(n) ?? null;
  }

  /** Narrows a variable's types; false when no type is left. */
  narrow(n: string, codes: readonly number[] | null): boolean {
    if (codes === null) return true;
    const cur = this.varTypes(n);
    const next = cur === null ? [...codes] : cur.filter((c) => codes.includes(c));
    this.types.set(n, next);
    return next.length > 0;
  }

  /** Unifies two terms, recording run-time conditions where the values are not known yet. */
  unify(a0: T, b0: T): boolean {
    const a = this.deref(a0);
    const b = this.deref(b0);
    if (a.k === 'v' && b.k === 'v') {
      if (a.n === b.n) return true;
      const ta = this.varTypes(a.n);
      this.bind.set(a.n, b);
      return this.narrow(b.n, ta);
    }
    if (a.k === 'v') return this.bindVar(a.n, b);
    if (b.k === 'v') return this.bindVar(b.n, a);
    if (a.k === 'now' || b.k === 'now') {
      if (a.k === 'now' && b.k === 'now') return true;
      const other = a.k === 'now' ? b : a;
      if (other.k === 'c' || other.k === 'p') {
        if (other.code !== INTEGER_CODE) return false;
      }
      this.conds.push({ k: 'eq', a, b });
      return true;
    }
    if (a.k === 'c' && b.k === 'c') return a.id === b.id;
    if (a.k === 'p' && b.k === 'p' && a.slot === b.slot) return true;
    if ((a.k === 'c' || a.k === 'p') && (b.k === 'c' || b.k === 'p')) {
      if (a.code !== b.code) return false;
      this.conds.push({ k: 'eq', a, b });
      return true;
    }
    if (a.k === 'x' && b.k === 'x' && a.sql === b.sql) return true;
    const x = a.k === 'x' ? a : b;
    const o = a.k === 'x' ? b : a;
    if (x.k === 'x' && (o.k === 'c' || o.k === 'p') && x.codes !== null && !x.codes.includes(o.code))
      return false;
    this.conds.push({ k: 'eq', a, b });
    return true;
  }

  private bindVar(n: string, t: T): boolean {
    const types = this.varTypes(n);
    if (types !== null) {
      if ((t.k === 'c' || t.k === 'p') && !types.includes(t.code)) return false;
      if (t.k === 'now' && !types.includes(INTEGER_CODE)) return false;
      if (t.k === 'x') {
        if (t.codes !== null) {
          const inter = t.codes.filter((c) => types.includes(c));
          if (inter.length === 0) return false;
          if (inter.length < t.codes.length) this.conds.push({ k: 'isa', t, codes: types });
        } else {
          this.conds.push({ k: 'isa', t, codes: types });
        }
      }
    }
    this.bind.set(n, t);
    return true;
  }

  /** Applies a type test to a term; false when it statically fails. */
  isa(t0: T, codes: number[]): boolean {
    const t = this.deref(t0);
    switch (t.k) {
      case 'v':
        return this.narrow(t.n, codes);
      case 'c':
      case 'p':
        return codes.includes(t.code);
      case 'now':
        return codes.includes(INTEGER_CODE);
      case 'x':
        if (t.codes?.every((c) => codes.includes(c))) return true;
        if (t.codes !== null && !t.codes.some((c) => codes.includes(c))) return false;
        this.conds.push({ k: 'isa', t, codes });
        return true;
      default: {
        const never: never = t;
        throw new Error(`unknown term ${JSON.stringify(never)}`);
      }
    }
  }
}
