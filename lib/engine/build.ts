import type { Database, SqlJsStatic, Statement } from 'sql.js';
import { DomainError } from '../errors.ts';
import type { Fact, Literal, Policy, Term, Value } from '../polar/ast.ts';
import { canonicalKey } from './intern.ts';
import {
  BASE_SCHEMA,
  col,
  factIndexDdl,
  factTable,
  factTableDdl,
  keyOrder,
  MAX_PRESENCE_COLUMNS,
  MAX_TYPE_CODE,
  MAX_VALUES_PER_TYPE,
  PRIMITIVE_CODES,
  PRIMITIVE_MAX,
  TYPE_SPAN,
  writeMeta,
} from './schema.ts';

/**
 * Snapshot schema version written to `meta.format`. 4: as 3, with each type's ids in key order and table
 * `vals_fence` instead of an index on `vals.key` (see `orderValues`). 3: `has_relation/3` is stored as one
 * table per relation name behind a view of the old name (see `splitRelations`). 2: one table per
 * predicate.
 */
export const DB_FORMAT = '4';
/** Formats this build serves (a database of format 2 or 3 is read as it was written). */
export const READABLE_DB_FORMATS: readonly string[] = ['2', '3', '4'];
/**
 * Optional parts of the format this build writes (sorted): `heavy` (`meta.heavy`, a bit of `presence`),
 * `presence` (table `presence`, `meta.presence`) and `totals` (`meta.totals`). A reader that lacks one
 * serves the database without it; one that finds it missing does too.
 */
export const DB_FEATURES: readonly string[] = ['heavy', 'presence', 'totals'];

interface TableState {
  tbl: string;
  arity: number;
  insert: Statement;
  types: Set<number>[];
}

function atomsOf(policy: Policy): { pred: string; arity: number; terms: Term[] }[] {
  const out: { pred: string; arity: number; terms: Term[] }[] = [];
  for (const r of policy.rules) {
    out.push({ pred: r.head.pred, arity: r.head.args.length, terms: r.head.args });
    for (const l of r.body) out.push(...literalAtoms(l));
  }
  return out;
}

function literalAtoms(l: Literal): { pred: string; arity: number; terms: Term[] }[] {
  switch (l.kind) {
    case 'call':
    case 'not':
      return [{ pred: l.atom.pred, arity: l.atom.args.length, terms: l.atom.args }];
    case 'cmp':
      return [{ pred: '', arity: -1, terms: [l.left, l.right] }];
    case 'in':
      return [{ pred: '', arity: -1, terms: [l.left, ...l.list] }];
    case 'isa':
      return [];
    default: {
      const never: never = l;
      throw new Error(`unknown literal ${JSON.stringify(never)}`);
    }
  }
}

/**
 * Builds a snapshot database: schema, interned facts (the policy's own facts included), indexes,
 * ANALYZE and `meta.policy_sources`. Everything happens in one transaction with journal_mode=MEMORY.
 */
/** Options of `buildDatabase`. */
export interface BuildOptions {
  /** Store `has_relation/3` as one table per relation name (format 3). Default true; false writes format 2. */
  splitRelations?: boolean;
}

export function buildDatabase(
  sql: SqlJsStatic,
  policy: Policy,
  facts: Iterable<Fact>,
  options: BuildOptions = {},
): Database {
  const db = new sql.Database();
  try {
    db.exec('PRAGMA journal_mode=MEMORY');
    db.exec(BASE_SCHEMA);
    db.exec('BEGIN');
    const types = new Map<string, number>(Object.entries(PRIMITIVE_CODES));
    const codeOf = (name: string): number => {
      let c = types.get(name);
      if (c === undefined) {
        c = types.size + 1;
        if (c > MAX_TYPE_CODE) throw new DomainError('bad-request', `too many types (${c})`);
        types.set(name, c);
      }
      return c;
    };
    for (const t of policy.types) codeOf(t.name);

    const ids = new Map<string, number>();
    const seq = new Map<number, number>();
    const insVal = db.prepare('INSERT INTO vals(id, key) VALUES (?, ?)');
    const intern = (v: Value): number => {
      const key = canonicalKey(v);
      const code = codeOf(v.type);
      const k = `${code}\u0000${key}`;
      let id = ids.get(k);
      if (id === undefined) {
        const n = (seq.get(code) ?? 0) + 1;
        if (n > MAX_VALUES_PER_TYPE)
          throw new DomainError(
            'bad-request',
            `too many distinct values of type ${v.type} (> ${MAX_VALUES_PER_TYPE})`,
          );
        seq.set(code, n);
        id = code * TYPE_SPAN + n;
        ids.set(k, id);
        insVal.run([id, key]);
      }
      return id;
    };

    // columns the policy names by String constant (roles, relations): last in the primary key
    const constantCols = new Map<string, Set<number>>();
    for (const a of atomsOf(policy)) {
      if (a.arity < 1) continue;
      a.terms.forEach((t, i) => {
        if (t.kind !== 'value' || t.value.type !== 'String') return;
        const k = `${a.pred}/${a.arity}`;
        constantCols.set(k, (constantCols.get(k) ?? new Set()).add(i));
      });
    }
    const tables = new Map<string, TableState>();
    const usedTables = new Set<string>();
    const tableFor = (pred: string, arity: number): TableState | undefined => {
      if (arity < 1) return undefined;
      const k = `${pred}/${arity}`;
      let t = tables.get(k);
      if (t === undefined) {
        // sanitizing can map two predicate names to one table name: number the later ones
        let tbl = factTable(pred, arity);
        if (usedTables.has(tbl)) tbl = `${tbl}_${usedTables.size}`;
        usedTables.add(tbl);
        db.exec(factTableDdl(tbl, arity, keyOrder(arity, constantCols.get(k) ?? new Set())));
        const ph = Array.from({ length: arity }, () => '?').join(', ');
        const insert = db.prepare(`INSERT OR IGNORE INTO ${tbl} VALUES (${ph})`);
        t = { tbl, arity, insert, types: Array.from({ length: arity }, () => new Set<number>()) };
        tables.set(k, t);
        db.run('INSERT INTO preds(name, arity, tbl, types) VALUES (?, ?, ?, ?)', [pred, arity, tbl, '[]']);
      }
      return t;
    };
    for (const s of policy.signatures) tableFor(s.predicate, s.argTypes.length);
    for (const a of atomsOf(policy)) {
      if (a.arity >= 0) tableFor(a.pred, a.arity);
      for (const t of a.terms) if (t.kind === 'value') intern(t.value);
    }

    let count = 0;
    const add = (f: Fact): void => {
      if (typeof f?.predicate !== 'string' || !Array.isArray(f.args) || f.args.length === 0) {
        throw new DomainError('bad-request', `malformed fact ${JSON.stringify(f)}`);
      }
      const t = tableFor(f.predicate, f.args.length)!;
      const row = f.args.map((v, i) => {
        const id = intern(v);
        t.types[i]!.add(Math.floor(id / TYPE_SPAN));
        return id;
      });
      t.insert.run(row);
      count += db.getRowsModified();
    };
    for (const f of policy.facts) add(f);
    for (const f of facts) add(f);
    insVal.free();

    // the format of this build orders each type's ids by key (see `orderValues`); format 2 keeps the key index
    const legacy = options.splitRelations === false;
    let named = policyConstants(policy, 'has_relation', 3, 1).map(intern);
    if (!legacy) named = orderValues(db, [...tables.values()], named);
    db.run('UPDATE vals SET num = CAST(key AS INTEGER) WHERE id BETWEEN ? AND ?', [
      2 * TYPE_SPAN,
      3 * TYPE_SPAN - 1,
    ]);
    // (format 2: every entry of the key index ends with the rowid, which is the id)
    if (legacy) db.exec('CREATE INDEX vals_key ON vals(key)');
    else writeFences(db);
    const setTypes = db.prepare('UPDATE preds SET types = ? WHERE tbl = ?');
    const relations = tables.get('has_relation/3');
    const split = !legacy && relations !== undefined ? splitRelations(db, relations, named) : undefined;
    for (const t of tables.values()) {
      t.insert.free();
      const idx = factIndexDdl(t.tbl, t.arity);
      if (idx !== undefined && t !== split?.table) db.exec(idx);
      setTypes.run([JSON.stringify(t.types.map((s) => [...s].sort((a, b) => a - b))), t.tbl]);
    }
    setTypes.free();
    const stored = [...[...tables.values()].filter((t) => t !== split?.table), ...(split?.parts ?? [])];
    writePresence(db, stored);
    writeTotals(db, stored);
    const insType = db.prepare('INSERT INTO types(code, name) VALUES (?, ?)');
    for (const [name, code] of types) insType.run([code, name]);
    insType.free();
    writeMeta(db, 'policy_sources', JSON.stringify(policy.sources));
    writeMeta(db, 'fact_count', String(count));
    writeMeta(db, 'format', legacy ? '2' : DB_FORMAT);
    db.exec('COMMIT');
    db.exec('ANALYZE');
    // facts arrive in any order, so B-tree pages are part empty: rebuilding packs them (-6% at 1M facts)
    db.exec('VACUUM');
    return db;
  } catch (e) {
    db.close();
    throw e;
  }
}

/**
 * Records, per stored value, which sparse columns of entity type hold it: table `presence(id, bits)` has a
 * row for each value in at least one, and `meta.presence` lists the columns (bit i: entry i). A column is
 * tracked when it holds at most half the values of its types (a ban list, the global roles, group
 * members, public flags), the sparsest first. The engine then drops, per request, the queries that read
 * such a column at a value that is not there (`lib/compiler/presence.ts`).
 */
function writePresence(db: Database, tables: TableState[]): void {
  const candidates: { tbl: string; col: number; ratio: number }[] = [];
  for (const t of tables) {
    for (let i = 0; i < t.arity; i++) {
      const codes = [...t.types[i]!];
      if (codes.length === 0 || codes.every((c) => c <= PRIMITIVE_MAX)) continue;
      let values = 0;
      for (const c of codes)
        values += Number(
          db.exec('SELECT count(*) FROM vals WHERE id BETWEEN ? AND ?', [
            c * TYPE_SPAN,
            (c + 1) * TYPE_SPAN - 1,
          ])[0]?.values[0]?.[0] ?? 0,
        );
      const distinct = Number(
        db.exec(`SELECT count(DISTINCT ${col(i)}) FROM ${t.tbl}`)[0]?.values[0]?.[0] ?? 0,
      );
      if (values > 0 && distinct * 2 <= values)
        candidates.push({ tbl: t.tbl, col: i, ratio: distinct / values });
    }
  }
  const tracked = candidates.sort((a, b) => a.ratio - b.ratio).slice(0, MAX_PRESENCE_COLUMNS);
  db.exec('CREATE TABLE presence(id INTEGER PRIMARY KEY, bits INTEGER NOT NULL)');
  tracked.forEach((c, b) => {
    db.exec(
      `INSERT INTO presence(id, bits) SELECT DISTINCT ${col(c.col)}, ${1 << b} FROM ${c.tbl} WHERE true
       ON CONFLICT(id) DO UPDATE SET bits = bits | excluded.bits`,
    );
  });
  writeMeta(db, 'presence', JSON.stringify(tracked.map((c) => [c.tbl, c.col])));
  if (tracked.length < MAX_PRESENCE_COLUMNS) writeHeavy(db, tables, tracked.length);
}

/** A value with more rows than this where a fact table's primary key starts is "heavy" (see `writeHeavy`). */
export const HEAVY_ROWS = 32;

/**
 * Sets presence bit `bit` (`meta.heavy`) on every value that has more than HEAVY_ROWS rows in the leading
 * primary key column of some fact table: a service account holding roles on thousands of repositories.
 * The compiler reads all of a light value's rows in one scan where it would otherwise seek them twice
 * (`lib/compiler/join.ts`); a heavy value keeps its seeks.
 */
function writeHeavy(db: Database, tables: TableState[], bit: number): void {
  for (const t of tables) {
    if (t.arity < 2) continue;
    const lead = indexLeads(db, t.tbl).find((l) => l.pk)?.col;
    if (lead === undefined || [...t.types[lead]!].every((c) => c <= PRIMITIVE_MAX)) continue;
    db.exec(
      `INSERT INTO presence(id, bits) SELECT ${col(lead)}, ${1 << bit} FROM ${t.tbl} GROUP BY ${col(lead)}
       HAVING count(*) > ${HEAVY_ROWS} ON CONFLICT(id) DO UPDATE SET bits = bits | excluded.bits`,
    );
  }
  writeMeta(db, 'heavy', String(bit));
}

/** The first column of each index of a table, and whether that index is the primary key. */
function indexLeads(db: Database, tbl: string): { col: number; pk: boolean }[] {
  const rows = db.exec(
    "SELECT ii.cid, il.origin = 'pk' FROM pragma_index_list(?) il, pragma_index_info(il.name) ii WHERE ii.seqno = 0",
    [tbl],
  )[0]?.values;
  return (rows ?? []).map((r) => ({ col: Number(r[0]), pk: Number(r[1]) === 1 }));
}

/**
 * Records the columns that hold every stored value of an entity type: `meta.totals` lists `[table, column,
 * type code]`. A query atom that only asks whether such a column has a row for a value another stored
 * column gave it always holds, and the compiler drops it (`lib/compiler/implied.ts`): every Repository an
 * issue names has an organization, so a global admin's issues need no organization read per issue. Only
 * columns that lead an index are checked: one seek per value of the type, stopping at the first missing.
 */
function writeTotals(db: Database, tables: TableState[]): void {
  const out: [string, number, number][] = [];
  for (const t of tables) {
    const leads = new Set(indexLeads(db, t.tbl).map((l) => l.col));
    for (const i of leads) {
      for (const code of t.types[i] ?? []) {
        if (code <= PRIMITIVE_MAX) continue;
        const missing = db.exec(
          `SELECT 1 FROM vals v WHERE v.id BETWEEN ? AND ? AND NOT EXISTS (SELECT 1 FROM ${t.tbl} WHERE ${col(i)} = v.id) LIMIT 1`,
          [code * TYPE_SPAN + 1, (code + 1) * TYPE_SPAN - 1],
        );
        if (missing.length === 0) out.push([t.tbl, i, code]);
      }
    }
  }
  writeMeta(db, 'totals', JSON.stringify(out));
}

/** The String constants the policy names at column `col` of pred/arity (its rules and its facts). */
function policyConstants(policy: Policy, pred: string, arity: number, col: number): Value[] {
  const out: Value[] = [];
  for (const a of atomsOf(policy)) {
    const t = a.pred === pred && a.arity === arity ? a.terms[col] : undefined;
    if (t?.kind === 'value' && t.value.type === 'String') out.push(t.value);
  }
  for (const f of policy.facts) {
    const v = f.predicate === pred && f.args.length === arity ? f.args[col] : undefined;
    if (v?.type === 'String') out.push(v);
  }
  return out;
}

const STRING_CODE = PRIMITIVE_CODES.String!;

/** One value in this many of each type is a fence (`vals_fence`): a lookup by key reads at most this many rows. */
export const FENCE_STRIDE = 32;

/**
 * Renumbers every stored value so that each type's ids follow the order of its keys (SQLite's binary
 * collation), rewriting `vals` and every fact table; returns `ids` renumbered. Ids were handed out in the
 * order facts arrived. In key order, a few "fence" keys (`writeFences`) find any value's id, so the image
 * needs no index on `vals.key`: a second copy of every key, 8.6 of the 46.8 MiB of the 1M-fact GitHub-like
 * image.
 */
function orderValues(db: Database, tables: TableState[], ids: number[]): number[] {
  db.exec('CREATE TEMP TABLE idmap(old INTEGER PRIMARY KEY, new INTEGER NOT NULL)');
  db.exec(
    `INSERT INTO idmap(old, new) SELECT id, (id / ${TYPE_SPAN}) * ${TYPE_SPAN} + ` +
      `row_number() OVER (PARTITION BY id / ${TYPE_SPAN} ORDER BY key) FROM vals`,
  );
  const renumber = (t: TableState) => {
    const cols = colList(t.arity);
    const sel = Array.from(
      { length: t.arity },
      (_, i) => `(SELECT new FROM idmap WHERE old = ${col(i)}) AS ${col(i)}`,
    );
    db.exec(`CREATE TEMP TABLE renumbered AS SELECT ${sel.join(', ')} FROM ${t.tbl}`);
    db.exec(`DELETE FROM ${t.tbl}`);
    db.exec(`INSERT INTO ${t.tbl}(${cols}) SELECT ${cols} FROM renumbered ORDER BY 1`);
    db.exec('DROP TABLE renumbered');
  };
  db.exec(
    'CREATE TEMP TABLE renumbered_vals AS SELECT m.new AS id, v.key AS key FROM vals v JOIN idmap m ON m.old = v.id',
  );
  db.exec('DELETE FROM vals');
  db.exec('INSERT INTO vals(id, key) SELECT id, key FROM renumbered_vals ORDER BY id');
  db.exec('DROP TABLE renumbered_vals');
  for (const t of tables) renumber(t);
  const find = db.prepare('SELECT new FROM idmap WHERE old = ?');
  const out = ids.map((id) => {
    find.bind([id]);
    const n = find.step() ? Number(find.get()[0]) : id;
    find.reset();
    return n;
  });
  find.free();
  db.exec('DROP TABLE idmap');
  return out;
}

/**
 * Table `vals_fence`: every FENCE_STRIDE-th value of each type in key order (ids `orderValues` gave), with
 * the last id of its block. The interner finds a key's fence, the greatest one not above it, then reads
 * only that block of `vals` (`Interner.entry`).
 */
function writeFences(db: Database): void {
  db.exec(
    'CREATE TABLE vals_fence(code INTEGER NOT NULL, key TEXT NOT NULL, id INTEGER NOT NULL, last INTEGER NOT NULL, ' +
      'PRIMARY KEY(code, key)) WITHOUT ROWID',
  );
  db.exec(
    `INSERT INTO vals_fence(code, key, id, last) SELECT v.id / ${TYPE_SPAN}, v.key, v.id, ` +
      `(SELECT max(w.id) FROM vals w WHERE w.id BETWEEN v.id AND v.id + ${FENCE_STRIDE - 1}) ` +
      `FROM vals v WHERE (v.id % ${TYPE_SPAN} - 1) % ${FENCE_STRIDE} = 0`,
  );
}

/** The most relation names `has_relation/3` is split into. */
const MAX_SPLIT_PARTS = 64;

/**
 * Format 3: moves the loaded `has_relation/3` rows into one table per relation name, `<tbl>__<k>(a0, a2)`
 * with `a1` a VIRTUAL generated column holding the name's id (stored nowhere: a quarter of every row and
 * index entry of the largest table, 7.4 MiB of the 1M-fact GitHub-like image), plus `<tbl>__x`, a plain
 * table for context facts naming a relation no part has. `<tbl>` becomes a UNION ALL view of them with an
 * INSTEAD OF INSERT trigger that routes rows by name, so readers of the view (context facts, `getFacts`,
 * a query whose relation is not a constant) see one relation as before; queries that name the relation
 * read its part (`meta.parts`, the catalog). Kept as one table when a relation is not a String or there
 * are more than MAX_SPLIT_PARTS names.
 */
function splitRelations(
  db: Database,
  t: TableState,
  named: number[],
): { table: TableState; parts: TableState[] } | undefined {
  if ([...t.types[1]!].some((c) => c !== STRING_CODE)) return undefined;
  const stored = (db.exec(`SELECT DISTINCT a1 FROM ${t.tbl}`)[0]?.values ?? []).map((r) => Number(r[0]));
  const ids = [...new Set([...stored, ...named])].sort((a, b) => a - b);
  if (ids.length > MAX_SPLIT_PARTS) return undefined;
  const staging = `${t.tbl}__load`;
  db.exec(`ALTER TABLE ${t.tbl} RENAME TO ${staging}`);
  const parts: TableState[] = [];
  const meta: [number, string, number[][]][] = [];
  ids.forEach((id, k) => {
    const tbl = `${t.tbl}__${k}`;
    db.exec(
      `CREATE TABLE ${tbl}(a0 INTEGER NOT NULL, a1 INTEGER GENERATED ALWAYS AS (${id}) VIRTUAL, ` +
        'a2 INTEGER NOT NULL, PRIMARY KEY(a0, a2)) WITHOUT ROWID',
    );
    db.exec(`INSERT INTO ${tbl}(a0, a2) SELECT a0, a2 FROM ${staging} WHERE a1 = ${id} ORDER BY a0, a2`);
    db.exec(`CREATE INDEX ${tbl}_rev ON ${tbl}(a2, a0)`);
    const codes = (c: string) =>
      new Set(
        (db.exec(`SELECT DISTINCT ${c} / ${TYPE_SPAN} FROM ${tbl}`)[0]?.values ?? []).map((r) =>
          Number(r[0]),
        ),
      );
    const types = [codes('a0'), new Set([STRING_CODE]), codes('a2')];
    parts.push({ tbl, arity: 3, insert: t.insert, types });
    meta.push([id, tbl, types.map((x) => [...x].sort((a, b) => a - b))]);
  });
  const other = `${t.tbl}__x`;
  db.exec(factTableDdl(other, 3, [0, 2, 1]));
  db.exec(factIndexDdl(other, 3)!);
  db.exec(`DROP TABLE ${staging}`);
  const all = [...parts.map((p) => p.tbl), other];
  db.exec(
    `CREATE VIEW ${t.tbl}(a0, a1, a2) AS ${all.map((p) => `SELECT a0, a1, a2 FROM ${p}`).join(' UNION ALL ')}`,
  );
  const routes = ids.map(
    (id, k) => `INSERT OR IGNORE INTO ${t.tbl}__${k}(a0, a2) SELECT NEW.a0, NEW.a2 WHERE NEW.a1 = ${id};`,
  );
  // (NOT IN over no names would be NOT IN (NULL), which holds for nothing)
  const elsewhere = ids.length === 0 ? '' : ` WHERE NEW.a1 NOT IN (${ids.join(', ')})`;
  routes.push(`INSERT OR IGNORE INTO ${other} SELECT NEW.a0, NEW.a1, NEW.a2${elsewhere};`);
  db.exec(`CREATE TRIGGER ${t.tbl}_route INSTEAD OF INSERT ON ${t.tbl} BEGIN ${routes.join(' ')} END`);
  writeMeta(db, 'parts', JSON.stringify({ [t.tbl]: { col: 1, parts: meta, other } }));
  return { table: t, parts };
}

/** Opens a snapshot database from its bytes (the bytes are copied by sql.js). */
export function openDatabase(sql: SqlJsStatic, bytes: Uint8Array): Database {
  const db = new sql.Database(bytes);
  try {
    const res = db.exec("SELECT value FROM meta WHERE key = 'format'");
    if (!READABLE_DB_FORMATS.includes(String(res[0]?.values[0]?.[0]))) {
      throw new DomainError(
        'snapshot-unsupported',
        `unsupported database format ${String(res[0]?.values[0]?.[0])}`,
      );
    }
  } catch (e) {
    db.close();
    if (e instanceof DomainError) throw e;
    throw new DomainError('snapshot-corrupt', 'database is not a snapshot', { cause: e });
  }
  return db;
}

/** Column list `a0, a1, ...` for an arity. */
export function colList(arity: number): string {
  return Array.from({ length: arity }, (_, i) => col(i)).join(', ');
}
