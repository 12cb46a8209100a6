import type { Database } from 'sql.js';
import { TYPE_SPAN } from '../compiler/index.ts';
import { DomainError } from '../errors.ts';
import type { Policy } from '../polar/ast.ts';

/** Ids carry their type in the high bits: `id = typeCode * TYPE_SPAN + seq` (see the compiler). */
export { TYPE_SPAN };
/** Type codes stay below this so every id is a safe JS integer (< 2^53). */
export const MAX_TYPE_CODE = 8191;
/** The top of each type's id range is for temporary ids (request values and unknown constants). */
export const TEMP_IDS = 2 ** 20;
/** The most stored values one type can have. */
export const MAX_VALUES_PER_TYPE = TYPE_SPAN - TEMP_IDS - 1;
/** Fixed codes of the primitive types. */
export const PRIMITIVE_CODES: Readonly<Record<string, number>> = { String: 1, Integer: 2, Boolean: 3 };
/** The most columns `presence` tracks: with STORED_BIT, bits stay below 2^16, so an id and its bits fit one safe integer. */
export const MAX_PRESENCE_COLUMNS = 15;
/**
 * The presence bit every stored value has (a value of `vals`): a value no stored fact can hold reads no
 * fact table row, so without context facts the queries that read one at it are dropped. Above the bits of
 * the tracked columns; `id + bits * ID_LIMIT` stays below 2^53.
 */
export const STORED_BIT = MAX_PRESENCE_COLUMNS;
/** An id and its presence bits in one number: `id + bits * ID_LIMIT` (every id is below it). */
export const ID_LIMIT = (MAX_TYPE_CODE + 1) * TYPE_SPAN;
/** Codes up to this one are primitive types. */
export const PRIMITIVE_MAX = 3;

/** The SQL table name of a stored predicate/arity (we generate it, so it is safe to inline). */
export function factTable(pred: string, arity: number): string {
  return `f_${pred.replace(/[^A-Za-z0-9_]/g, '_')}_${arity}`;
}

/** Column name of argument `i` in every fact table. */
export function col(i: number): string {
  return `a${i}`;
}

/** The DDL of everything but the fact tables. */
export const BASE_SCHEMA = `
CREATE TABLE types(code INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
CREATE TABLE vals(id INTEGER PRIMARY KEY, key TEXT NOT NULL, num INTEGER);
CREATE TABLE preds(name TEXT NOT NULL, arity INTEGER NOT NULL, tbl TEXT NOT NULL, types TEXT NOT NULL,
  PRIMARY KEY(name, arity)) WITHOUT ROWID;
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
`;

/**
 * The primary key order of a fact table: columns the policy names by String constant (a role, a relation)
 * go last, so a check that knows the other columns seeks once and filters a few rows with `+col IN (...)`
 * instead of seeking once per constant.
 */
export function keyOrder(arity: number, constantCols: ReadonlySet<number>): number[] {
  const all = Array.from({ length: arity }, (_, i) => i);
  if (constantCols.size === 0 || constantCols.size >= arity) return all;
  return [...all.filter((i) => !constantCols.has(i)), ...all.filter((i) => constantCols.has(i))];
}

/** DDL of one fact table (primary key over all columns, in `order`; default: column order). */
export function factTableDdl(tbl: string, arity: number, order?: readonly number[]): string {
  const cols = Array.from({ length: arity }, (_, i) => `${col(i)} INTEGER NOT NULL`).join(', ');
  const pk = (order ?? Array.from({ length: arity }, (_, i) => i)).map(col).join(', ');
  return `CREATE TABLE ${tbl}(${cols}, PRIMARY KEY(${pk})) WITHOUT ROWID`;
}

/** The primary key column order of a fact table from its DDL (column order when it cannot be read). */
export function parseKeyOrder(ddl: string, arity: number): number[] {
  const m = /PRIMARY KEY\s*\(([^)]*)\)/i.exec(ddl);
  const order = (m?.[1] ?? '').split(',').map((c) => Number(/^\s*a(\d+)\s*$/.exec(c)?.[1] ?? Number.NaN));
  const ok =
    order.length === arity && new Set(order).size === arity && order.every((i) => i >= 0 && i < arity);
  return ok ? order : Array.from({ length: arity }, (_, i) => i);
}

/** The reverse covering index of a fact table (arity >= 2), created after loading. */
export function factIndexDdl(tbl: string, arity: number): string | undefined {
  if (arity < 2) return undefined;
  const rev = Array.from({ length: arity }, (_, i) => col(arity - 1 - i)).join(', ');
  return `CREATE INDEX ${tbl}_rev ON ${tbl}(${rev})`;
}

/** One stored predicate/arity as read from `preds`. */
export interface PredInfo {
  name: string;
  arity: number;
  tbl: string;
  /** Per column: the type codes seen in stored facts. */
  types: number[][];
  /** Primary key column order. */
  key: number[];
  /** Rows, as ANALYZE counted them (0 when not analyzed). */
  rows: number;
}

/** Rows per table, as ANALYZE counted them (none when not analyzed). */
function tableRows(db: Database): Map<string, number> {
  const rows = new Map<string, number>();
  try {
    for (const row of db.exec('SELECT tbl, stat FROM sqlite_stat1')[0]?.values ?? []) {
      const n = Number(String(row[1]).split(' ')[0]);
      rows.set(String(row[0]), Math.max(rows.get(String(row[0])) ?? 0, Number.isFinite(n) ? n : 0));
    }
  } catch {
    // not analyzed: no counts
  }
  return rows;
}

/** Reads the `preds` table. */
export function readPreds(db: Database): PredInfo[] {
  const out: PredInfo[] = [];
  const ddl = new Map<string, string>();
  for (const row of db.exec("SELECT name, sql FROM sqlite_schema WHERE type = 'table'")[0]?.values ?? [])
    ddl.set(String(row[0]), String(row[1]));
  const rows = tableRows(db);
  const res = db.exec('SELECT name, arity, tbl, types FROM preds ORDER BY name, arity');
  for (const row of res[0]?.values ?? []) {
    const arity = Number(row[1]);
    const tbl = String(row[2]);
    out.push({
      name: String(row[0]),
      arity,
      tbl,
      types: JSON.parse(String(row[3])) as number[][],
      key: parseKeyOrder(ddl.get(tbl) ?? '', arity),
      rows: rows.get(tbl) ?? 0,
    });
  }
  return out;
}

/**
 * The columns `presence` tracks, by table then column: the bit of each. Empty for a database without them
 * (built before they existed).
 */
export function readPresence(db: Database): Map<string, Map<number, number>> {
  const out = new Map<string, Map<number, number>>();
  const raw = readPresenceMeta(db, 'presence');
  if (raw === undefined) return out;
  const cols = JSON.parse(raw) as [string, number][];
  if (!Array.isArray(cols)) return out;
  cols.forEach(([tbl, c], bit) => {
    if (typeof tbl !== 'string' || !Number.isInteger(c) || bit >= MAX_PRESENCE_COLUMNS) return;
    const m = out.get(tbl) ?? new Map<number, number>();
    m.set(c, bit);
    out.set(tbl, m);
  });
  return out;
}

/**
 * The presence bit of heavy values (`meta.heavy`, see `writeHeavy` in `build.ts`); undefined for a database
 * that does not record it.
 */
export function readHeavy(db: Database): number | undefined {
  const raw = readPresenceMeta(db, 'heavy');
  const bit = raw === undefined ? Number.NaN : Number(raw);
  return Number.isInteger(bit) && bit >= 0 && bit < MAX_PRESENCE_COLUMNS ? bit : undefined;
}

/** A `meta` entry about table `presence`, when the database has that table. */
function readPresenceMeta(db: Database, key: string): string | undefined {
  return hasTable(db, 'presence') ? readMeta(db, key) : undefined;
}

/** Whether the database has a table of this name (optional parts of the format). */
export function hasTable(db: Database, name: string): boolean {
  return db.exec("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?", [name]).length > 0;
}

/** One part of a split predicate: its table, per column the type codes seen, rows as ANALYZE counted. */
export interface PartInfo {
  tbl: string;
  types: number[][];
  rows: number;
}

/** A split predicate's parts (`meta.parts`, format 3), by the table name of the predicate (a view). */
export interface SplitInfo {
  col: number;
  byConst: Map<number, PartInfo>;
  other: PartInfo;
}

/**
 * Reads `meta.totals`: table -> column -> the type codes of which it holds every stored value. Empty for
 * a database built before it was recorded.
 */
export function readTotals(db: Database): Map<string, Map<number, Set<number>>> {
  const out = new Map<string, Map<number, Set<number>>>();
  let rows: unknown;
  try {
    rows = JSON.parse(readMeta(db, 'totals') ?? '[]');
  } catch {
    return out; // only an optimization: without it every atom is read
  }
  if (!Array.isArray(rows)) return out;
  for (const r of rows as unknown[]) {
    if (!Array.isArray(r) || r.length !== 3) continue;
    const [tbl, c, code] = r as unknown[];
    if (typeof tbl !== 'string' || !Number.isInteger(c) || !Number.isInteger(code)) continue;
    const cols = out.get(tbl) ?? new Map<number, Set<number>>();
    const codes = cols.get(c as number) ?? new Set<number>();
    codes.add(code as number);
    cols.set(c as number, codes);
    out.set(tbl, cols);
  }
  return out;
}

/** Reads `meta.parts`: empty for a database that stores every predicate in one table. */
export function readParts(db: Database): Map<string, SplitInfo> {
  const out = new Map<string, SplitInfo>();
  const raw = readMeta(db, 'parts');
  if (raw === undefined) return out;
  const rows = tableRows(db);
  const spec = JSON.parse(raw) as Record<
    string,
    { col: number; parts: [number, string, number[][]][]; other: string }
  >;
  for (const [tbl, sp] of Object.entries(spec)) {
    const byConst = new Map<number, PartInfo>();
    for (const [id, part, types] of sp.parts)
      byConst.set(id, { tbl: part, types, rows: rows.get(part) ?? 0 });
    // the part for names no stored fact has holds context facts only: any type may come
    const arity = sp.parts[0]?.[2].length ?? 3;
    const other = { tbl: sp.other, types: Array.from({ length: arity }, () => []), rows: 0 };
    out.set(tbl, { col: sp.col, byConst, other });
  }
  return out;
}

/** Reads the `types` table as name -> code. */
export function readTypes(db: Database): Map<string, number> {
  const out = new Map<string, number>();
  for (const row of db.exec('SELECT code, name FROM types')[0]?.values ?? [])
    out.set(String(row[1]), Number(row[0]));
  return out;
}

/** Writes one `meta` entry (insert or replace). */
export function writeMeta(db: Database, key: string, value: string): void {
  db.run('INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)', [key, value]);
}

/** Reads one `meta` entry, or undefined. */
export function readMeta(db: Database, key: string): string | undefined {
  const st = db.prepare('SELECT value FROM meta WHERE key = ?');
  try {
    st.bind([key]);
    return st.step() ? String(st.get()[0]) : undefined;
  } finally {
    st.free();
  }
}

/** The policy sources stored in a snapshot by `buildDatabase`. */
export function readPolicySources(db: Database): Policy['sources'] {
  const raw = readMeta(db, 'policy_sources');
  if (raw === undefined) throw new DomainError('snapshot-corrupt', 'snapshot has no policy_sources');
  return JSON.parse(raw) as Policy['sources'];
}
