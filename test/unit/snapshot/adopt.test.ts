import { describe, expect, it } from 'vitest';
import { loadSqlJs } from '../../../lib/engine/sqljs.ts';
import { adoptDatabase } from '../../../lib/snapshot/adopt.ts';

const sql = await loadSqlJs();

function image(): Uint8Array {
  const db = new sql.Database();
  db.exec('CREATE TABLE t(x); INSERT INTO t VALUES (1), (2), (3)');
  const bytes = db.export();
  db.close();
  return bytes;
}

// The SQLite header keeps user_version at byte offset 60 (big-endian).
const userVersion = (bytes: Uint8Array) => new DataView(bytes.buffer, bytes.byteOffset).getUint32(60);

describe('adoptDatabase', () => {
  it('opens the bytes themselves as the database file (no copy)', () => {
    const bytes = image();
    const db = adoptDatabase(sql, bytes);
    expect(db.exec('SELECT SUM(x) FROM t')[0]?.values).toEqual([[6]]);
    db.exec('PRAGMA user_version = 7');
    expect(userVersion(bytes)).toBe(7);
    db.close();
  });

  it('copies as sql.js does by default with the plain constructor (the difference the test above relies on)', () => {
    const bytes = image();
    const db = new sql.Database(bytes);
    db.exec('PRAGMA user_version = 7');
    expect(userVersion(bytes)).toBe(0);
    db.close();
  });

  it('leaves slice() of other arrays, and of the same array afterwards, untouched', () => {
    const bytes = image();
    const other = new Uint8Array([1, 2, 3]);
    adoptDatabase(sql, bytes).close();
    expect(other.slice()).not.toBe(other);
    expect(bytes.slice()).not.toBe(bytes);
    expect(bytes.slice(0, 4)).toEqual(bytes.subarray(0, 4));
  });
});
