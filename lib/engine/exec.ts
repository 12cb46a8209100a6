import type { Database, SqlValue, Statement } from 'sql.js';
import type { CompiledQuery, ParamRef } from '../compiler/index.ts';
import { DomainError } from '../errors.ts';
import type { Value } from '../polar/ast.ts';
import { canonicalKey, encodeKey } from './intern.ts';
import type { RawApi } from './raw.ts';

/** Highest `?N` a statement reads (it must not be bound beyond that). */
function paramCount(sql: string): number {
  let n = 0;
  for (const m of sql.matchAll(/\?(\d+)/g)) n = Math.max(n, Number(m[1]));
  return n;
}

/** Run-time values of one execution. */
export interface Bindings {
  /** Interned ids of the request parameters, by slot. */
  ids: number[];
  /** The request parameters, by slot (their keys are computed only when a statement reads them). */
  values: Value[];
  /** Id sets (evaluate_query `in`), by slot. */
  sets: number[][];
  /** `@current_unix_time`. */
  now: number | bigint;
  /** Caller-specific extra parameters. */
  extra: SqlValue[];
}

/** A compiled query with its prepared statements (one per final SQL, plus fixpoint steps). */
export class PreparedQuery {
  private readonly resets: Statement[][];
  private readonly steps: Statement[][];
  private readonly main: Statement;
  private readonly stepCounts: number[][];
  private readonly mainCount: number;
  private readonly idsOnly: boolean;
  /** Slots of the main statement's parameters, in `?N` order (when it reads ids only). */
  private readonly slots: number[];
  private readonly mainPtr: number | undefined;
  /** True when the two-id path binds the second id first (the compiler printed that one first). */
  private readonly swapped: boolean;

  constructor(
    private readonly db: Database,
    readonly compiled: CompiledQuery,
    mainSql: string,
    private readonly maxFixpointRows: number,
    private readonly raw: RawApi | undefined,
  ) {
    for (const ddl of compiled.tempDdl) db.exec(ddl);
    const made: Statement[] = [];
    const prep = (sql: string) => {
      const st = db.prepare(sql);
      made.push(st);
      return st;
    };
    try {
      this.resets = compiled.fixpoint.map((g) => g.reset.map(prep));
      this.steps = compiled.fixpoint.map((g) => g.steps.map(prep));
      this.stepCounts = compiled.fixpoint.map((g) => g.steps.map(paramCount));
      this.main = prep(mainSql);
      this.mainCount = paramCount(mainSql);
      this.idsOnly = compiled.fixpoint.length === 0 && compiled.params.every((p) => p.kind === 'id');
      this.slots = compiled.params.map((p) => (p.kind === 'id' ? p.slot : -1));
      // the two-id path: ?1 and ?2 read slots 0 and 1, in either order (pruned queries may print slot 1 first)
      const two = this.slots.slice(0, this.mainCount);
      this.swapped = two[0] === 1 && (two.length === 1 || two[1] === 0);
      const straight = two.every((s, i) => s === i);
      this.mainPtr =
        this.idsOnly && raw !== undefined && this.mainCount <= 2 && (straight || this.swapped)
          ? raw.ptr(this.main)
          : undefined;
    } catch (e) {
      for (const st of made) st.free();
      throw e;
    }
  }

  /** Numbers only (raw path) or undefined when some value is text/null/unsafe. */
  private numbers(vals: SqlValue[]): number[] | undefined {
    const out: number[] = [];
    for (const v of vals) {
      if (typeof v === 'number') out.push(v);
      else if (typeof v === 'string' && /^-?\d{1,15}$/.test(v)) out.push(Number(v));
      else return undefined;
    }
    return out;
  }

  private exec(st: Statement, vals: SqlValue[], count: number): void {
    const use = vals.slice(0, count);
    const nums = this.raw && this.numbers(use);
    if (nums && this.raw!.run(st, nums)) return;
    st.bind(use);
    st.step();
    st.reset();
  }

  private values(b: Bindings): SqlValue[] {
    return this.compiled.params.map((p: ParamRef): SqlValue => {
      switch (p.kind) {
        case 'id':
          return b.ids[p.slot] ?? null;
        case 'num':
        case 'key': {
          const v = b.values[p.slot];
          return v === undefined ? null : canonicalKey(v);
        }
        case 'ids':
          return JSON.stringify(b.sets[p.slot] ?? []);
        case 'now':
          return String(b.now);
        case 'text':
          return encodeKey(p.value);
        case 'int':
          return p.value;
        case 'extra':
          return b.extra[p.index] ?? null;
        default: {
          const never: never = p;
          throw new Error(`unknown parameter ${JSON.stringify(never)}`);
        }
      }
    });
  }

  private fixpoint(vals: SqlValue[]): void {
    let total = 0;
    this.compiled.fixpoint.forEach((g, gi) => {
      for (const st of this.resets[gi]!) st.run();
      for (;;) {
        let changed = 0;
        this.steps[gi]!.forEach((st, si) => {
          this.exec(st, vals, this.stepCounts[gi]![si]!);
          changed += this.db.getRowsModified();
        });
        total += changed;
        if (total > this.maxFixpointRows) {
          throw new DomainError(
            'query-too-expensive',
            `recursive evaluation exceeded ${this.maxFixpointRows} rows`,
          );
        }
        if (changed === 0 || !g.recursive) break;
      }
    });
  }

  /**
   * The first column of the first row for a statement that reads the two ids of slots 0 and 1 and nothing
   * else; undefined when this statement cannot take that path (the caller then uses `first`).
   */
  firstOfIds(a: number, b: number): number | null | undefined {
    if (this.mainPtr === undefined) return undefined;
    return this.swapped
      ? this.raw!.first2(this.mainPtr, b, a, this.mainCount)
      : this.raw!.first2(this.mainPtr, a, b, this.mainCount);
  }

  /**
   * For a statement of two number columns that reads the two ids of slots 0 and 1 and nothing else:
   * hands each row to `row` (no row arrays) and returns how many there were; more than `max` is
   * query-too-expensive. Undefined when this statement cannot take that path or SQLite reported an
   * error (the caller then uses `rows`, which reports it).
   */
  pairsOfIds(a: number, b: number, max: number, row: (x: number, y: number) => void): number | undefined {
    if (this.mainPtr === undefined) return undefined;
    const n = this.swapped
      ? this.raw!.pairs2(this.mainPtr, b, a, this.mainCount, max, row)
      : this.raw!.pairs2(this.mainPtr, a, b, this.mainCount, max, row);
    if (n < 0) return undefined;
    if (n > max) throw new DomainError('query-too-expensive', `query returned more than ${max} rows`);
    return n;
  }

  /** Runs the main statement and returns its first column of the first row (exists mode). */
  first(b: Bindings): SqlValue {
    // fast path: only interned ids, no fixpoint: bind them straight through the C API
    if (this.idsOnly && this.raw !== undefined) {
      const ids = this.slots.every((s, i) => s === i) ? b.ids : this.slots.map((s) => b.ids[s] ?? 0);
      const v = this.raw.first(this.main, ids, this.mainCount);
      if (v !== undefined) return v;
    }
    return this.rows(b, 0, 'stop')[0]?.[0] ?? null;
  }

  /**
   * Runs the main statement; reads at most `max + 1` rows. More than `max` rows is
   * query-too-expensive with `throw`, and returned (max + 1 rows: "there is more") with `stop`.
   */
  rows(b: Bindings, max: number, overflow: 'throw' | 'stop'): SqlValue[][] {
    const vals = this.values(b);
    if (this.compiled.fixpoint.length > 0) this.fixpoint(vals);
    const use = vals.slice(0, this.mainCount);
    const nums = this.raw && this.numbers(use);
    let out = nums ? this.raw!.rows(this.main, nums, max) : undefined;
    if (out === undefined) {
      out = [];
      try {
        this.main.bind(use);
        while (this.main.step()) {
          out.push(this.main.get());
          if (out.length > max) break;
        }
      } finally {
        this.main.reset();
      }
    }
    if (out.length > max && overflow === 'throw') {
      throw new DomainError('query-too-expensive', `query returned more than ${max} rows`);
    }
    return out;
  }

  /**
   * Runs the main statement and returns its first row, blobs as bytes (for one-row aggregates); null when
   * it has none.
   */
  firstRow(b: Bindings): SqlValue[] | null {
    const vals = this.values(b);
    if (this.compiled.fixpoint.length > 0) this.fixpoint(vals);
    const use = vals.slice(0, this.mainCount);
    const nums = this.raw && this.numbers(use);
    let has = nums ? this.raw!.start(this.main, nums) : undefined;
    try {
      // an error on the raw path is reported by the API's own step
      if (has === undefined) {
        this.main.bind(use);
        has = this.main.step();
      }
      return has ? this.main.get() : null;
    } finally {
      if (this.raw) this.raw.reset(this.main);
      else this.main.reset();
    }
  }

  /** Fixpoint steps then the main statement. */
  sql(): string[] {
    return [...this.steps.flat().map((s) => s.getSQL()), this.main.getSQL()];
  }

  free(): void {
    for (const l of [...this.resets, ...this.steps]) for (const s of l) s.free();
    this.main.free();
  }
}
