import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Database, SqlJsStatic, SqlValue } from 'sql.js';
import type { FactPattern, ValuePattern } from '../engine/types.ts';
import { DomainError } from '../errors.ts';
import type { Fact, Value } from '../polar/ast.ts';

/** Arguments a fact may have (Oso Cloud: 1 to 5). */
export const MAX_ARITY = 5;
/** The dev database's file name inside `--data`. */
export const DEV_DB_FILE = 'oso-dev.sqlite';

/** One step of a write: facts to insert, or patterns to delete (`null` type/id is a wildcard). */
export type FactChange = { kind: 'insert'; facts: Fact[] } | { kind: 'delete'; patterns: FactPattern[] };

const COLS = Array.from({ length: MAX_ARITY }, (_, i) => [`t${i}`, `i${i}`]).flat();
const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS facts(predicate TEXT NOT NULL, arity INTEGER NOT NULL,
  ${COLS.map((c) => `${c} TEXT NOT NULL`).join(', ')},
  PRIMARY KEY(predicate, arity, ${COLS.join(', ')})) WITHOUT ROWID;
-- GET /api/facts filters by predicate and argument types: a sync asks once per type combination.
CREATE INDEX IF NOT EXISTS facts_by_type ON facts(predicate, ${COLS.filter((c) => c.startsWith('t')).join(', ')});`;

/**
 * The dev server's data: the policy, the stored facts and the write offset, in one sql.js database
 * that is written to `<dir>/oso-dev.sqlite` (temporary file, fsync, rename) after every write.
 */
export class DevFactStore {
  private constructor(
    private readonly db: Database,
    private readonly file: string | undefined,
  ) {}

  /** Opens (or creates) the store in `dir`; with no `dir`, data lives in memory only. */
  static async open(sql: SqlJsStatic, dir?: string): Promise<DevFactStore> {
    let bytes: Uint8Array | undefined;
    const file = dir === undefined ? undefined : join(dir, DEV_DB_FILE);
    if (dir !== undefined && file !== undefined) {
      await mkdir(dir, { recursive: true });
      bytes = await readFile(file).catch((e: NodeJS.ErrnoException) => {
        if (e.code === 'ENOENT') return undefined;
        throw e;
      });
    }
    const db = new sql.Database(bytes);
    db.run(SCHEMA);
    return new DevFactStore(db, file);
  }

  /** The last write's offset (0 before any write); it only grows. */
  get offset(): number {
    return Number(this.meta('offset') ?? '0');
  }

  policy(): { filename: string; src: string } | null {
    const src = this.meta('policy_src');
    return src === undefined ? null : { filename: this.meta('policy_filename') ?? '', src };
  }

  /** Applies one write atomically (all steps or none) and returns the new offset. */
  write(changes: FactChange[], policy?: { filename: string; src: string }): number {
    this.db.run('BEGIN');
    try {
      for (const change of changes) {
        if (change.kind === 'insert') this.insert(change.facts);
        else for (const p of change.patterns) this.remove(p);
      }
      if (policy !== undefined) {
        this.setMeta('policy_src', policy.src);
        this.setMeta('policy_filename', policy.filename);
      }
      const offset = this.offset + 1;
      this.setMeta('offset', String(offset));
      this.db.run('COMMIT');
      return offset;
    } catch (e) {
      this.db.run('ROLLBACK');
      throw e;
    }
  }

  /** Deletes every fact (the policy stays), as one write. */
  clear(): number {
    this.db.run('BEGIN');
    this.db.run('DELETE FROM facts');
    const offset = this.offset + 1;
    this.setMeta('offset', String(offset));
    this.db.run('COMMIT');
    return offset;
  }

  /** Stored facts matching per-position constraints (positions not given match anything, any arity). */
  facts(predicate: string | null, args: ValuePattern[] = []): Fact[] {
    const { sql, params } = selectWhere(
      `SELECT predicate, arity, ${COLS.join(', ')} FROM facts`,
      predicate,
      args,
    );
    const out: Fact[] = [];
    const stmt = this.db.prepare(sql, params);
    try {
      while (stmt.step()) out.push(rowToFact(stmt.get()));
    } finally {
      stmt.free();
    }
    return out;
  }

  /**
   * The same facts as `facts()`, already as the JSON text of `GET /api/facts`: rendered inside SQLite, so a
   * large answer crosses from WASM as one string instead of twelve per row.
   */
  factsJson(predicate: string | null, args: ValuePattern[] = []): string {
    const { sql, params } = selectWhere(
      `SELECT coalesce(json_group_array(${FACT_JSON}), '[]') FROM facts`,
      predicate,
      args,
    );
    const r = this.db.exec(sql, params);
    return String(r[0]?.values[0]?.[0] ?? '[]');
  }

  count(): number {
    const r = this.db.exec('SELECT count(*) FROM facts');
    return Number(r[0]?.values[0]?.[0] ?? 0);
  }

  /** Writes the database to its file atomically; no-op for an in-memory store. */
  async persist(): Promise<void> {
    if (this.file === undefined) return;
    const bytes = this.db.export();
    const tmp = `${this.file}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
    const fh = await open(tmp, 'wx');
    try {
      await fh.writeFile(bytes);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, this.file);
    // fsync the folder too, so the rename itself survives a crash.
    const dir = await open(dirname(this.file), 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  }

  close(): void {
    this.db.close();
  }

  private insert(facts: Fact[]): void {
    const stmt = this.db.prepare(
      `INSERT OR IGNORE INTO facts VALUES (${new Array(2 + COLS.length).fill('?').join(', ')})`,
    );
    try {
      for (const f of facts) stmt.run(factToRow(f));
    } finally {
      stmt.free();
    }
  }

  private remove(p: FactPattern): void {
    const where = ['predicate = ?', 'arity = ?'];
    const params: SqlValue[] = [p.predicate, p.args.length];
    p.args.forEach((a, i) => {
      constrain(where, params, i, a);
    });
    this.db.run(`DELETE FROM facts WHERE ${where.join(' AND ')}`, params);
  }

  private meta(key: string): string | undefined {
    const r = this.db.exec('SELECT value FROM meta WHERE key = ?', [key]);
    const v = r[0]?.values[0]?.[0];
    return v === undefined || v === null ? undefined : String(v);
  }

  private setMeta(key: string, value: string): void {
    this.db.run('INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)', [key, value]);
  }
}

function factToRow(f: Fact): SqlValue[] {
  if (f.args.length < 1 || f.args.length > MAX_ARITY) {
    throw new DomainError(
      'bad-request',
      `fact ${f.predicate} has ${f.args.length} arguments, expected 1 to ${MAX_ARITY}`,
    );
  }
  const row: SqlValue[] = [f.predicate, f.args.length];
  for (let i = 0; i < MAX_ARITY; i++) {
    const a = f.args[i];
    row.push(a?.type ?? '', a?.id ?? '');
  }
  return row;
}

function rowToFact(row: SqlValue[]): Fact {
  const arity = Number(row[1]);
  const args: Value[] = [];
  for (let i = 0; i < arity; i++) args.push({ type: String(row[2 + 2 * i]), id: String(row[3 + 2 * i]) });
  return { predicate: String(row[0]), args };
}

const argJson = (i: number) => `json_object('type', t${i}, 'id', i${i})`;
const FACT_JSON = `json_object('predicate', predicate, 'args', CASE arity ${Array.from(
  { length: MAX_ARITY },
  (_, n) =>
    `WHEN ${n + 1} THEN json_array(${Array.from({ length: n + 1 }, (_, i) => argJson(i)).join(', ')})`,
).join(' ')} END)`;

function selectWhere(select: string, predicate: string | null, args: ValuePattern[]) {
  const where: string[] = [];
  const params: SqlValue[] = [];
  if (predicate !== null) {
    where.push('predicate = ?');
    params.push(predicate);
  }
  args.forEach((a, i) => {
    constrain(where, params, i, a);
  });
  return { sql: where.length === 0 ? select : `${select} WHERE ${where.join(' AND ')}`, params };
}

function constrain(where: string[], params: SqlValue[], i: number, a: ValuePattern): void {
  if (a.type !== null) {
    where.push(`t${i} = ?`);
    params.push(a.type);
  }
  if (a.id !== null) {
    where.push(`i${i} = ?`);
    params.push(a.id);
  }
}
