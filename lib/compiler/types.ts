import type { Rule, Value } from '../polar/ast.ts';

/** Bits of an id below its type code: `id = typeCode * TYPE_SPAN + seq`. */
export const TYPE_BITS = 24;
/**
 * Ids of one type are a range of this size. 2^24 keeps the ids of the first 127 types below 2^31, which
 * SQLite stores in 4 bytes (2^40 needed 6): fact tables and their indexes are a quarter smaller.
 */
export const TYPE_SPAN = 2 ** TYPE_BITS;

/** A stored table: per column the type codes it may hold (null: any), key column order, row count. */
export interface TableInfo {
  tbl: string;
  types: (number[] | null)[];
  key?: number[];
  rows?: number;
}

/**
 * A predicate stored as one table per constant of column `col` (format 3's `has_relation/3`): an atom
 * whose argument there is a constant reads its part (`other` when no part has it); any other atom reads
 * the predicate's own table, a view of all parts.
 */
export interface TableParts {
  col: number;
  byConst: ReadonlyMap<number, TableInfo>;
  other: TableInfo;
}

/** What the compiler needs to know about the stored data and the policy. */
export interface Catalog {
  /** Code of a type name (stable per database; unknown types get codes no stored value has). */
  typeCode(name: string): number;
  /** Interned id of a policy constant. */
  constId(v: Value): number;
  /**
   * The table of a stored predicate/arity, per column the type codes it may hold (null: any), its
   * primary key column order (default: column order) and its row count (default: unknown).
   */
  table(pred: string, arity: number): (TableInfo & { parts?: TableParts }) | undefined;
  /** Rules whose head is pred/arity. */
  rules(pred: string, arity: number): readonly Rule[];
  /**
   * The presence bit of a stored column when the database records, per value, whether the column holds
   * it (see `presence.ts`); undefined when it does not.
   */
  presenceBit?(tbl: string, col: number): number | undefined;
  /**
   * The presence bit every stored value has, when the values' bits carry it: a value without it is in no
   * stored fact, so a query reading any stored column at it is dropped. Undefined with context facts.
   */
  storedBit?(): number | undefined;
  /**
   * The presence bit of values with many rows (more than a few dozen) where some stored table's primary key
   * starts, when the values' bits carry it; undefined otherwise and with context facts.
   */
  heavyBit?(): number | undefined;
  /**
   * The type codes of which a stored column holds every stored value, when the database records it (see
   * `implied.ts`); undefined otherwise, and always with context facts.
   */
  total?(tbl: string, col: number): ReadonlySet<number> | undefined;
}

/** One argument of a query atom. */
export type QueryArg =
  /** A query variable (see `QueryShape.vars`). */
  | { kind: 'var'; name: string }
  /** A value bound at run time (its type is fixed by `QueryShape.params[slot]`). */
  | { kind: 'param'; slot: number }
  /** A value known at compile time. */
  | { kind: 'const'; value: Value };

/** A conjunctive query over predicates: what authorize/list/actions/evaluate_query/tests ask. */
export interface QueryShape {
  atoms: { pred: string; args: QueryArg[] }[];
  /** Variable -> allowed concrete types (null: any), and an optional id-set parameter slot. */
  vars: Record<string, { types: string[] | null; set?: number }>;
  /** Parameter slot -> type name of the value bound at run time. */
  params: string[];
  /** Variables whose values are returned, in column order (`o0`, `o1`, ...). */
  outputs: string[];
}

/** How one `?N` is bound at run time. */
export type ParamRef =
  /** The interned id of request parameter `slot`. */
  | { kind: 'id'; slot: number }
  /** The integer value (decimal text) of request parameter `slot`. */
  | { kind: 'num'; slot: number }
  /** The canonical key text of request parameter `slot`. */
  | { kind: 'key'; slot: number }
  /** A JSON array of the interned ids of the id-set parameter `slot`. */
  | { kind: 'ids'; slot: number }
  /** `@current_unix_time`, from the engine's clock. */
  | { kind: 'now' }
  /** A policy string constant (string comparisons). */
  | { kind: 'text'; value: string }
  /** A policy integer constant (decimal text). */
  | { kind: 'int'; value: string }
  /** Extra parameter `index` supplied by the caller (pagination and the like). */
  | { kind: 'extra'; index: number };

/** Compiler output, kysely style: SQL text plus how to bind its parameters. */
export interface CompiledSql {
  sql: string;
  params: ParamRef[];
}

/** A group of recursive relations computed by naive iteration before the main statement. */
export interface FixpointGroup {
  /** Statements emptying the group's TEMP tables. */
  reset: string[];
  /** INSERT OR IGNORE statements; repeated until a full round inserts nothing. */
  steps: string[];
  /** True when the group is recursive (otherwise one round is enough). */
  recursive: boolean;
}

/** A compiled query. Every statement (main and fixpoint steps) binds the same `params` as `?1..?N`. */
export interface CompiledQuery {
  /** The WITH clause of the recursive CTEs, possibly empty. */
  with: string;
  /** exists mode: a boolean expression; rows mode: a compound SELECT with columns o0..oN-1. */
  body: string;
  /** Expressions reading the caller's extra parameters, in order. */
  extra: string[];
  params: ParamRef[];
  /** TEMP tables to create once (naive fixpoint mode). */
  tempDdl: string[];
  fixpoint: FixpointGroup[];
  /** Number of conjunctive queries generated (after pruning). */
  cqCount: number;
  /**
   * Per parameter slot, the presence bits of the tracked columns the queries read at its value (0: none);
   * a compile with `CompileOptions.present` then only depends on these bits of each value.
   */
  presence: number[];
  /**
   * True when some wildcard had to range over the known values (a negation or comparison tests
   * it): "*" is then only right if every known value qualifies too.
   */
  enumerates: boolean;
  /** Output columns that may hold wildcard encodings. */
  wildOutputs: boolean[];
  /**
   * Rows mode: when every conjunctive query outputs constants only, the distinct output rows (ids). A
   * caller may then ask, per row, the cheaper yes/no question with those constants in place.
   */
  constOutputs?: number[][];
  /**
   * Rows mode with constant outputs, when it saves arms: a UNION ALL whose arm `g` returns rows `(g, k)`;
   * `outputs[g].get(k)` are the output rows (ids) such a row proves. Binds the same parameters as `body`.
   */
  keyed?: {
    body: string;
    outputs: Map<number, number[][]>[];
    /**
     * Set when some queries (those reading a CTE) are not in `body`: they are in `residual.body` (same
     * row shape, arm numbers after `body`'s), which can only return rows when `residual.test` (a yes/no
     * test of the parameters) holds.
     */
    residual?: { test: string; body: string };
  };
}

/** Compiler options. */
export interface CompileOptions {
  /** `exists` for yes/no questions, `rows` for distinct output rows. */
  mode: 'exists' | 'rows';
  /** Maximum conjunctive queries before giving up with `query-too-expensive`. Default 4096. */
  maxCqs?: number;
  /** Number of extra caller parameters to reserve. Default 0. */
  extraParams?: number;
  /** Evaluate every recursive relation by naive iteration over TEMP tables (no CTEs). Default false. */
  forceNaive?: boolean;
  /**
   * Recursive call patterns found by earlier compiles against the same policy; read and extended
   * (saves restarts). Default: a fresh map.
   */
  recursivePatterns?: Map<string, unknown>;
  /**
   * Rows mode: the answer is read in order of its first column (pages); plan for that. The arms are joined
   * with UNION ALL (a merge that also drops duplicates cost a third of a 10,000-id page): the reader drops
   * repeats, which are adjacent in that order. Default false.
   */
  ordered?: boolean;
  /** Prefix for TEMP table names (unique per compiled query in one connection). Default `q`. */
  tempPrefix?: string;
  /**
   * Per parameter slot, the presence bits of the value it will be bound to: queries that read a tracked
   * column the value is not in are dropped (`Catalog.presenceBit`). Only for data without context
   * facts. Default: no pruning.
   */
  present?: readonly number[];
}
