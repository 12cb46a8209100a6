/** Operations surface: readiness and the Prometheus metrics the Oso fallback node exposes. */
import { openEngineCount } from '../engine/index.ts';
import type { Histogram, MetricsRegistry } from './metrics.ts';
import type { ServingSnapshot, SnapshotProvider } from './types.ts';

/** Readiness: 200 once a snapshot is loaded and (optionally) not older than the staleness limit. */
export function health(
  snapshot: ServingSnapshot | null,
  now: number,
  maxStalenessMs: number | undefined,
): { status: 200 | 503; body: Record<string, unknown> } {
  if (snapshot === null) return { status: 503, body: { message: 'not ready: no snapshot loaded yet' } };
  const ageMs = Math.max(0, now - snapshot.freshAt);
  const id = snapshot.manifest.id;
  if (maxStalenessMs !== undefined && ageMs > maxStalenessMs) {
    return {
      status: 503,
      body: {
        message: `snapshot "${id}" is stale: ${ageMs} ms old, limit ${maxStalenessMs} ms`,
        snapshot: id,
        age_ms: ageMs,
      },
    };
  }
  return { status: 200, body: { status: 'ok', snapshot: id, age_ms: ageMs } };
}

function sumCounts(counts: Record<string, number>): number {
  return Object.values(counts).reduce((a, b) => a + b, 0);
}

/** Registers the server's metrics; snapshot figures are read from the provider at scrape time. */
export function registerServerMetrics(
  registry: MetricsRegistry,
  snapshots: SnapshotProvider,
  clock: () => number,
): Histogram {
  const loaded = () => {
    const s = snapshots.current();
    return s === null ? [] : [s];
  };
  registry.gauge(
    'oso_fallback_snapshot_age_ms',
    'Milliseconds since a sync last confirmed the loaded data current (snapshot creation, or a later unchanged sync that rewrote the pointer)',
    () => loaded().map((s) => ({ value: Math.max(0, clock() - s.freshAt) })),
  );
  registry.gauge('oso_fallback_snapshot_info', 'The loaded snapshot (value is always 1)', () =>
    loaded().map((s) => ({
      labels: {
        id: s.manifest.id,
        format_version: String(s.manifest.formatVersion),
        source: s.manifest.source,
      },
      value: 1,
    })),
  );
  registry.gauge('oso_fallback_snapshot_facts', 'Stored facts in the loaded snapshot', () =>
    loaded().map((s) => ({ value: sumCounts(s.manifest.factCounts) })),
  );
  registry.gauge('oso_fallback_ready', '1 when a snapshot is loaded and requests are answered', () => [
    { value: snapshots.current() === null ? 0 : 1 },
  ]);
  registry.gauge('oso_fallback_snapshot_load_duration_seconds', 'Duration of the last snapshot load', () => {
    const ms = snapshots.stats().lastLoadMs;
    return ms === null ? [] : [{ value: ms / 1000 }];
  });
  registry.counter('oso_fallback_snapshot_loads_total', 'Snapshots loaded since start', () => [
    { value: snapshots.stats().loads },
  ]);
  registry.counter(
    'oso_fallback_snapshot_refresh_failures_total',
    'Failed snapshot refreshes since start',
    () => [{ value: snapshots.stats().refreshFailures }],
  );
  registerMemoryMetrics(registry);
  return registry.histogram('oso_fallback_http_requests', 'HTTP response latencies in seconds');
}

/**
 * Process memory under the names Prometheus' Node.js client uses, plus the open sql.js databases. V8's
 * external memory includes sql.js' WebAssembly heap (which never shrinks) and the database images.
 */
function registerMemoryMetrics(registry: MetricsRegistry): void {
  registry.gauge('process_resident_memory_bytes', 'Resident memory size in bytes', () => [
    { value: process.memoryUsage.rss() },
  ]);
  registry.gauge('nodejs_heap_size_used_bytes', 'V8 heap in use, in bytes', () => [
    { value: process.memoryUsage().heapUsed },
  ]);
  registry.gauge(
    'nodejs_external_memory_bytes',
    'Memory held outside the V8 heap (buffers, the WebAssembly heap), in bytes',
    () => [{ value: process.memoryUsage().external }],
  );
  registry.gauge(
    'oso_fallback_open_databases',
    'Snapshot databases open in this process: 1 while serving, 2 for a moment during a swap',
    () => [{ value: openEngineCount() }],
  );
}
