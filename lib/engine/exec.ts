import type { Database, SqlValue, Statement } from 'sql.js';
import type { CompiledQuery, ParamRef } from '../compiler/index.ts';
import { DomainError } from '../errors.ts';

/** Run-time values of one execution. */
export interface Bindings {
  /** Interned ids of the request parameters, by slot. */
  ids: number[];
  /** Canonical keys of the request parameters, by slot. */
  keys: string[];
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

  constructor(
    private readonly db: Database,
    readonly compiled: CompiledQuery,
    mainSql: string,
    private readonly maxFixpointRows: number,
  ) {
    for (const ddl of compiled.tempDdl) db.exec(ddl);
    this.resets = compiled.fixpoint.map((g) => g.reset.map((s) => db.prepare(s)));
    this.steps = compiled.fixpoint.map((g) => g.steps.map((s) => db.prepare(s)));
    this.main = db.prepare(mainSql);
  }

  private values(b: Bindings): SqlValue[] {
    return this.compiled.params.map((p: ParamRef): SqlValue => {
      switch (p.kind) {
        case 'id':
          return b.ids[p.slot] ?? null;
        case 'num':
          return b.keys[p.slot] ?? null;
        case 'key':
          return b.keys[p.slot] ?? null;
        case 'ids':
          return JSON.stringify(b.sets[p.slot] ?? []);
        case 'now':
          return String(b.now);
        case 'text':
          return p.value;
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
        for (const st of this.steps[gi]!) {
          st.bind(vals);
          st.step();
          st.reset();
          changed += this.db.getRowsModified();
        }
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

  /** Runs the main statement and returns its first column of the first row (exists mode). */
  first(b: Bindings): SqlValue {
    const vals = this.values(b);
    if (this.compiled.fixpoint.length > 0) this.fixpoint(vals);
    try {
      this.main.bind(vals);
      return this.main.step() ? (this.main.get()[0] ?? null) : null;
    } finally {
      this.main.reset();
    }
  }

  /** Runs the main statement and returns all rows (at most `max`, else query-too-expensive). */
  rows(b: Bindings, max: number): SqlValue[][] {
    const vals = this.values(b);
    if (this.compiled.fixpoint.length > 0) this.fixpoint(vals);
    const out: SqlValue[][] = [];
    try {
      this.main.bind(vals);
      while (this.main.step()) {
        if (out.length >= max)
          throw new DomainError('query-too-expensive', `query returned more than ${max} rows`);
        out.push(this.main.get());
      }
      return out;
    } finally {
      this.main.reset();
    }
  }

  free(): void {
    for (const l of [...this.resets, ...this.steps]) for (const s of l) s.free();
    this.main.free();
  }
}
