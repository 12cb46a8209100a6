// ALB Lambda entry point: the same app as the Node server; snapshot loaded once per cold start and
// refreshed on later invocations when due. Logs are structured (Powertools), figures go to CloudWatch (EMF).
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { handle } from 'hono/aws-lambda';
import { createServing } from '../lib/cli/runtime.ts';
import type { Logger as AppLogger } from '../lib/http/index.ts';
import { readServeConfig } from './config.ts';

const config = readServeConfig();
if (config.store === undefined) throw new Error('FALLBACK_STORE must be set');
const powertools = new Logger();
const metrics = new Metrics();
const logger: AppLogger = {
  info: (m, f) => powertools.info(m, { ...f }),
  warn: (m, f) => powertools.warn(m, { ...f }),
  error: (m, f) => powertools.error(m, { ...f }),
};
const serving = await createServing({
  store: config.store,
  storeOptions: config.s3,
  http: config.http,
  refreshIntervalMs: config.refreshIntervalMs,
  logger,
  onRequest: (o) => {
    metrics.addDimension('path', o.path);
    metrics.addMetric('Requests', MetricUnit.Count, 1);
    metrics.addMetric('Latency', MetricUnit.Milliseconds, o.seconds * 1000);
    if (o.status >= 500) metrics.addMetric('ServerErrors', MetricUnit.Count, 1);
  },
});
const firstLoad = serving.holder.start(false);
const app = handle(serving.app);

/** The ALB target: accepts events with `headers` or with `multiValueHeaders` and answers in the same shape. */
export async function handler(
  ...[event, context]: Parameters<typeof app>
): Promise<Awaited<ReturnType<typeof app>>> {
  await firstLoad;
  const due = serving.holder.refreshIfDue();
  // Not loaded yet: wait for this attempt. Loaded: refresh in the background, answer from the current one.
  if (due !== null && serving.holder.current() === null) await due;
  try {
    return await app(event, context);
  } finally {
    const s = serving.holder.current();
    if (s !== null)
      metrics.addMetric('SnapshotAgeMs', MetricUnit.Milliseconds, Math.max(0, Date.now() - s.freshAt));
    metrics.publishStoredMetrics();
  }
}
