import type { Database, SqlJsStatic } from 'sql.js';

/**
 * `new sql.Database(bytes)` without the copy sql.js makes: its in-memory file system `slice()`s the bytes
 * it is given (76 MiB at 1M facts, tens of ms on the event loop and a second image until GC). While the
 * constructor runs (synchronously, so nothing else can observe it), a whole-array `slice()` of exactly
 * `bytes` returns `bytes` itself, so the database file *is* `bytes`. The caller must not touch `bytes`
 * afterwards. If sql.js stops slicing, this degrades to its plain copying constructor.
 */
export function adoptDatabase(sql: SqlJsStatic, bytes: Uint8Array): Database {
  const proto = Uint8Array.prototype;
  const slice = proto.slice;
  proto.slice = function (this: Uint8Array, start?: number, end?: number): Uint8Array {
    const whole = this === bytes && (start ?? 0) === 0 && (end ?? this.length) === this.length;
    return whole ? this : slice.call(this, start, end);
  } as typeof slice;
  try {
    return new sql.Database(bytes);
  } finally {
    proto.slice = slice;
  }
}
