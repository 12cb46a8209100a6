/**
 * Wiring shared by every way of serving (CLI, container, Lambda, tests, benchmarks): store -> holder ->
 * app, and for Node a listening server with graceful shutdown.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { serve } from '@hono/node-server';
import type { Hono } from 'hono';
import type { SqlJsStatic } from 'sql.js';
import { type EngineOptions, loadSqlJs } from '../engine/index.ts';
import {
  type AppDeps,
  createApp,
  createJsonLogger,
  type HttpConfig,
  type Logger,
  MetricsRegistry,
} from '../http/index.ts';
import { type SnapshotChunksOpener, SnapshotHolder, type SnapshotOpener } from '../serving/index.ts';
import { openSnapshotChunksInBackground, openSnapshotInBackground } from '../snapshot/index.ts';
import { openStore, type SnapshotStore, type StoreOptions } from '../store/index.ts';

/** The engine's bounds sit one above the HTTP layer's, so the app can tell "exactly at the limit" from "over". */
function engineLimits(http: HttpConfig) {
  return {
    maxFacts: (http.maxFacts ?? 10_000) + 1,
    maxResults: Math.max(http.maxQueryRows ?? 100_000, http.maxPageSize ?? 10_000) + 1,
    maxContextFacts: http.maxContextFacts ?? 10_000,
  };
}

/**
 * Opens verified snapshots with `openSnapshotInBackground` (checks in a worker thread), the engine bounded
 * one above the HTTP layer, so the app can refuse over-limit requests instead of truncating.
 */
export function snapshotOpener(
  sql: SqlJsStatic | (() => Promise<SqlJsStatic>),
  http: HttpConfig = {},
  engine: EngineOptions = {},
): SnapshotOpener {
  const limits = engineLimits(http);
  return async (manifest, body) => {
    const module = typeof sql === 'function' ? await sql() : sql;
    // The holder drops `body` after opening, so the worker may take it instead of a copy.
    return openSnapshotInBackground(module, manifest, body, {
      clock: engine.clock,
      limits,
      transferBody: true,
    });
  };
}

/**
 * Like `snapshotOpener`, for a store that streams the stored bytes: they are decoded as they arrive
 * (`openSnapshotChunksInBackground`), so a gzip snapshot's load peaks at about the image alone.
 */
export function snapshotChunksOpener(
  sql: SqlJsStatic | (() => Promise<SqlJsStatic>),
  http: HttpConfig = {},
  engine: EngineOptions = {},
): SnapshotChunksOpener {
  const limits = engineLimits(http);
  const gc = fullGc();
  const collect = gc === undefined ? undefined : () => gc({ type: 'minor' });
  return async (manifest, chunks) => {
    const module = typeof sql === 'function' ? await sql() : sql;
    return openSnapshotChunksInBackground(module, manifest, chunks, { clock: engine.clock, limits, collect });
  };
}

type Gc = (options?: { type: 'minor' | 'major' }) => void;
let gcOnce: { gc: Gc | undefined } | undefined;

/**
 * V8's `gc`, exposed once per process. A full collection runs after every load, so what loading left
 * behind (the stored body, and after a swap the replaced snapshot's image, a JS buffer in sql.js's in-memory
 * file system) is returned at once rather than at V8's next major GC (which may not come for a long time
 * when the JS heap is quiet); minor ones run while a streamed body is decoded. `undefined` when unavailable. Every snapshot shares the process's one sql.js instance (sql.js keeps a
 * single module per process): its WebAssembly heap holds page caches and statements, not images, and is
 * reused from one snapshot to the next (/metrics `nodejs_external_memory_bytes` stays flat over swaps;
 * RELIABILITY.md).
 */
function fullGc(): Gc | undefined {
  gcOnce ??= { gc: exposeGc() };
  return gcOnce.gc;
}

function exposeGc(): Gc | undefined {
  try {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as unknown;
    return typeof gc === 'function' ? (gc as Gc) : undefined;
  } catch {
    return undefined;
  }
}

export interface ServingOptions {
  /** `file:<dir>` or `s3://bucket/prefix`, or an already opened store. */
  store: string | SnapshotStore;
  /** Options for `s3://` stores (e.g. a custom endpoint). Default: none. */
  storeOptions?: StoreOptions;
  http?: HttpConfig;
  /** Pointer poll interval. Default: 10,000 ms. */
  refreshIntervalMs?: number;
  /** Default: JSON lines on stdout/stderr. */
  logger?: Logger;
  /** Extra per-request sink (Lambda EMF). Default: none. */
  onRequest?: AppDeps['onRequest'];
  /** Engine options such as a fixed clock. Default: none. */
  engine?: EngineOptions;
  /** How stored bytes become an engine. Default: {@link snapshotOpener}. */
  open?: SnapshotOpener;
}

export interface Serving {
  app: Hono;
  holder: SnapshotHolder;
  metrics: MetricsRegistry;
  logger: Logger;
}

/** Builds the holder and the app; call `holder.start()` (or `refreshIfDue()`) to load snapshots. */
export async function createServing(o: ServingOptions): Promise<Serving> {
  const logger = o.logger ?? createJsonLogger();
  const store = typeof o.store === 'string' ? openStore(o.store, o.storeOptions) : o.store;
  const open = o.open ?? snapshotOpener(loadSqlJs, o.http, o.engine);
  // a caller's own opener reads whole bodies; the default one streams them where the store can
  const openChunks = o.open === undefined ? snapshotChunksOpener(loadSqlJs, o.http, o.engine) : undefined;
  const gc = fullGc();
  const holder = new SnapshotHolder({
    // on a fresh macrotask: the loading frames (and the buffers they held) are gone by then
    afterLoad:
      gc === undefined ? undefined : () => new Promise<void>((done) => setImmediate(() => done(gc()))),
    store,
    open,
    openChunks,
    refreshIntervalMs: o.refreshIntervalMs,
    logger,
  });
  const metrics = new MetricsRegistry();
  const app = createApp({
    snapshots: holder,
    config: o.http,
    metrics,
    logger,
    onRequest: o.onRequest,
  }) as unknown as Hono;
  logger.info('serving snapshots', {
    store: store.location,
    refreshIntervalMs: o.refreshIntervalMs ?? 10_000,
  });
  return { app, holder, metrics, logger };
}

export interface RunningServer extends Serving {
  url: string;
  port: number;
  /** Stops accepting, lets in-flight requests finish (up to `graceMs`), then releases the snapshot. */
  close(graceMs?: number): Promise<void>;
}

/**
 * Starts the Node server: listens at once (healthcheck 503 until loaded), loads the latest snapshot in
 * the background with retries, then polls for newer ones. Defaults: port 8080, host 127.0.0.1.
 */
export async function startServer(
  o: ServingOptions & { port?: number; host?: string },
): Promise<RunningServer> {
  const serving = await createServing(o);
  const host = o.host ?? '127.0.0.1';
  const server = await new Promise<Server>((resolve, reject) => {
    const s = serve({ fetch: serving.app.fetch, port: o.port ?? 8080, hostname: host }, () =>
      resolve(s as Server),
    ) as Server;
    s.once('error', reject);
  });
  const port = (server.address() as AddressInfo).port;
  void serving.holder.start();
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  serving.logger.info('listening', { url });
  let closing: Promise<void> | undefined;
  const close = (graceMs = 10_000) => {
    closing ??= new Promise<void>((resolve) => {
      const force = setTimeout(() => server.closeAllConnections(), graceMs);
      force.unref();
      server.close(() => {
        clearTimeout(force);
        serving.holder.stop();
        resolve();
      });
      // Keep-alive connections with no request in flight would otherwise hold close() open.
      server.closeIdleConnections();
    });
    return closing;
  };
  return { ...serving, url, port, close };
}

/** Closes the server on SIGTERM/SIGINT, then lets the process exit. */
export function closeOnSignals(server: RunningServer, logger: Logger): void {
  const onSignal = (signal: NodeJS.Signals) => {
    logger.info('shutting down', { signal });
    void server.close().then(() => logger.info('stopped'));
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
}
