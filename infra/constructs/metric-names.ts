/**
 * The Powertools EMF metric names the functions emit (the dashboard and alarms read exactly these).
 * Powertools adds the `service` dimension (POWERTOOLS_SERVICE_NAME) to every metric.
 */
export const METRICS = {
  /** Count, per request; may carry extra dimensions (e.g. path, status): the dashboard uses SEARCH. */
  requests: 'Requests',
  /** Milliseconds per request. */
  latency: 'Latency',
  /** Milliseconds since the served snapshot was created. */
  snapshotAge: 'SnapshotAgeMs',
  /** Facts in the served snapshot. */
  factCount: 'FactCount',
  /** Powertools' cold-start count (`captureColdStartMetric`). */
  coldStart: 'ColdStart',
  /** Count of successful syncs. */
  syncSuccess: 'SyncSuccess',
  /** Count of failed syncs. */
  syncFailure: 'SyncFailure',
  /** Milliseconds a sync took (functions/sync-lambda.ts emits `SyncDuration`, unit Milliseconds). */
  syncDuration: 'SyncDuration',
  /** Facts in the snapshot a sync produced. */
  syncFacts: 'SyncFacts',
  /** 1 when the sync published a new snapshot, 0 when nothing changed. */
  syncPublished: 'SyncPublished',
  /** Bytes of the stored snapshot. */
  syncSnapshotBytes: 'SyncSnapshotBytes',
} as const;

/** Default CloudWatch namespace (POWERTOOLS_METRICS_NAMESPACE). */
export const DEFAULT_NAMESPACE = 'OsoFallback';
/** Default POWERTOOLS_SERVICE_NAME of the serving tier. */
export const DEFAULT_SERVE_SERVICE = 'oso-fallback-serve';
/** Default POWERTOOLS_SERVICE_NAME of the sync function. */
export const DEFAULT_SYNC_SERVICE = 'oso-fallback-sync';
