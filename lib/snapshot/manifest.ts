/** Version of the snapshot format this build writes and reads. */
export const SNAPSHOT_FORMAT_VERSION = 1;

/** The small JSON document published beside each snapshot database. */
export interface SnapshotManifest {
  /** Sortable, time based, unique: e.g. `20261125T190102Z-3f9a1c`. */
  id: string;
  formatVersion: number;
  /** sha256 (hex) of the database bytes as stored (after compression, if any). */
  sha256: string;
  /** Size in bytes of the stored database object. */
  size: number;
  /** `gzip` or `none`: how the stored database bytes are encoded. */
  encoding: 'gzip' | 'none';
  /** Size of the uncompressed SQLite database. */
  rawSize: number;
  /** ISO-8601 creation time. */
  createdAt: string;
  /** Where the rules and data came from, without secrets (e.g. `dir:examples`). */
  source: string;
  /** sha256 of the policy sources. */
  policyHash: string;
  /** sha256 of the canonical fact set (for "nothing changed" detection). */
  dataHash: string;
  /** Number of stored facts per `predicate/arity`. */
  factCounts: Record<string, number>;
  /** What the upstream said about its data version (e.g. Oso's `OsoOffset` header), if anything. */
  upstreamVersion?: string;
  /**
   * The layout of the SQLite database inside (`meta.format`, see `DB_FORMAT`); absent in manifests
   * written before it was recorded. A sync rebuilds unchanged data when it differs from its own.
   */
  databaseFormat?: string;
  /**
   * Optional parts of that layout the database has (`DB_FEATURES`, sorted), absent in manifests written
   * before them. Readers without them serve the database all the same; a sync rebuilds unchanged data
   * once when its own build adds one (a node then gets the new part without waiting for a data change).
   */
  databaseFeatures?: string[];
  /** The snapshot this one replaced, if any. */
  previousId: string | null;
}

/** The `latest.json` pointer: names the current snapshot. */
export interface SnapshotPointer {
  id: string;
  /** The manifest of the snapshot it names, copied so readers need one request. */
  manifest: SnapshotManifest;
  /**
   * ISO-8601: when a sync last confirmed this snapshot's data current. Set when the pointer moves, and
   * rewritten (same `id`) by every sync that found policy and data unchanged; never moves backwards.
   */
  updatedAt: string;
}
