import { describe, expect, it } from 'vitest';
import { loadSqlJs } from '../../lib/engine/sqljs.ts';

describe('loadSqlJs', () => {
  it('initialises the inline WASM build once and runs SQL', async () => {
    const a = await loadSqlJs();
    const b = await loadSqlJs();
    expect(a).toBe(b);
    const db = new a.Database();
    const [res] = db.exec('SELECT sqlite_version() AS v, 6 * 7 AS x');
    expect(res?.values[0]?.[1]).toBe(42);
    expect(String(res?.values[0]?.[0])).toMatch(/^3\.\d+/);
    db.close();
  });
});
