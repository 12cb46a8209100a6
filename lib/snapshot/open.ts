import type { SqlJsStatic } from 'sql.js';
import {
  createEngine,
  DB_FORMAT,
  type Engine,
  type EngineOptions,
  readMeta,
  readPolicySources,
} from '../engine/index.ts';
import { DomainError } from '../errors.ts';
import { type Policy, parsePolicy } from '../polar/index.ts';
import type { SnapshotManifest } from './manifest.ts';
import { openVerifiedDatabase } from './verify.ts';

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
  const db = openVerifiedDatabase(sql, manifest, body);
  try {
    // Without it every statement re-reads the schema and takes a lock: several times slower on sql.js.
    db.exec('PRAGMA locking_mode=EXCLUSIVE');
    const format = readMeta(db, 'format');
    if (format !== DB_FORMAT) {
      throw new DomainError(
        'snapshot-unsupported',
        `snapshot ${manifest.id} has database format ${String(format)}; this build reads ${DB_FORMAT}`,
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
