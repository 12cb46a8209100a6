import type { Engine } from '../engine/types.ts';
import type { Policy } from '../polar/ast.ts';
import type { SnapshotManifest } from '../snapshot/manifest.ts';
import type { MetricsRegistry } from './metrics.ts';

/** One loaded, verified snapshot: what a request reads from. */
export interface ServingSnapshot {
  engine: Engine;
  manifest: SnapshotManifest;
  /** The policy the snapshot was built from (for `GET /api/policy`); absent when unknown. */
  policy?: Pick<Policy, 'sources'>;
  /**
   * Epoch ms of the newest evidence that this data is current: the snapshot's creation time, or a later
   * pointer rewrite that confirmed it. Snapshot age and staleness are measured from here.
   */
  freshAt: number;
}

/** Refresh counters the metrics endpoint reads at scrape time. */
export interface SnapshotStats {
  /** Duration of the last successful load (download, verify, open), in ms; `null` before the first. */
  lastLoadMs: number | null;
  /** Successful loads since start. */
  loads: number;
  /** Failed loads or pointer reads since start. */
  refreshFailures: number;
}

/** The port the app reads snapshots through (implemented by lib/serving's holder). */
export interface SnapshotProvider {
  /** The snapshot to answer from, or `null` while none is loaded. Grab it once per request. */
  current(): ServingSnapshot | null;
  stats(): SnapshotStats;
}

/** Structured logger; Powertools' `Logger` fits, and so does {@link createJsonLogger}. */
export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** Request limits and access settings of the HTTP layer. */
export interface HttpConfig {
  /** Accepted API keys as lower-case hex sha256 of the key. Default: empty, any key accepted. */
  apiKeyHashes?: readonly string[];
  /** Healthcheck answers 503 when the snapshot is older than this (ms). Default: no limit. */
  maxStalenessMs?: number;
  /** Largest request body in bytes. Default: 10 MiB, as the Oso clients enforce. */
  maxBodyBytes?: number;
  /** Largest page `/api/list` returns. Default: 10,000. */
  maxPageSize?: number;
  /** Most facts `GET /api/facts` and `/api/query` return before refusing. Default: 10,000. */
  maxFacts?: number;
  /** Most rows `/api/evaluate_query` returns before refusing. Default: 100,000. */
  maxQueryRows?: number;
  /** Most context facts one request may carry. Default: 10,000. */
  maxContextFacts?: number;
  /** Most items in `/api/authorize_resources` and `/api/bulk_actions`. Default: 10,000. */
  maxBatchItems?: number;
}

/** One finished request, for an extra sink such as CloudWatch EMF. */
export interface RequestObservation {
  /** The route pattern (bounded set), or `unmatched`. */
  path: string;
  method: string;
  status: number;
  seconds: number;
}

export interface AppDeps {
  snapshots: SnapshotProvider;
  config?: HttpConfig;
  /** Where the app registers its metrics. Default: a fresh registry. */
  metrics?: MetricsRegistry;
  /** Default: JSON lines on stdout/stderr. */
  logger?: Logger;
  /** Epoch ms. Default: `Date.now`. */
  clock?: () => number;
  /** Called after every request (after the Prometheus histogram is updated). Default: none. */
  onRequest?: (o: RequestObservation) => void;
}
