import type { Database, SqlJsStatic } from 'sql.js';
import { buildDatabase, DB_FEATURES, DB_FORMAT, writeMeta } from '../engine/index.ts';
import type { Fact, Policy } from '../polar/index.ts';
import { DEFAULT_ENCODING, encodeBody, type SnapshotEncoding } from './encode.ts';
import type { SnapshotManifest } from './manifest.ts';
import { createManifest } from './manifest-io.ts';

/** Everything a new snapshot is made of. */
export interface BuildSnapshotInput {
  policy: Policy;
  /** Stored facts (the policy's own facts are added by the engine). */
  facts: Iterable<Fact>;
  id: string;
  createdAt: string;
  source: string;
  policyHash: string;
  dataHash: string;
  upstreamVersion?: string;
  previousId: string | null;
  /** Default `DEFAULT_ENCODING` (gzip). */
  encoding?: SnapshotEncoding;
}

/** A built snapshot: the manifest and the stored (encoded) bytes. */
export interface BuiltSnapshot {
  manifest: SnapshotManifest;
  body: Uint8Array;
}

/** Stored facts per `predicate/arity`, read from the engine's `preds` catalog. */
export function countFacts(db: Database): Record<string, number> {
  const counts: Record<string, number> = {};
  const preds = db.exec('SELECT name, arity, tbl FROM preds ORDER BY name, arity')[0]?.values ?? [];
  for (const [name, arity, tbl] of preds) {
    // Table names come from the engine's own sanitiser; re-check before inlining one.
    if (!/^[A-Za-z0-9_]+$/.test(String(tbl))) continue;
    const n = Number(db.exec(`SELECT count(*) FROM ${String(tbl)}`)[0]?.values[0]?.[0] ?? 0);
    if (n > 0) counts[`${String(name)}/${Number(arity)}`] = n;
  }
  return counts;
}

/** Builds the snapshot database from a checked policy and facts, then encodes it and writes its manifest. */
export function buildSnapshot(sql: SqlJsStatic, input: BuildSnapshotInput): BuiltSnapshot {
  const encoding = input.encoding ?? DEFAULT_ENCODING;
  const db = buildDatabase(sql, input.policy, input.facts);
  let raw: Uint8Array;
  let factCounts: Record<string, number>;
  try {
    writeMeta(db, 'snapshot_id', input.id);
    writeMeta(db, 'policy_hash', input.policyHash);
    writeMeta(db, 'data_hash', input.dataHash);
    factCounts = countFacts(db);
    raw = db.export();
  } finally {
    db.close();
  }
  const body = encodeBody(raw, encoding);
  const manifest = createManifest(
    {
      id: input.id,
      encoding,
      rawSize: raw.byteLength,
      createdAt: input.createdAt,
      source: input.source,
      policyHash: input.policyHash,
      dataHash: input.dataHash,
      factCounts,
      ...(input.upstreamVersion === undefined ? {} : { upstreamVersion: input.upstreamVersion }),
      databaseFormat: DB_FORMAT,
      databaseFeatures: [...DB_FEATURES],
      previousId: input.previousId,
    },
    body,
  );
  return { manifest, body };
}
