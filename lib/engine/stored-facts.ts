import type { Database, SqlValue } from 'sql.js';
import type { Fact } from '../polar/ast.ts';
import { decodeKey, encodeKey, type Interner } from './intern.ts';
import { type PredInfo, TYPE_SPAN } from './schema.ts';
import type { ValuePattern } from './types.ts';

/** Stored facts of the given tables matching a pattern (missing arguments are wildcards), at most `max`. */
export function readStoredFacts(
  db: Database,
  interner: Interner,
  preds: PredInfo[],
  pattern: { args: ValuePattern[] },
  max: number,
): Fact[] {
  const out: Fact[] = [];
  for (const p of preds) {
    if (out.length >= max) break;
    const where: string[] = [];
    const params: SqlValue[] = [];
    let possible = true;
    pattern.args.forEach((a, i) => {
      if (a === null || a === undefined) return;
      if (a.type !== null && a.id !== null) {
        const id = interner.find({ type: a.type, id: a.id });
        if (id === undefined) possible = false;
        where.push(`t.a${i} = ?`);
        params.push(id ?? null);
      } else if (a.type !== null) {
        const code = interner.typeCode(a.type);
        where.push(`t.a${i} BETWEEN ? AND ?`);
        params.push(code * TYPE_SPAN, (code + 1) * TYPE_SPAN - 1);
      } else if (a.id !== null) {
        where.push(`t.a${i} IN (SELECT id FROM vals WHERE key = ?)`);
        params.push(encodeKey(a.id));
      }
    });
    if (!possible) continue;
    const cols = Array.from({ length: p.arity }, (_, i) => `t.a${i}, v${i}.key`).join(', ');
    const joins = Array.from(
      { length: p.arity },
      (_, i) => `LEFT JOIN vals v${i} ON v${i}.id = t.a${i}`,
    ).join(' ');
    const sql = `SELECT ${cols} FROM ${p.tbl} t ${joins}${where.length ? ` WHERE ${where.join(' AND ')}` : ''} LIMIT ?`;
    params.push(max - out.length);
    const st = db.prepare(sql);
    try {
      st.bind(params);
      while (st.step()) {
        const row = st.get();
        out.push({
          predicate: p.name,
          args: Array.from({ length: p.arity }, (_, i) => ({
            type: interner.typeName(Math.floor(Number(row[2 * i]) / TYPE_SPAN)),
            id: decodeKey(String(row[2 * i + 1])),
          })),
        });
      }
    } finally {
      st.free();
    }
  }
  return out;
}
