import type { Database, SqlJsStatic } from 'sql.js';
import {
  createEngine,
  type Engine,
  type EngineOptions,
  READABLE_DB_FORMATS,
  readMeta,
  readPolicySources,
} from '../engine/index.ts';
import { DomainError } from '../errors.ts';
import { type Policy, parsePolicy } from '../polar/index.ts';
import { type DecodeChunksOptions, decodeSnapshotChunks } from './decode-stream.ts';
import type { SnapshotManifest } from './manifest.ts';
import { openCheckedBytes, openDecodedDatabase, openVerifiedDatabase } from './verify.ts';
import { verifySnapshotInWorker } from './verify-worker.ts';

/** A verified snapshot opened into an engine. */
export interface OpenedSnapshot {
  engine: Engine;
  policy: Policy;
  manifest: SnapshotManifest;
}

/** Options of `openSnapshot`. */
export interface OpenSnapshotOptions {
  /** Unix seconds for `@current_unix_time`. Default: the system clock. */
  clock?: EngineOptions['clock'];
  /** Engine work bounds. Default: the engine's defaults. */
  limits?: EngineOptions['limits'];
}

/**
 * Verifies stored snapshot bytes (see `verifySnapshot`), opens the database in exclusive locking mode,
 * re-checks the embedded policy and returns a ready engine. Throws `DomainError('snapshot-corrupt' |
 * 'snapshot-unsupported')`; nothing is left open on failure.
 */
export function openSnapshot(
  sql: SqlJsStatic,
  manifest: SnapshotManifest,
  body: Uint8Array,
  options: OpenSnapshotOptions = {},
): OpenedSnapshot {
  return engineFromDatabase(sql, manifest, openVerifiedDatabase(sql, manifest, body), options);
}

/** Options of `openSnapshotInBackground`. */
export interface OpenSnapshotInBackgroundOptions extends OpenSnapshotOptions {
  /** Move `body` into the verification worker rather than copy it (`body` is unusable after). Default: false. */
  transferBody?: boolean;
}

/**
 * Like `openSnapshot`, but the heavy checks (sha256, gunzip, quick_check) run in a worker thread, so the
 * event loop only pays for opening the checked bytes and building the engine. Where no worker can run
 * (see `verifySnapshotInWorker`), falls back to `openSnapshot` on this thread.
 */
export async function openSnapshotInBackground(
  sql: SqlJsStatic,
  manifest: SnapshotManifest,
  body: Uint8Array,
  options: OpenSnapshotInBackgroundOptions = {},
): Promise<OpenedSnapshot> {
  const { transferBody, ...rest } = options;
  const raw = await verifySnapshotInWorker(manifest, body, { transferBody });
  if (raw === null) return openSnapshot(sql, manifest, body, rest);
  return engineFromDatabase(sql, manifest, openCheckedBytes(sql, manifest.id, raw), rest);
}

/**
 * Like `openSnapshotInBackground`, for stored bytes that arrive in chunks (`SnapshotStore.readSnapshotChunks`):
 * they are hashed and decoded as they arrive into one buffer of the image's size (`decodeSnapshotChunks`), so
 * the stored body is never held whole beside the image; then the SQLite checks run in a worker thread
 * (or on this thread where none can run) and the engine is built.
 */
export async function openSnapshotChunksInBackground(
  sql: SqlJsStatic,
  manifest: SnapshotManifest,
  chunks: AsyncIterable<Uint8Array>,
  options: OpenSnapshotOptions & DecodeChunksOptions = {},
): Promise<OpenedSnapshot> {
  const { collect, ...rest } = options;
  const raw = await decodeSnapshotChunks(manifest, chunks, { collect });
  // null where no worker can run: `raw` was not moved, and the checks run here
  const checked = await verifySnapshotInWorker(manifest, raw, { transferBody: true, decoded: true });
  const db =
    checked === null
      ? openDecodedDatabase(sql, manifest.id, raw)
      : openCheckedBytes(sql, manifest.id, checked);
  return engineFromDatabase(sql, manifest, db, rest);
}

/** Reads format and policy from an opened, verified database and builds the engine; closes it on failure. */
function engineFromDatabase(
  sql: SqlJsStatic,
  manifest: SnapshotManifest,
  db: Database,
  options: OpenSnapshotOptions,
): OpenedSnapshot {
  try {
    // Without it every statement re-reads the schema and takes a lock: several times slower on sql.js.
    db.exec('PRAGMA locking_mode=EXCLUSIVE');
    const format = readMeta(db, 'format');
    if (format === undefined || !READABLE_DB_FORMATS.includes(format)) {
      throw new DomainError(
        'snapshot-unsupported',
        `snapshot ${manifest.id} has database format ${String(format)}; this build reads ${READABLE_DB_FORMATS.join(' and ')}`,
      );
    }
    let policy: Policy;
    try {
      policy = parsePolicy(readPolicySources(db));
    } catch (cause) {
      throw new DomainError(
        'snapshot-corrupt',
        `snapshot ${manifest.id}: its policy does not check: ${String(cause)}`,
        {
          cause,
        },
      );
    }
    const engine = createEngine(sql, db, policy, options);
    return { engine, policy, manifest };
  } catch (e) {
    db.close();
    throw e;
  }
}
