// Small hand-built snapshots for tests that need bytes, not an engine.
import type { SqlJsStatic } from 'sql.js';
import {
  createManifest,
  createSnapshotId,
  encodeBody,
  type SnapshotEncoding,
  type SnapshotManifest,
} from '../../lib/snapshot/index.ts';

/** A tiny SQLite database with the tables a snapshot needs (optionally without `meta`). */
export function tinyDatabase(sql: SqlJsStatic, withMeta = true, rows = 50): Uint8Array {
  const db = new sql.Database();
  if (withMeta) db.run('CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL)');
  db.run('CREATE TABLE preds(name TEXT); CREATE TABLE types(code INTEGER); CREATE TABLE vals(id INTEGER)');
  db.run('CREATE TABLE t(a TEXT, b INTEGER)');
  db.run('CREATE INDEX t_a ON t(a)');
  const ins = db.prepare('INSERT INTO t VALUES (?, ?)');
  db.run('BEGIN');
  for (let i = 0; i < rows; i++) ins.run([`row-${i}`, i]);
  db.run('COMMIT');
  ins.free();
  const bytes = db.export();
  db.close();
  return bytes;
}

/** A manifest plus stored body for raw database bytes. */
export function snapshotOf(
  raw: Uint8Array,
  options: { encoding?: SnapshotEncoding; at?: Date; previousId?: string | null; dataHash?: string } = {},
): { manifest: SnapshotManifest; body: Uint8Array } {
  const encoding = options.encoding ?? 'gzip';
  const body = encodeBody(raw, encoding);
  const at = options.at ?? new Date('2026-11-25T19:00:00.000Z');
  const manifest = createManifest(
    {
      id: createSnapshotId(at),
      encoding,
      rawSize: raw.byteLength,
      createdAt: at.toISOString(),
      source: 'test:fixture',
      policyHash: 'p'.repeat(64),
      dataHash: options.dataHash ?? 'd'.repeat(64),
      factCounts: { 't/2': 50 },
      previousId: options.previousId ?? null,
    },
    body,
  );
  return { manifest, body };
}
