import { describe, expect, it } from 'vitest';
import { unionArms } from '../../../lib/compiler/compile.ts';
import { loadSqlJs } from '../../../lib/engine/index.ts';

const arms = (n: number, from = 0) => Array.from({ length: n }, (_, i) => `SELECT ${from + i} AS c0`);

describe('unionArms', () => {
  it('keeps a small union flat', () => {
    expect(unionArms(arms(3))).toBe('SELECT 0 AS c0\nUNION\nSELECT 1 AS c0\nUNION\nSELECT 2 AS c0');
  });

  it('folds more arms than SQLite accepts in one compound SELECT, and the SQL runs', async () => {
    const SQL = await loadSqlJs();
    const db = new SQL.Database();
    expect(() => db.exec(arms(600).join('\nUNION\n'))).toThrow(/too many terms in compound SELECT/);
    const [res] = db.exec(`SELECT count(*), min(c0), max(c0) FROM (${unionArms(arms(1200))})`);
    expect(res?.values[0]).toEqual([1200, 0, 1199]);
    db.close();
  });

  it('leaves the arms that read a recursive CTE at the top level', async () => {
    const SQL = await loadSqlJs();
    const db = new SQL.Database();
    const parts = [...arms(600), 'SELECT c0 + 1000 FROM r WHERE c0 < 1000'];
    const [res] = db.exec(`WITH RECURSIVE r(c0) AS (${unionArms(parts, 1)}) SELECT count(*), max(c0) FROM r`);
    expect(res?.values[0]).toEqual([1200, 1599]);
    db.close();
  });
});
