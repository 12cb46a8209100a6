import type { Database, SqlJsStatic } from 'sql.js';
import { DomainError } from '../errors.ts';
import { adoptDatabase } from './adopt.ts';
import { decodeBody, sha256Hex } from './encode.ts';
import type { SnapshotManifest } from './manifest.ts';
import { parseManifest } from './manifest-io.ts';

/** Tables every snapshot database must have (written by the engine's `buildDatabase`). */
export const REQUIRED_TABLES: readonly string[] = ['meta', 'preds', 'types', 'vals'];

function corrupt(id: string, message: string, cause?: unknown): DomainError {
  return new DomainError(
    'snapshot-corrupt',
    `snapshot ${id}: ${message}`,
    cause === undefined ? {} : { cause },
  );
}

/** Checks the stored bytes against the manifest and returns the raw (decoded) SQLite bytes. */
function checkBytes(manifest: SnapshotManifest, body: Uint8Array): Uint8Array {
  const m = parseManifest(manifest);
  if (body.byteLength !== m.size) {
    throw corrupt(
      m.id,
      `stored body is ${body.byteLength} bytes but the manifest says ${m.size} (truncated?)`,
    );
  }
  const sha = sha256Hex(body);
  if (sha !== m.sha256) throw corrupt(m.id, `sha256 is ${sha} but the manifest says ${m.sha256}`);
  const raw = decodeBody(body, m.encoding, m.id, m.rawSize);
  if (raw.byteLength !== m.rawSize) {
    throw corrupt(m.id, `database is ${raw.byteLength} bytes but the manifest says ${m.rawSize}`);
  }
  return raw;
}

/** Opens raw bytes and runs SQLite's quick check plus the required-table check; closes on failure. */
function openChecked(sql: SqlJsStatic, id: string, raw: Uint8Array, body: Uint8Array): Database {
  let db: Database | undefined;
  try {
    // A freshly decoded image is adopted rather than copied; stored bytes used as-is stay the caller's.
    db = raw === body ? new sql.Database(raw) : adoptDatabase(sql, raw);
    const rows = db.exec('PRAGMA quick_check')[0]?.values.map((r) => String(r[0])) ?? [];
    if (rows.length !== 1 || rows[0] !== 'ok') {
      throw corrupt(id, `sqlite quick_check failed: ${rows.slice(0, 3).join('; ')}`);
    }
    const stmt = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'");
    const tables = new Set<string>();
    while (stmt.step()) tables.add(String(stmt.get()[0]));
    stmt.free();
    const missing = REQUIRED_TABLES.filter((t) => !tables.has(t));
    if (missing.length > 0) throw corrupt(id, `database lacks required table(s) ${missing.join(', ')}`);
    return db;
  } catch (e) {
    db?.close();
    if (e instanceof DomainError) throw e;
    throw corrupt(id, `not a readable sqlite database: ${e instanceof Error ? e.message : String(e)}`, e);
  }
}

/**
 * Verifies a stored snapshot before use: manifest format version, size, sha256, gzip, SQLite quick check
 * and required tables. Returns an open database; the caller owns (and must close) it.
 * Throws `DomainError('snapshot-corrupt' | 'snapshot-unsupported')`.
 */
export function openVerifiedDatabase(
  sql: SqlJsStatic,
  manifest: SnapshotManifest,
  body: Uint8Array,
): Database {
  const raw = checkBytes(manifest, body);
  return openChecked(sql, manifest.id, raw, body);
}

/**
 * Opens raw SQLite bytes whose size and sha256 were checked as they were decoded (`decodeSnapshotChunks`),
 * with SQLite's quick check and the required-table check. The database adopts `raw` (no copy). Throws
 * `DomainError('snapshot-corrupt')`.
 */
export function openDecodedDatabase(sql: SqlJsStatic, id: string, raw: Uint8Array): Database {
  return openChecked(sql, id, raw, NOT_THE_BODY);
}

const NOT_THE_BODY = new Uint8Array(0);

/**
 * Opens raw SQLite bytes that were already checked (by `verifySnapshotInWorker`): no quick_check here.
 * The database adopts `raw` as its file (no copy, see `adoptDatabase`): the caller must not reuse it.
 * Throws `DomainError('snapshot-corrupt')`.
 */
export function openCheckedBytes(sql: SqlJsStatic, id: string, raw: Uint8Array): Database {
  try {
    return adoptDatabase(sql, raw);
  } catch (e) {
    throw corrupt(id, `not a readable sqlite database: ${e instanceof Error ? e.message : String(e)}`, e);
  }
}

/** Like `openVerifiedDatabase` but returns the raw SQLite bytes (for export/import and tooling). */
export function verifySnapshot(sql: SqlJsStatic, manifest: SnapshotManifest, body: Uint8Array): Uint8Array {
  const raw = checkBytes(manifest, body);
  openChecked(sql, manifest.id, raw, body).close();
  return raw;
}
