// An unchanged sync publishes no snapshot but rewrites the pointer with a fresh `updatedAt`, so serving
// nodes with a staleness limit stay healthy while the upstream is healthy and nothing changes.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { snapshotOpener } from '../../lib/cli/runtime.ts';
import { loadSqlJs } from '../../lib/engine/index.ts';
import { createApp, MetricsRegistry, silentLogger } from '../../lib/http/index.ts';
import { SnapshotHolder } from '../../lib/serving/index.ts';
import { openSource } from '../../lib/source/index.ts';
import { openStore, type SnapshotStore } from '../../lib/store/index.ts';
import { runSync } from '../../lib/sync/index.ts';
import { writeExampleSource } from '../support/sync-fixture.ts';

const sql = await loadSqlJs();
const MINUTE = 60_000;

async function pointer(store: SnapshotStore) {
  const p = await store.readPointer();
  if (p === null || p === 'not-modified') throw new Error('no pointer');
  return p;
}

describe('unchanged sync heartbeat', () => {
  let dir: string;
  let src: string;
  let store: SnapshotStore;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'heartbeat-'));
    src = join(dir, 'src');
    writeExampleSource(src);
    store = openStore(`file:${join(dir, 'store')}`);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const sync = (at: number) => runSync({ source: openSource(`dir:${src}`), store, sql, clock: () => at });

  it('rewrites the pointer with the same snapshot and a fresh updatedAt, never an earlier one', async () => {
    const t0 = Date.parse('2026-01-01T00:00:00.000Z');
    const first = await sync(t0);
    expect(first.published).toBe(true);
    const before = await pointer(store);

    const again = await sync(t0 + 10 * MINUTE);
    expect(again).toMatchObject({ published: false, id: first.id, bytes: 0 });
    expect(await store.listSnapshots()).toEqual([first.id]);
    const after = await pointer(store);
    expect(after.pointer.id).toBe(first.id);
    expect(after.pointer.manifest).toEqual(before.pointer.manifest);
    expect(after.pointer.updatedAt).toBe(new Date(t0 + 10 * MINUTE).toISOString());
    expect(after.etag).not.toBe(before.etag);

    // A sync whose clock is behind leaves the later confirmation in place.
    expect((await sync(t0 + 5 * MINUTE)).published).toBe(false);
    expect((await pointer(store)).pointer.updatedAt).toBe(new Date(t0 + 10 * MINUTE).toISOString());
  });

  it('keeps a node with a staleness limit healthy while syncs find nothing new', async () => {
    const now = Date.now();
    await sync(now - 10 * MINUTE);
    const holder = new SnapshotHolder({ store, open: snapshotOpener(sql) });
    expect(await holder.start(false)).toBe(true);
    const app = createApp({
      snapshots: holder,
      config: { maxStalenessMs: 5 * MINUTE },
      metrics: new MetricsRegistry(),
      logger: silentLogger,
    });
    const stale = await app.request('/healthcheck');
    expect(stale.status).toBe(503);
    expect(await stale.json()).toMatchObject({ age_ms: expect.any(Number) });

    expect((await sync(now)).published).toBe(false);
    expect(await holder.refresh()).toBe('unchanged');
    expect(holder.current()?.freshAt).toBe(now);
    const healthy = await app.request('/healthcheck');
    expect(healthy.status).toBe(200);
    const body = (await healthy.json()) as { age_ms: number };
    expect(body.age_ms).toBeLessThan(5 * MINUTE);
    const metrics = await (await app.request('/metrics')).text();
    const age = Number(/^oso_fallback_snapshot_age_ms (\d+)/m.exec(metrics)?.[1]);
    expect(age).toBeLessThan(5 * MINUTE);
    expect(holder.stats().loads).toBe(1);
    holder.stop();
  });
});
