// Dev mode: an Oso Cloud-compatible primary (read and write API) for local development and tests.
import type { Hono } from 'hono';
import { loadSqlJs } from '../engine/index.ts';
import { createApp, createJsonLogger, type Logger } from '../http/index.ts';
import { createDevApp } from './dev-app.ts';
import { DevService } from './dev-service.ts';
import { DevFactStore } from './fact-store.ts';
import { createDevPort } from './port.ts';

export { DEV_MAX_BODY_BYTES } from './dev-app.ts';
export { type DevPolicyPort, DevService, type PolicyOutcome } from './dev-service.ts';
export { DEV_DB_FILE, DevFactStore, type FactChange } from './fact-store.ts';

export interface DevServerOptions {
  /** Directory that keeps the dev database across restarts. Default: none, data lives in memory. */
  dataDir?: string;
  /** Default: JSON lines on stdout/stderr. */
  logger?: Logger;
  /** Epoch ms, for `@current_unix_time`. Default: `Date.now`. */
  clock?: () => number;
}

export interface DevServer {
  /** Serve it with any Hono adapter (`@hono/node-server` in the CLI, `app.request()` in tests). */
  app: Hono;
  service: DevService;
  /** Waits for pending writes (already on disk) and frees the databases. */
  close(): Promise<void>;
}

/** Opens (or creates) the dev data and builds the app: Oso's write API over the fallback's read API. */
export async function createDevServer(options: DevServerOptions = {}): Promise<DevServer> {
  const logger = options.logger ?? createJsonLogger({ component: 'dev' });
  const clock = options.clock ?? Date.now;
  const sql = await loadSqlJs();
  const store = await DevFactStore.open(sql, options.dataDir);
  const service = new DevService(store, createDevPort(sql, clock), clock);
  // Dev mode takes any key by design: drop the read app's startup warning about it.
  const quiet: Logger = {
    info: (m, f) => logger.info(m, f),
    warn: (m, f) => (m.startsWith('no api key') ? undefined : logger.warn(m, f)),
    error: (m, f) => logger.error(m, f),
  };
  const readApp = createApp({ snapshots: service, logger: quiet, clock });
  const app = createDevApp(service, readApp, logger) as unknown as Hono;
  return { app, service, close: () => service.close() };
}
