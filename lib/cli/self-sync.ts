// A node that syncs itself: `fallback serve --source <url> --store <url>` pulls in-process and serves.
import type { Logger } from '../http/index.ts';
import type { SnapshotHolder } from '../serving/index.ts';
import { openSource, osoSourceOptionsFromEnv } from '../source/index.ts';
import { openStore, type StoreOptions } from '../store/index.ts';
import { runSync } from '../sync/index.ts';
import { DEFAULT_SYNC_INTERVAL_MS, type SyncLoop, startSyncLoop } from './sync-loop.ts';

type Env = Readonly<Record<string, string | undefined>>;

export interface SelfSyncOptions {
  /** Source URL, e.g. `oso:https://cloud.osohq.com` or `dir:examples`. */
  source: string;
  /** The store the node serves from; the loop publishes into it. */
  store: string;
  storeOptions?: StoreOptions;
  /** Environment for the source's key and settings (`OSO_API_TOKEN`, `FALLBACK_OSO_*`). */
  env: Env;
  /** Loaded right after each published sync, so the node does not wait for its next poll. */
  holder: Pick<SnapshotHolder, 'refresh'>;
  /** Default 60,000 ms (`FALLBACK_SYNC_SECONDS`). */
  intervalMs?: number;
  logger: Logger;
}

/**
 * Starts the in-process sync loop: a first sync at once, then one every `intervalMs` after the last ended.
 * A failed sync (upstream down, bad data) publishes nothing and the node keeps serving what it has: its
 * last snapshot when the store is persistent, or nothing (not ready) until a first good sync or an import.
 */
export function startSelfSync(o: SelfSyncOptions): SyncLoop {
  // Opening validates the URLs at startup; each run reads the source afresh.
  const source = openSource(o.source, {
    apiKey: o.env.OSO_API_TOKEN,
    oso: { ...osoSourceOptionsFromEnv(o.env), onEvent: (e) => o.logger[e.level](e.message, e.fields) },
  });
  const store = openStore(o.store, o.storeOptions);
  const intervalMs = o.intervalMs ?? DEFAULT_SYNC_INTERVAL_MS;
  o.logger.info('self-sync enabled', {
    source: source.description,
    store: store.location,
    intervalMs,
    environment: o.env.OSO_ENVIRONMENT,
    tenant: o.env.OSO_TENANT,
  });
  return startSyncLoop({
    intervalMs,
    logger: o.logger,
    runOnce: async () => (await runSync({ source, store, logger: o.logger })).published,
    onPublished: () => o.holder.refresh(),
  });
}
