// Scheduled Lambda: runs the sync job once per invocation; a failure throws so the invocation counts as failed.
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { openSource } from '../lib/source/index.ts';
import { openStore } from '../lib/store/index.ts';
import { runSync, type SyncSummary } from '../lib/sync/index.ts';
import { readConfig } from './config.ts';
import { readSecretString } from './read-secret.ts';

const config = readConfig();
// Service name and metrics namespace come from POWERTOOLS_SERVICE_NAME / POWERTOOLS_METRICS_NAMESPACE (set by infra).
const logger = new Logger();
const metrics = new Metrics();
let apiKey: Promise<string | undefined> | undefined;

export async function handler(): Promise<SyncSummary> {
  const started = Date.now();
  try {
    if (config.source === undefined || config.store === undefined) {
      throw new Error('FALLBACK_SOURCE and FALLBACK_STORE must be set');
    }
    const arn = config.osoApiTokenSecretArn;
    apiKey ??= arn === undefined ? Promise.resolve(config.oso.apiKey) : readSecretString(arn);
    const key = await apiKey.catch((e: unknown) => {
      apiKey = undefined; // retry the secret on the next invocation
      throw e;
    });
    const source = openSource(config.source, { oso: { ...config.oso, apiKey: key } });
    const store = openStore(config.store, config.s3);
    const summary = await runSync({
      source,
      store,
      keep: config.keepSnapshots,
      encoding: config.snapshotEncoding,
      logger: { info: (m, f) => logger.info(m, { ...f }), warn: (m, f) => logger.warn(m, { ...f }) },
    });
    logger.info('sync finished', { ...summary });
    metrics.addMetric('SyncSuccess', MetricUnit.Count, 1);
    metrics.addMetric('SyncPublished', MetricUnit.Count, summary.published ? 1 : 0);
    metrics.addMetric('SyncFacts', MetricUnit.Count, summary.facts);
    metrics.addMetric('SyncSnapshotBytes', MetricUnit.Bytes, summary.bytes);
    return summary;
  } catch (e) {
    logger.error('sync failed; the previous snapshot stays current', e as Error);
    metrics.addMetric('SyncFailure', MetricUnit.Count, 1);
    throw e;
  } finally {
    metrics.addMetric('SyncDuration', MetricUnit.Milliseconds, Date.now() - started);
    metrics.publishStoredMetrics();
  }
}
