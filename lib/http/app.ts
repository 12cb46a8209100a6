import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Hono } from 'hono';
import { DomainError } from '../errors.ts';
import { createApiKeyCheck } from './auth.ts';
import { readBody } from './body.ts';
import { CHECK_ROUTES, type Limits } from './check-routes.ts';
import { createErrorHandler } from './errors.ts';
import { createJsonLogger } from './logger.ts';
import { MetricsRegistry, PROMETHEUS_CONTENT_TYPE } from './metrics.ts';
import { health, registerServerMetrics } from './ops.ts';
import { READ_ROUTES } from './read-routes.ts';
import type { AppDeps, ServingSnapshot } from './types.ts';
import { parseJson } from './validate.ts';

/** Default largest body: what the Oso clients refuse to send (10 MiB). */
export const DEFAULT_MAX_BODY_BYTES = 10 * 1024 * 1024;

/** Writes Oso Cloud accepts and this read-only node refuses. */
export const WRITE_ROUTES: readonly (readonly [method: 'POST' | 'DELETE', path: string])[] = [
  ['POST', '/api/batch'],
  ['POST', '/api/policy'],
  ['POST', '/api/facts'],
  ['DELETE', '/api/facts'],
  ['POST', '/api/bulk_load'],
  ['POST', '/api/bulk_delete'],
  ['POST', '/api/bulk'],
  ['POST', '/api/clear_data'],
  ['POST', '/api/expect'],
];

/** Local-authorization endpoints (SQL generation over the caller's own tables), not built yet. */
export const NOT_SUPPORTED_ROUTES: readonly string[] = [
  '/api/authorize_query',
  '/api/list_query',
  '/api/actions_query',
  '/api/evaluate_query_local',
];

const HEALTH_PATHS = ['/healthcheck', '/api/healthcheck'];

type Env = { Variables: { requestId: string } };

/**
 * Builds the Hono app that answers the Oso Cloud Check API from the provider's current snapshot.
 * Every response is JSON (except `/metrics`) and echoes `X-Request-ID`; errors are `{"message"}`.
 */
export function createApp(deps: AppDeps): Hono<Env> {
  const config = deps.config ?? {};
  const logger = deps.logger ?? createJsonLogger();
  const clock = deps.clock ?? Date.now;
  const registry = deps.metrics ?? new MetricsRegistry();
  const histogram = registerServerMetrics(registry, deps.snapshots, clock);
  const checkKey = createApiKeyCheck(config.apiKeyHashes ?? []);
  if (checkKey === null)
    logger.warn('no api key hashes configured: every request is accepted whatever its key');
  else logger.info('api key check enabled', { acceptedKeys: config.apiKeyHashes?.length });
  const limits: Limits = {
    maxPageSize: config.maxPageSize ?? 10_000,
    maxFacts: config.maxFacts ?? 10_000,
    maxQueryRows: config.maxQueryRows ?? 100_000,
    maxContextFacts: config.maxContextFacts ?? 10_000,
    maxBatchItems: config.maxBatchItems ?? 10_000,
  };
  const maxBody = config.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const known = new Set([
    ...Object.keys(CHECK_ROUTES),
    ...Object.keys(READ_ROUTES),
    ...WRITE_ROUTES.map(([, p]) => p),
    ...NOT_SUPPORTED_ROUTES,
    ...HEALTH_PATHS,
    '/metrics',
  ]);

  const app = new Hono<Env>();
  app.onError(createErrorHandler(logger));
  app.notFound((c) =>
    c.json({ message: `no route for ${c.req.method} ${c.req.path}`, code: 'not-found' }, 404),
  );

  // Request id, latency histogram and the optional extra sink, in one middleware to keep the hot path short.
  app.use(async (c, next) => {
    const started = performance.now();
    const requestId = c.req.header('x-request-id') || randomUUID();
    c.set('requestId', requestId);
    await next();
    c.res.headers.set('x-request-id', requestId);
    const path = known.has(c.req.path) ? c.req.path : 'unmatched';
    const seconds = (performance.now() - started) / 1000;
    histogram.observe(seconds, { path, status_code: String(c.res.status) });
    deps.onRequest?.({ path, method: c.req.method, status: c.res.status, seconds });
  });

  if (checkKey !== null) {
    app.use('/api/*', async (c, next) => {
      if (c.req.path !== '/api/healthcheck') checkKey(c.req.header('authorization'));
      await next();
    });
  }

  const snapshot = (): ServingSnapshot => {
    const s = deps.snapshots.current();
    if (s === null) throw new DomainError('not-ready', 'not ready: no snapshot loaded yet');
    return s;
  };

  for (const [path, handler] of Object.entries(CHECK_ROUTES)) {
    app.post(path, async (c) => {
      const body = parseJson(await readBody(c, maxBody));
      // Grab the engine only after the last await: the call below runs to completion on it.
      return c.json(handler(body, snapshot().engine, limits) as object);
    });
  }
  for (const [path, handler] of Object.entries(READ_ROUTES)) {
    app.get(path, (c) => c.json(handler(new URL(c.req.url).searchParams, snapshot(), limits) as object));
  }
  for (const [method, path] of WRITE_ROUTES) {
    app.on(method, path, () => {
      throw new DomainError(
        'read-only',
        `${method} ${path} is a write: this fallback node is read-only, send writes to oso cloud`,
      );
    });
  }
  for (const path of NOT_SUPPORTED_ROUTES) {
    app.post(path, () => {
      throw new DomainError(
        'not-supported',
        `${path} (local authorization) is not supported by this fallback node`,
      );
    });
  }
  for (const path of HEALTH_PATHS) {
    app.get(path, (c) => {
      const h = health(deps.snapshots.current(), clock(), config.maxStalenessMs);
      return c.json(h.body, h.status);
    });
  }
  app.get('/metrics', (c) => c.body(registry.render(), 200, { 'content-type': PROMETHEUS_CONTENT_TYPE }));
  return app;
}
