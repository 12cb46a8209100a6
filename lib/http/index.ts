/** The HTTP layer: `createApp(deps)` answers the Oso Cloud Check API from a snapshot provider. */
export { createApp, DEFAULT_MAX_BODY_BYTES, NOT_SUPPORTED_ROUTES, WRITE_ROUTES } from './app.ts';
export { createApiKeyCheck, hashApiKey } from './auth.ts';
export { statusFor } from './errors.ts';
export { createJsonLogger, silentLogger } from './logger.ts';
export {
  Counter,
  DEFAULT_BUCKETS,
  Gauge,
  Histogram,
  MetricsRegistry,
  PROMETHEUS_CONTENT_TYPE,
} from './metrics.ts';
export { health } from './ops.ts';
export { parseFactsQuery } from './read-routes.ts';
export type {
  AppDeps,
  HttpConfig,
  Logger,
  RequestObservation,
  ServingSnapshot,
  SnapshotProvider,
  SnapshotStats,
} from './types.ts';
