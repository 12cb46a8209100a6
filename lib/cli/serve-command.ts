/**
 * `fallback serve --store <url> [--port 8080] [--host 127.0.0.1] [--refresh-seconds 10]
 * [--max-staleness-seconds N] [--api-key-hash <sha256hex>] [--s3-endpoint <url>]`:
 * serves the Oso Cloud Check API from the latest snapshot in the store until SIGTERM/SIGINT.
 */
import { isDomainError } from '../errors.ts';
import { createJsonLogger } from '../http/index.ts';
import { closeOnSignals, startServer } from './runtime.ts';
import { startSelfSync } from './self-sync.ts';
import { applyServeFlags, type Env, type ServeSettings, serveSettingsFromEnv } from './serve-options.ts';

export const USAGE =
  'usage: fallback serve --store <file:dir|s3://bucket/prefix> [--port 8080] [--host 127.0.0.1] [--refresh-seconds 10] [--max-staleness-seconds N] [--api-key-hash <sha256hex>] [--s3-endpoint <url>] [--source oso:<url> [--sync-seconds 60]]\n';

/** Starts serving with already resolved settings; returns once listening. */
export async function serveWith(settings: ServeSettings & { store: string }, env: Env = {}) {
  const logger = createJsonLogger({ service: 'oso-fallback' });
  const server = await startServer({
    store: settings.store,
    storeOptions: settings.s3,
    port: settings.port,
    host: settings.host,
    http: settings.http,
    refreshIntervalMs: settings.refreshIntervalMs,
    logger,
  });
  closeOnSignals(server, logger);
  if (settings.source !== undefined) {
    const loop = startSelfSync({
      source: settings.source,
      store: settings.store,
      storeOptions: settings.s3,
      env,
      holder: server.holder,
      ...(settings.syncIntervalMs === undefined ? {} : { intervalMs: settings.syncIntervalMs }),
      logger,
    });
    const close = server.close;
    server.close = async (graceMs) => {
      await close(graceMs);
      await loop.stop();
    };
  }
  return server;
}

export async function run(argv: string[], env: Env): Promise<number> {
  if (argv.includes('--help')) {
    process.stdout.write(USAGE);
    return 0;
  }
  let settings: ServeSettings;
  try {
    settings = applyServeFlags(serveSettingsFromEnv(env), argv);
  } catch (e) {
    process.stderr.write(`${isDomainError(e) ? e.message : String(e)}\n${USAGE}`);
    return 2;
  }
  const { store } = settings;
  if (store === undefined) {
    process.stderr.write(`missing --store (or FALLBACK_STORE)\n${USAGE}`);
    return 2;
  }
  const server = await serveWith({ ...settings, store }, env);
  process.stderr.write(`serving ${store} on ${server.url} (healthcheck: ${server.url}/healthcheck)\n`);
  // The listening socket keeps the process alive until a signal closes the server.
  return 0;
}
