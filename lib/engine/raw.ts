import type { Database, SqlJsStatic, SqlValue, Statement } from 'sql.js';

/** The exported sqlite3 C functions of sql.js that the raw path calls. */
interface SqliteC {
  _sqlite3_bind_double(p: number, i: number, v: number): number;
  _sqlite3_step(p: number): number;
  _sqlite3_reset(p: number): number;
  _sqlite3_column_count(p: number): number;
  _sqlite3_column_type(p: number, i: number): number;
  _sqlite3_column_double(p: number, i: number): number;
  _sqlite3_column_text(p: number, i: number): number;
  _sqlite3_sql(p: number): number;
  _sqlite3_bind_text(p: number, i: number, text: number, n: number, destructor: number): number;
  _free(p: number): void;
  stringToNewUTF8(s: string): number;
  UTF8ToString(p: number): string;
}

const SQLITE_ROW = 100;
/** `sqlite3_bind_text`'s destructor argument that makes SQLite copy the text before the call returns. */
const SQLITE_TRANSIENT = -1;
const SQLITE_DONE = 101;
const SQLITE_TEXT = 3;
const SQLITE_NULL = 5;

/**
 * Steps prepared statements through sql.js's exported C API, binding numbers with
 * `sqlite3_bind_double` and no `sqlite3_clear_bindings` (which `Statement.bind` calls and which
 * makes SQLite re-prepare statements whose parameters feed a join).
 */
export class RawApi {
  private constructor(
    private readonly c: SqliteC,
    private readonly field: string,
  ) {}

  /** Finds the statement-pointer field (a minified name) by asking SQLite for each candidate's SQL. */
  static detect(sql: SqlJsStatic, db: Database): RawApi | undefined {
    const c = sql as unknown as Partial<SqliteC>;
    if (
      typeof c._sqlite3_bind_double !== 'function' ||
      typeof c._sqlite3_bind_text !== 'function' ||
      typeof c.stringToNewUTF8 !== 'function' ||
      typeof c._free !== 'function' ||
      typeof c.UTF8ToString !== 'function'
    )
      return undefined;
    const probe = db.prepare('SELECT 1 AS raw_probe');
    try {
      for (const [k, v] of Object.entries(probe)) {
        if (typeof v !== 'number' || v <= 0) continue;
        try {
          if (c.UTF8ToString(c._sqlite3_sql!(v)) === 'SELECT 1 AS raw_probe')
            return new RawApi(c as SqliteC, k);
        } catch {
          // not a statement pointer
        }
      }
      return undefined;
    } finally {
      probe.free();
    }
  }

  /** The C pointer of a prepared statement (fixed for the statement's life). */
  ptr(st: Statement): number {
    return (st as unknown as Record<string, number>)[this.field]!;
  }

  /** `first` for two ids by statement pointer: the authorize hot path (no arrays, no lookups). */
  first2(p: number, a: number, b: number, count: number): number | null | undefined {
    const c = this.c;
    c._sqlite3_reset(p);
    if (count > 0) c._sqlite3_bind_double(p, 1, a);
    if (count > 1) c._sqlite3_bind_double(p, 2, b);
    const v = this.stepFirst(p, c._sqlite3_step(p));
    c._sqlite3_reset(p);
    return v;
  }

  /** After a step that returned `rc`: column 0 of the row as a number, null for no row or NULL, undefined on an error. */
  private stepFirst(p: number, rc: number): number | null | undefined {
    if (rc === SQLITE_ROW)
      return this.c._sqlite3_column_type(p, 0) === SQLITE_NULL ? null : this.c._sqlite3_column_double(p, 0);
    return rc === SQLITE_DONE ? null : undefined;
  }

  private bind(p: number, vals: readonly number[]): void {
    this.c._sqlite3_reset(p);
    for (let i = 0; i < vals.length; i++) this.c._sqlite3_bind_double(p, i + 1, vals[i]!);
  }

  /**
   * Binds and steps once, leaving the row for the statement's own `get` (blobs as bytes): true on a row,
   * false when there is none, undefined on an error. The caller resets with `reset`.
   */
  start(st: Statement, vals: readonly number[]): boolean | undefined {
    const p = this.ptr(st);
    this.bind(p, vals);
    const rc = this.c._sqlite3_step(p);
    return rc === SQLITE_ROW ? true : rc === SQLITE_DONE ? false : undefined;
  }

  /** Resets without clearing the bindings (`Statement.reset` clears them: the re-prepare trap). */
  reset(st: Statement): void {
    this.c._sqlite3_reset(this.ptr(st));
  }

  /** Runs to completion; false when SQLite reported an error (the caller retries via the API). */
  run(st: Statement, vals: readonly number[]): boolean {
    const p = this.ptr(st);
    this.bind(p, vals);
    const rc = this.c._sqlite3_step(p);
    this.c._sqlite3_reset(p);
    return rc === SQLITE_DONE || rc === SQLITE_ROW;
  }

  /** The first column of the first row as a number (null: no row), undefined on an error. */
  first(st: Statement, ids: readonly number[], count: number): number | null | undefined {
    const p = this.ptr(st);
    this.c._sqlite3_reset(p);
    for (let i = 0; i < count; i++) this.c._sqlite3_bind_double(p, i + 1, ids[i]!);
    const v = this.stepFirst(p, this.c._sqlite3_step(p));
    this.c._sqlite3_reset(p);
    return v;
  }

  /**
   * Binds `nums` to parameters 1..n and `text` to n+1, steps once and returns the row's first column as a
   * number: null when there is no row (or it is NULL), undefined on an error. Binding through `Statement.bind` would clear
   * the bindings first, which makes SQLite prepare a statement with a range on a parameter again on every
   * call (about 5 µs of each key lookup through `vals_fence`, measured at 1M).
   */
  firstWithText(st: Statement, nums: readonly number[], text: string): number | null | undefined {
    const p = this.ptr(st);
    const c = this.c;
    this.bind(p, nums);
    const s = c.stringToNewUTF8(text);
    const bound = c._sqlite3_bind_text(p, nums.length + 1, s, -1, SQLITE_TRANSIENT);
    c._free(s);
    const v = this.stepFirst(p, bound === 0 ? c._sqlite3_step(p) : bound);
    c._sqlite3_reset(p);
    return v;
  }

  /**
   * Binds up to two numbers, steps through the rows and hands each row's first two columns to `row` as
   * numbers (no row arrays). Returns the number of rows, stopping after `max + 1`; -1 on an error.
   */
  pairs2(
    p: number,
    a: number,
    b: number,
    count: number,
    max: number,
    row: (x: number, y: number) => void,
  ): number {
    const c = this.c;
    c._sqlite3_reset(p);
    if (count > 0) c._sqlite3_bind_double(p, 1, a);
    if (count > 1) c._sqlite3_bind_double(p, 2, b);
    let n = 0;
    try {
      for (;;) {
        const rc = c._sqlite3_step(p);
        if (rc === SQLITE_DONE) return n;
        if (rc !== SQLITE_ROW) return -1;
        row(c._sqlite3_column_double(p, 0), c._sqlite3_column_double(p, 1));
        if (++n > max) return n;
      }
    } finally {
      c._sqlite3_reset(p);
    }
  }

  /** Rows as arrays of numbers/strings/nulls, or undefined on an error. */
  rows(st: Statement, vals: readonly number[], max: number): SqlValue[][] | undefined {
    const p = this.ptr(st);
    this.bind(p, vals);
    const out: SqlValue[][] = [];
    const c = this.c;
    // the column count of a prepared statement is fixed
    const n = c._sqlite3_column_count(p);
    try {
      for (;;) {
        const rc = c._sqlite3_step(p);
        if (rc === SQLITE_DONE) return out;
        if (rc !== SQLITE_ROW) return undefined;
        const row: SqlValue[] = new Array(n);
        for (let i = 0; i < n; i++) {
          const t = c._sqlite3_column_type(p, i);
          row[i] =
            t === SQLITE_NULL
              ? null
              : t === SQLITE_TEXT
                ? c.UTF8ToString(c._sqlite3_column_text(p, i))
                : c._sqlite3_column_double(p, i);
        }
        out.push(row);
        if (out.length > max) return out;
      }
    } finally {
      c._sqlite3_reset(p);
    }
  }
}
